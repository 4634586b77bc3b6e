"""Crisis pages and API: who sees what, who decides what, bad input answered with a 4xx
naming the field, the PDF, and the status board's badge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from allocation import board
from roster.models import Access
from tests import factories as f
from triage import escalation
from triage.crisis_state import state_of
from triage.models import CrisisPosition, EscalationProposal, SituationReport

from .test_escalation import hours

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def ops(world):
    user = f.UserFactory(username="ops")
    f.grant(user, Access.Level.UNIT_MANAGER, units=[world.icu])
    CrisisPosition.objects.create(site=world.north, user=user, position="operations_manager",
                                  starts_at=timezone.now() - H)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_of_a_site_read_its_level_and_others_do_not(world, ops):
    assert client_for(world.nurse.user).get(f"/crisis/sites/{world.north.pk}/").status_code == 200
    assert client_for(world.outsider.user).get(f"/crisis/sites/{world.north.pk}/").status_code == 404
    levels = world.client_for(world.outsider.user).get("/api/crisis/levels/").json()
    assert [row["site_name"] for row in levels] == ["South Infirmary"]
    regional = world.client_for(world.regional).get("/api/crisis/levels/").json()
    assert regional[0]["site_name"] == "The network" and len(regional) == 3


def test_a_proposal_is_confirmed_through_the_api_by_the_position_on_duty(world, ops):
    hours(world.icu, [97, 97])
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north)
    refused = world.client_for(world.coordinator).post(f"/api/crisis/proposals/{proposal.pk}/confirm/", {}, format="json")
    assert refused.status_code == 403
    answer = world.client_for(ops).post(f"/api/crisis/proposals/{proposal.pk}/confirm/", {"reason": "ED full"},
                                        format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert state_of(world.north).level == 3
    again = world.client_for(ops).post(f"/api/crisis/proposals/{proposal.pk}/decline/", {"reason": "x"}, format="json")
    assert again.status_code == 400 and "proposal" in again.json()


def test_declaring_and_issuing_refuse_bad_input_by_field(world, ops):
    api = world.client_for(ops)
    assert "level" in api.post("/api/crisis/declare/", {"site": world.north.pk, "level": 9, "reason": "x"},
                               format="json").json()
    assert "reason" in api.post("/api/crisis/declare/", {"site": world.north.pk, "level": 3, "reason": ""},
                                format="json").json()
    assert "site" in api.post("/api/crisis/declare/", {"site": world.south.pk, "level": 3, "reason": "x"},
                              format="json").json()
    assert api.post("/api/crisis/declare/", {"site": world.north.pk, "level": 3, "reason": "Coach crash"},
                    format="json").status_code == 201
    later = (timezone.now() + 2 * H).isoformat()
    bad = api.post("/api/crisis/reports/", {"site": world.north.pk, "situation": "Busy", "next_update_at": later,
                                            "facility": {"Power": "flickering"}}, format="json")
    assert bad.status_code == 400 and "facility" in bad.json()
    past = api.post("/api/crisis/reports/", {"site": world.north.pk, "situation": "Busy",
                                             "next_update_at": (timezone.now() - H).isoformat()}, format="json")
    assert past.status_code == 400 and "next_update_at" in past.json()
    made = api.post("/api/crisis/reports/", {"site": world.north.pk, "situation": "Busy", "next_update_at": later,
                                             "facility": {"Power": "partial"}}, format="json")
    assert made.status_code == 201 and made.json()["level"] == 3 and made.json()["version"] == 1
    pdf = api.get(f"/api/crisis/reports/{made.json()['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A nurse of the site reads the report but may not issue one.
    nurse = world.client_for(world.nurse.user)
    assert nurse.get(f"/api/crisis/reports/{made.json()['id']}/").status_code == 200
    assert nurse.post("/api/crisis/reports/", {"site": world.north.pk, "situation": "x", "next_update_at": later},
                      format="json").status_code == 403


def test_the_pages_confirm_declare_and_issue_with_messages(world, ops):
    hours(world.icu, [90, 90])
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north)
    page = client_for(ops)
    body = page.get(f"/crisis/sites/{world.north.pk}/").content.decode()
    assert "Escalate to level 2 Elevated?" in body and "Confirm level 2" in body
    # Someone without the position sees the proposal but not the buttons.
    assert "Confirm level 2" not in client_for(world.coordinator).get(f"/crisis/sites/{world.north.pk}/").content.decode()
    answer = page.post(f"/crisis/proposals/{proposal.pk}/decide/", {"decision": "decline", "reason": ""}, follow=True)
    assert "Say why." in answer.content.decode()
    page.post(f"/crisis/proposals/{proposal.pk}/decide/", {"decision": "confirm", "reason": ""})
    assert state_of(world.north).level == 2
    form = page.get(f"/crisis/sites/{world.north.pk}/reports/new/")
    assert form.status_code == 200 and "Staffed beds" in form.content.decode()
    next_at = timezone.localtime(timezone.now() + 2 * H).strftime("%Y-%m-%dT%H:%M")
    issued = page.post(f"/crisis/sites/{world.north.pk}/reports/new/",
                       {"situation": "Flu wave", "next_update_at": next_at, "facility-0": "full"}, follow=True)
    assert "Situation report 1 issued." in issued.content.decode()
    report = SituationReport.objects.get()
    assert page.get(f"/crisis/reports/{report.pk}/pdf/")["Content-Type"] == "application/pdf"
    assert client_for(world.outsider.user).get(f"/crisis/reports/{report.pk}/").status_code == 404


def test_the_status_board_shows_each_sites_level_and_pending_proposals(world, ops):
    escalation.level_declare(actor=ops, site=world.north, level=3, reason="Surge")
    badges = board.badges([world.north.pk, world.south.pk], timezone.now())
    assert badges[world.north.pk]["crisis level"].text == "Level 3 Surge"
    assert badges[world.south.pk]["crisis level"].text == "Level 1 Normal"
    hours(world.icu, [101, 101])
    escalation.scan()
    alerts = [a for a in board.alerts([world.north.pk], timezone.now()) if "level 4" in a.text]
    assert alerts and alerts[0].severity == "critical"


def test_an_administrator_assigns_positions_and_edits_playbooks_in_the_admin(world):
    from triage.playbooks import steps_of

    step = steps_of(world.north)[0]
    admin = client_for(world.admin)
    assert admin.get("/admin/triage/crisisposition/add/").status_code == 200
    page = admin.get(f"/admin/triage/playbookstep/{step.pk}/change/")
    assert page.status_code == 200 and step.title in page.content.decode()
    assert admin.get("/admin/triage/levelchange/add/").status_code == 403  # history is not edited by hand


def test_the_network_page_is_for_coordinators_network_wide_and_network_positions(world):
    assert client_for(world.regional).get("/crisis/network/").status_code == 200
    assert client_for(world.coordinator).get("/crisis/network/").status_code == 404
    assert client_for(world.nurse.user).get("/crisis/").status_code == 200  # her site's level
    CrisisPosition.objects.create(site=None, user=world.coordinator, position="executive",
                                  starts_at=timezone.now() - H)
    page = client_for(world.coordinator).get("/crisis/network/")
    assert page.status_code == 200 and "Level 1 Normal" in page.content.decode()
    escalation.level_declare(actor=world.coordinator, site=None, level=5, reason="Regional flooding")
    assert "Level 5 Catastrophic" in client_for(world.regional).get("/crisis/").content.decode()
