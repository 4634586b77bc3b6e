"""The run page in a manager's words (shifts short, requests honoured, fairness, never
solver figures), discarding a draft, and a site-wide run seen by one unit's manager."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from roster.editing import assignment_create
from roster.errors import Conflict, NotAllowed
from roster.models import AuditEvent, CoverageRequirement, Roster, SolverRun
from roster.rosters import roster_discard, roster_publish
from tests import factories as f

MON = dt.date(2026, 3, 2)
SUN = MON + dt.timedelta(days=6)

pytestmark = pytest.mark.django_db


def _short(day: int, shift: str, needs: str, missing: int, unit=None) -> dict:
    return {"date": (MON + dt.timedelta(days=day)).isoformat(), "shift": shift, "needs": needs,
            "missing": missing, "unit": unit.name if unit else "", "unit_id": unit.pk if unit else None,
            "candidates": []}


def _run(world, *, unit=None, status=SolverRun.Status.SUCCEEDED, shortfalls=(), rosters=(), **kpis) -> SolverRun:
    figures = {"coverage_pct": 99.7, "overtime_pct": 0.0, "request_honoring_pct": 87.5, "nights_spread": 1.0,
               "weekends_spread": 0.0, "hours_spread": 12.0, "stability_pct": None, **kpis}
    run = SolverRun.objects.create(
        site=world.north, unit=unit, start_date=MON, end_date=SUN, status=status, solutions=7,
        objective=1929244.0, bound=0.0, gap=1.0, requested_by=world.coordinator,
        result={"kpis": figures, "shortfalls": list(shortfalls), "left_out": []},
    )
    run.rosters.set(rosters)
    return run


def _draft(unit, version: int = 1) -> Roster:
    return f.RosterFactory(unit=unit, start_date=MON, end_date=SUN, version=version)


def _page(client, user, run: SolverRun, **headers) -> str:
    client.force_login(user)
    response = client.get(reverse("roster-run", args=[run.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


# --- wording ----------------------------------------------------------------------


def test_a_run_with_shortfalls_counts_the_shifts_short_by_day_and_role(client, world):
    roster = _draft(world.icu)
    run = _run(world, unit=world.icu, rosters=[roster], shortfalls=[
        _short(0, "N", "RN", 2, world.icu), _short(3, "D", "RN with ICU", 1, world.icu)])
    page = _page(client, world.manager, run)
    assert "3 shifts short" in page
    assert "Mon 2 Mar, N" in page and "2 RN short" in page
    assert "Thu 5 Mar, D" in page and "1 RN with ICU short" in page
    assert "87.5 %" in page and "Requests honoured" in page
    assert "Nights spread within 1 per full-timer" in page and "weekends worked shared evenly" in page
    for solver_speak in ("Gap", "Cost of the best", "1929244", "Lower bound", "99.7"):
        assert solver_speak not in page


def test_one_missing_nurse_is_one_shift_short_not_a_percentage(client, world):
    run = _run(world, unit=world.icu, rosters=[_draft(world.icu)], shortfalls=[_short(1, "N", "RN", 1, world.icu)])
    page = _page(client, world.manager, run)
    assert "1 shift short" in page and "1 shifts" not in page and "99.7 %" not in page


def test_a_run_with_every_minimum_met_says_fully_covered(client, world):
    run = _run(world, unit=world.icu, rosters=[_draft(world.icu)], coverage_pct=100.0)
    page = _page(client, world.manager, run)
    assert "Fully covered" in page and "short" not in page.split('data-testid="run-kpis"')[1].split("</div>")[1]


def test_a_stopped_run_says_its_best_roster_was_kept(client, world):
    run = _run(world, unit=world.icu, status=SolverRun.Status.CANCELLED, rosters=[_draft(world.icu)])
    page = _page(client, world.manager, run)
    assert "Stopped, best roster kept" in page
    assert "Cancelled" not in page and "Generating" not in page


def test_the_live_partial_of_a_finished_run_stops_polling_and_never_says_generating(client, world):
    run = _run(world, unit=world.icu, rosters=[_draft(world.icu)])
    fragment = _page(client, world.manager, run, HTTP_HX_REQUEST="true")
    assert 'data-status="succeeded"' in fragment and "Finished" in fragment
    assert "Generating" not in fragment and "hx-trigger" not in fragment


def test_a_running_run_says_generating_and_polls(client, world):
    run = SolverRun.objects.create(site=world.north, unit=world.icu, start_date=MON, end_date=SUN,
                                   status=SolverRun.Status.RUNNING, time_limit_seconds=30)
    fragment = _page(client, world.manager, run, HTTP_HX_REQUEST="true")
    assert "Generating…" in fragment and 'hx-trigger="every 1s"' in fragment


# --- discarding a draft -------------------------------------------------------------


def test_a_manager_discards_a_draft_and_it_is_audited(client, world):
    roster = _draft(world.icu)
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.day, day=MON)
    run = _run(world, unit=world.icu, rosters=[roster])
    client.force_login(world.manager)
    response = client.post(reverse("roster-discard", args=[roster.pk]))
    assert response.status_code == 302 and response.url == reverse("roster-list", args=[world.icu.pk])
    assert not Roster.objects.filter(pk=roster.pk).exists()
    event = AuditEvent.objects.get(action="roster.discard")
    assert event.actor == world.manager and event.unit_id == world.icu.pk
    assert event.before["solver_runs"] == [run.pk] and event.object_id == str(roster.pk)
    # The run keeps its report and says where its draft went.
    page = _page(client, world.manager, run)
    assert "with its 1 shifts" in event.rationale
    assert "Discarded since: version 1" in page and "No draft was made" not in page


def test_the_draft_page_offers_discarding_with_a_confirmation(client, world):
    roster = _draft(world.icu)
    client.force_login(world.manager)
    page = client.get(reverse("roster-detail", args=[roster.pk])).content.decode()
    assert reverse("roster-discard", args=[roster.pk]) in page and "Yes, discard it" in page


def test_a_published_version_is_not_discarded(client, world):
    roster = roster_publish(actor=world.manager, roster=_draft(world.icu))
    client.force_login(world.manager)
    page = client.get(reverse("roster-detail", args=[roster.pk])).content.decode()
    assert reverse("roster-discard", args=[roster.pk]) not in page
    response = client.post(reverse("roster-discard", args=[roster.pk]))
    assert response.status_code == 302 and response.url == reverse("roster-detail", args=[roster.pk])
    assert Roster.objects.filter(pk=roster.pk).exists()
    with pytest.raises(Conflict):
        roster_discard(actor=world.manager, roster=roster)
    assert not AuditEvent.objects.filter(action="roster.discard").exists()


def test_someone_who_does_not_manage_the_unit_may_not_discard(client, world):
    roster = _draft(world.icu)
    ward_manager = f.UserFactory(username="wardmanager")
    f.grant(ward_manager, "unit_manager", units=[world.ward])
    for user in (world.nurse.user, world.outsider.user, ward_manager):
        client.force_login(user)
        assert client.post(reverse("roster-discard", args=[roster.pk])).status_code == 404
        with pytest.raises(NotAllowed):
            roster_discard(actor=user, roster=roster)
    assert Roster.objects.filter(pk=roster.pk).exists()
    assert not AuditEvent.objects.filter(action="roster.discard").exists()


def test_the_api_discards_a_draft_and_refuses_a_published_version(world):
    api = world.client_for(world.manager)
    roster = _draft(world.icu)
    assert api.post(f"/api/rosters/{roster.pk}/discard/").status_code == 204
    assert not Roster.objects.filter(pk=roster.pk).exists()
    published = roster_publish(actor=world.manager, roster=_draft(world.icu))
    assert api.post(f"/api/rosters/{published.pk}/discard/").status_code == 409
    nurse = world.client_for(world.nurse.user)
    other = _draft(world.icu, version=2)
    assert nurse.post(f"/api/rosters/{other.pk}/discard/").status_code == 404
    assert Roster.objects.filter(pk__in=[published.pk, other.pk]).count() == 2


# --- a coordinator's site-wide run, seen by a unit's manager --------------------------


def test_a_unit_manager_sees_a_site_run_with_only_their_drafts_linked(client, world):
    icu, ward = _draft(world.icu), _draft(world.ward)
    run = _run(world, rosters=[icu, ward], shortfalls=[_short(0, "N", "RN", 1, world.ward)])
    page = _page(client, world.manager, run)
    assert reverse("roster-detail", args=[icu.pk]) in page
    assert reverse("roster-detail", args=[ward.pk]) not in page and "North Ward 5 · version 1" in page
    # A unit manager may not stop a coordinator's run.
    assert "Stop and keep" not in page
    # The coordinator sees both linked.
    page = _page(client, world.coordinator, run)
    assert reverse("roster-detail", args=[ward.pk]) in page


def test_a_site_run_stays_hidden_from_a_manager_of_another_site(client, world):
    ed_manager = f.UserFactory(username="edmanager")
    f.grant(ed_manager, "unit_manager", units=[world.ed])
    run = _run(world, rosters=[_draft(world.icu)])
    client.force_login(ed_manager)
    assert client.get(reverse("roster-run", args=[run.pk])).status_code == 404
    client.force_login(world.nurse.user)
    assert client.get(reverse("roster-run", args=[run.pk])).status_code == 404


def test_the_roster_page_counts_one_missing_nurse_as_one_shift_short(client, world):
    roster = _draft(world.icu)
    CoverageRequirement.objects.create(unit=world.icu, date=MON, shift_type=world.night, role="RN",
                                       minimum=2, preferred=2, maximum=3)
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night, day=MON)
    client.force_login(world.manager)
    page = client.get(reverse("roster-detail", args=[roster.pk])).content.decode()
    cover = page.split('data-testid="kpi-cover"')[1].split("</div></div>")[0]
    assert "1 shift short" in cover and "%" not in cover
    assert "Nights " in page.split('data-testid="kpi-fairness"')[1]
