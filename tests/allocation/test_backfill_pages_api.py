"""Backfill pages and API: staff see and answer their offers, managers see a vacancy's
candidates, reasons and exclusions and the KPIs; bad input is a 4xx naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation.backfill import advance, kpi, offer_accept
from allocation.models.backfill import Offer, OfferPolicy, RankingRules, Vacancy

from .backfill_helpers import call_out, nurse

pytestmark = pytest.mark.django_db


def _offered(world, policy="broadcast", **kw):
    v = call_out(world, policy, **kw)
    advance(v.pk)
    return v, Offer.objects.get(vacancy=v, staff=world.colleague)


def test_staff_see_their_offer_and_accept_it_in_one_tap(client, world):
    v, offer = _offered(world)
    client.force_login(world.colleague.user)
    page = client.get(reverse("backfill-my-offers"))
    assert page.status_code == 200 and f'id="offer-{offer.pk}"' in page.content.decode()
    done = client.post(reverse("backfill-offer-accept", args=[offer.pk]), follow=True)
    assert "Confirmed: you work D" in done.content.decode()
    v.refresh_from_db()
    assert v.status == "filled"
    history = client.get(reverse("backfill-my-offers")).content.decode()
    assert "Accepted" in history
    # Someone else's offer is not theirs to answer.
    client.force_login(world.nurse.user)
    assert client.post(reverse("backfill-offer-decline", args=[offer.pk])).status_code == 404


def test_managers_see_the_timeline_candidates_reasons_and_exclusions(client, world):
    hca = nurse(world, "hca", role="HCA")
    v, _ = _offered(world)
    client.force_login(world.manager)
    page = client.get(reverse("backfill-detail", args=[v.pk])).content.decode()
    assert "Wave 1" in page and "Straight time" in page and "extra shifts in the last 4 weeks" in page
    assert f"{hca}</strong>: Different role" in page
    assert "Ranked by cost class" in page
    assert client.get(reverse("backfill-list")).status_code == 200
    # htmx asks for the live part only.
    part = client.get(reverse("backfill-detail", args=[v.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="vacancy-live"' in part and "<html" not in part
    # Staff and other units' managers see none of it.
    client.force_login(world.colleague.user)
    assert client.get(reverse("backfill-detail", args=[v.pk])).status_code == 404
    assert client.get(reverse("backfill-list")).status_code == 403


def test_the_coordinator_sets_the_ranking_order_and_a_unit_policy_on_the_page(client, world):
    client.force_login(world.coordinator)
    client.post(reverse("backfill-ranking", args=[world.north.pk]), {"criteria": "fairness, cost"})
    assert RankingRules.objects.get(site=world.north).criteria == ["fairness", "cost"]
    bad = client.post(reverse("backfill-ranking", args=[world.north.pk]), {"criteria": "luck"}, follow=True)
    assert "Criteria are a comma-separated order of" in bad.content.decode()
    client.post(reverse("backfill-policy", args=[world.ward.pk]), {
        "kind": "one_at_a_time", "top_n": 3, "wave_size": 2, "wave_seconds": 600, "fill_minutes": 240,
        "critical_fill_minutes": 120, "escalation_minutes": 60})
    assert OfferPolicy.objects.get(unit=world.ward).kind == "one_at_a_time"


def test_kpis_measure_fill_time_rate_tiers_and_offers_per_fill(client, world):
    _, offer = _offered(world)
    offer_accept(actor=world.colleague.user, offer_id=offer.pk)
    now = timezone.now()
    k = kpi.measure(Vacancy.objects.all(), now - dt.timedelta(days=1), now + dt.timedelta(minutes=1))
    assert (k.vacancies, k.filled, k.fill_rate, k.offers_per_fill) == (1, 1, 100.0, 1.0)
    assert k.by_tier == {"Straight time (below FTE)": 100.0} and k.overtime_share == 0.0
    assert k.median_fill_minutes is not None and k.critical_within_target == 100.0
    client.force_login(world.manager)
    page = client.get(reverse("backfill-kpi"), {"unit": world.icu.pk})
    assert page.status_code == 200 and 'data-testid="fill-rate">100.0 %' in page.content.decode()
    assert "backfill-chart-data" in page.content.decode()
    bad = client.get(reverse("backfill-kpi"), {"start": "2026-12-10", "end": "2026-12-01"})
    assert bad.status_code == 400 and "The period starts after it ends." in bad.content.decode()


def test_api_candidates_offers_and_kpis(world):
    v, offer = _offered(world)
    manager = world.client_for(world.manager)
    body = manager.get(f"/api/backfill/vacancies/{v.pk}/candidates/").json()
    assert body["criteria"][0] == "cost" and body["candidates"][0]["name"] == str(world.colleague)
    assert any(e["rules"] == ["leave"] for e in body["excluded"])
    listed = manager.get("/api/backfill/vacancies/").json()
    assert [row["id"] for row in listed["results"]] == [v.pk] and listed["results"][0]["events"]

    colleague = world.client_for(world.colleague.user)
    mine = colleague.get("/api/backfill/offers/").json()
    assert [o["id"] for o in mine["results"]] == [offer.pk]
    assert colleague.post(f"/api/backfill/offers/{offer.pk}/accept/").status_code == 200
    again = colleague.post(f"/api/backfill/offers/{offer.pk}/accept/")
    assert again.status_code == 409 and "offer" in again.json()
    assert colleague.get("/api/backfill/vacancies/").json()["results"] == []  # staff see no vacancies

    figures = manager.get("/api/backfill/kpi/", {"unit": world.icu.pk}).json()
    assert figures["filled"] == 1 and figures["fill_rate"] == 100.0


def test_api_bad_input_is_a_4xx_naming_the_field(world):
    v, _ = _offered(world)
    manager = world.client_for(world.manager)
    assert "start" in manager.get("/api/backfill/kpi/", {"start": "2026-12-10", "end": "2026-12-01"}).json()
    assert "unit" in manager.get("/api/backfill/kpi/", {"unit": world.ed.pk}).json()
    assert "offer" in manager.post(f"/api/backfill/vacancies/{v.pk}/pick/", {"offer": "x"}).json()
    assert "offer" in manager.post(f"/api/backfill/vacancies/{v.pk}/pick/", {"offer": 999999}).json()
    assert "worker_name" in manager.post(f"/api/backfill/vacancies/{v.pk}/agency/", {}).json()
    opened = manager.post("/api/backfill/vacancies/", {"unit": world.icu.pk, "shift_type": world.day.pk,
                                                       "date": str(v.date), "source": "luck"})
    assert opened.status_code == 400 and "source" in opened.json()
    assert "criteria" in world.client_for(world.coordinator).post(
        "/api/backfill/ranking-rules/", {"site": world.north.pk, "criteria": ["luck"]}, format="json").json()
    assert "unit" in manager.post("/api/backfill/policies/", {"unit": world.ed.pk, "kind": "waves"}).json()
    assert manager.post("/api/backfill/policies/", {"unit": world.icu.pk, "kind": "waves"}).status_code == 400


def test_api_the_agency_fills_and_the_census_opens_a_vacancy(world):
    v, offer = _offered(world)
    manager = world.client_for(world.manager)
    done = manager.post(f"/api/backfill/vacancies/{v.pk}/agency/", {"worker_name": "Ada Agency"})
    assert done.status_code == 200 and done.json()["status"] == "agency"
    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    opened = manager.post("/api/backfill/vacancies/", {"unit": world.icu.pk, "shift_type": world.night.pk,
                                                       "date": str(v.date), "role": "RN", "source": "census"})
    assert opened.status_code == 201 and opened.json()["source"] == "census"
    assert opened.json()["policy"] == "broadcast"  # the unit's policy
