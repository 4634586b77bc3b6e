"""Redeployment and mutual-aid pages and API: who sees and decides what, and bad input
answered with a 4xx naming the field."""

from __future__ import annotations

from html import escape

import pytest
from django.test import Client
from django.utils import timezone

from allocation.models.redeploy import MutualAidRequest, Recommendation
from allocation.recommendations import replan
from tests import factories as f
from tests.allocation.test_redeploy_recommendations import make_surge


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def planned(world):
    """A surge at the North ICU now, and the plan's recommendations (the pages act now)."""
    now = timezone.now()
    make_surge(world, now)
    replan(world.north, now=now, force=True)
    return Recommendation.objects.filter(status="proposed").first()


def test_the_page_shows_each_move_with_its_tradeoff_and_only_coordinators_see_it(world, planned):
    body = page_client(world.coordinator).get("/redeployment/").content.decode()
    assert escape(planned.rationale) in body and "Shadow price" in body and "Approve" in body
    assert page_client(world.manager).get("/redeployment/").status_code == 403
    assert page_client(world.nurse.user).get("/redeployment/").status_code == 403
    partial = page_client(world.coordinator).get("/redeployment/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 10s"' in partial and "<html" not in partial


def test_approving_on_the_page_makes_the_move_and_declining_needs_a_reason(world, planned):
    client = page_client(world.coordinator)
    other = Recommendation.objects.filter(status="proposed").exclude(pk=planned.pk).first()
    response = client.post(f"/redeployment/{other.pk}/decide/", {"decision": "decline", "reason": ""}, follow=True)
    assert "Say why it is declined." in response.content.decode()
    client.post(f"/redeployment/{planned.pk}/decide/", {"decision": "approve"})
    planned.refresh_from_db()
    assert planned.status == "arrived" and planned.assignment is not None


def test_the_api_lists_decides_and_names_bad_fields(world, planned):
    api = world.client_for(world.coordinator)
    listed = api.get("/api/redeployment/recommendations/").json()
    assert planned.pk in [r["id"] for r in listed["results"]]
    assert world.client_for(world.manager).get("/api/redeployment/recommendations/").json()["results"] == []
    bad = api.post("/api/redeployment/runs/", {"site": "north", "quantile": "q85"}, format="json")
    assert bad.status_code == 400 and "site" in bad.json()
    bad = api.post("/api/redeployment/runs/", {"site": world.north.pk, "quantile": "q99"}, format="json")
    assert bad.status_code == 400 and "quantile" in bad.json()
    refused = api.post("/api/redeployment/runs/", {"site": world.south.pk}, format="json")
    assert refused.status_code == 403 and "site" in refused.json()
    other = Recommendation.objects.filter(status="proposed").exclude(pk=planned.pk).first()
    declined = api.post(f"/api/redeployment/recommendations/{other.pk}/decline/", {}, format="json")
    assert declined.status_code == 400 and "reason" in declined.json()
    ok = api.post(f"/api/redeployment/recommendations/{planned.pk}/approve/", {}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "arrived"
    again = api.post(f"/api/redeployment/recommendations/{planned.pk}/approve/", {}, format="json")
    assert again.status_code == 409 and "status" in again.json()
    report = api.get("/api/redeployment/bottlenecks/").json()
    assert report["rows"] and report["bottleneck"]["resource"]


def test_mutual_aid_api_steps_and_field_errors(world):
    south_co = f.UserFactory(username="southco")
    f.grant(south_co, "site_coordinator", sites=[world.south])
    api = world.client_for(world.coordinator)
    bad = api.post("/api/mutual-aid/requests/", {"borrower": world.north.pk, "lender": world.south.pk,
                                                 "resource": "RN", "quantity": 0, "hours": 8}, format="json")
    assert bad.status_code == 400 and "quantity" in bad.json()
    bad = api.post("/api/mutual-aid/requests/", {"borrower": world.north.pk, "lender": world.north.pk,
                                                 "resource": "RN", "quantity": 1, "hours": 8}, format="json")
    assert bad.status_code == 400 and "lender" in bad.json()
    made = api.post("/api/mutual-aid/requests/", {"borrower": world.north.pk, "lender": world.south.pk,
                                                  "resource": "RN", "quantity": 2, "hours": 8, "rate": "35.50"},
                    format="json")
    assert made.status_code == 201 and made.json()["status"] == "requested"
    pk = made.json()["id"]
    assert api.post(f"/api/mutual-aid/requests/{pk}/acknowledge/").status_code == 403
    lender = world.client_for(south_co)
    assert lender.post(f"/api/mutual-aid/requests/{pk}/acknowledge/").json()["status"] == "acknowledged"
    assert lender.post(f"/api/mutual-aid/requests/{pk}/deploy/").json()["status"] == "deployed"
    no_reason = lender.post(f"/api/mutual-aid/requests/{pk}/recall/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert lender.post(f"/api/mutual-aid/requests/{pk}/recall/", {"reason": "own incident"},
                       format="json").json()["status"] == "recalled"
    assert api.post(f"/api/mutual-aid/requests/{pk}/reconcile/").json()["reconciliation"]["rate"] == "35.50"
    assert MutualAidRequest.objects.get(pk=pk).status == "reconciled"
    # Both sites see it; a unit manager does not.
    assert [r["id"] for r in lender.get("/api/mutual-aid/requests/").json()["results"]] == [pk]
    assert world.client_for(world.manager).get("/api/mutual-aid/requests/").json()["results"] == []
    page = page_client(south_co).get(f"/mutual-aid/{pk}/").content.decode()
    assert "Reconciliation" in page and "recalled early" in page


def test_the_bottleneck_page_names_the_largest_price(world, planned):
    body = page_client(world.coordinator).get("/redeployment/bottlenecks/").content.decode()
    assert "The bottleneck:" in body and "rd-chart-data" in body and "Registered nurse" in body
