"""The manager's roster screen: generate, the grid, cell edits checked by the rules,
waivers, publish and new versions — and who may see or do each."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roster import generation
from roster.editing import assignment_create
from roster.models import (
    Assignment,
    AuditEvent,
    CoverageRequirement,
    Leave,
    Roster,
    SolverRun,
    Waiver,
)
from roster.rosters import roster_create, roster_publish
from tests import factories as f

MON = dt.date(2026, 3, 2)


def draft(world, *, unit=None) -> Roster:
    return f.RosterFactory(unit=unit or world.icu, start_date=MON, end_date=MON + dt.timedelta(days=6))


def assign(world, roster, staff, shift, day: int) -> Assignment:
    return assignment_create(actor=world.admin, roster=roster, staff=staff, shift_type=shift,
                                      day=MON + dt.timedelta(days=day))


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def post_cell(client, roster, staff, day: int, shift=None, htmx: bool = True, **extra):
    data = {"staff": staff.pk, "date": (MON + dt.timedelta(days=day)).isoformat(),
            "shift_type": shift.pk if shift else "", **extra}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("roster-assign", args=[roster.pk]), data, **headers)


def refused_rule(response) -> str:
    """The rule a refusal names (the panel marks each breach with data-rule)."""
    assert response.status_code == 400
    found = re.search(r'data-rule="([a-z_0-9]+)"', response.content.decode())
    assert found, response.content.decode()[:3000]
    return found.group(1)


# --- who sees what ---------------------------------------------------------------------


def test_the_manager_sees_the_draft_grid_with_shifts_leave_and_cover(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.night, 0)
    Leave.objects.create(staff=world.colleague, start_date=MON + dt.timedelta(days=2),
                         end_date=MON + dt.timedelta(days=2), status=Leave.Status.APPROVED,
                         reason="family wedding")
    CoverageRequirement.objects.create(unit=world.icu, date=MON, shift_type=world.day, role="RN",
                                       minimum=2, preferred=2, maximum=4)
    client.force_login(_user("manager"))
    response = client.get(reverse("roster-detail", args=[roster.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="roster-grid"' in page
    assert "Nia Nurse" in page and "Cal Colleague" in page
    assert ">N</span>" in page
    assert "is-leave" in page
    assert 'data-state="short"' in page  # 0 of 2 on the Monday day shift
    assert 'data-testid="risk"' in page and 'data-testid="kpis"' in page
    assert "Publish this version" in page


def test_staff_see_their_units_published_roster_but_never_a_draft(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.day, 0)
    client.force_login(_user("nurse"))
    assert client.get(reverse("roster-detail", args=[roster.pk])).status_code == 404
    roster_publish(actor=world.admin, roster=roster)
    response = client.get(reverse("roster-detail", args=[roster.pk]))
    assert response.status_code == 200
    assert "Publish this version" not in response.content.decode()
    assert "?cell=" not in response.content.decode()


def test_staff_of_another_unit_cannot_see_it_even_published(client, world):
    roster = draft(world)
    roster_publish(actor=world.admin, roster=roster)
    client.force_login(_user("outsider"))
    assert client.get(reverse("roster-detail", args=[roster.pk])).status_code == 404


def test_a_manager_of_another_unit_cannot_see_a_draft(client, world):
    roster = draft(world, unit=world.ward)
    client.force_login(_user("manager"))
    assert client.get(reverse("roster-detail", args=[roster.pk])).status_code == 404
    client.force_login(_user("coordinator"))  # the ward's site coordinator can
    assert client.get(reverse("roster-detail", args=[roster.pk])).status_code == 200


def test_staff_cannot_change_a_cell_or_publish(client, world):
    roster = draft(world)
    roster_publish(actor=world.admin, roster=roster)
    new = roster_create(actor=world.admin, unit=world.icu, start_date=MON,
                                 end_date=MON + dt.timedelta(days=6))
    client.force_login(_user("nurse"))
    assert post_cell(client, new, world.nurse, 1, world.day).status_code == 404
    assert client.post(reverse("roster-publish", args=[new.pk])).status_code == 404
    assert not Assignment.objects.filter(roster=new, staff=world.nurse, date=MON + dt.timedelta(days=1)).exists()


def test_the_grid_costs_a_fixed_number_of_queries(client, world):
    roster = draft(world)
    client.force_login(_user("manager"))
    url = reverse("roster-detail", args=[roster.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(12):
        person = f.StaffFactory(home_unit=world.icu)
        assign(world, roster, person, world.day if i % 2 else world.night, i % 7)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


# --- editing a cell ----------------------------------------------------------------------


def test_a_cell_edit_that_keeps_the_rules_is_saved_and_audited(client, world):
    roster = draft(world)
    client.force_login(_user("manager"))
    response = post_cell(client, roster, world.nurse, 1, world.day)
    assert response.status_code == 200
    assert 'data-testid="cell-saved"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()  # the grid refreshes too
    a = Assignment.objects.get(roster=roster, staff=world.nurse, date=MON + dt.timedelta(days=1))
    assert a.shift_type == world.day
    assert AuditEvent.objects.filter(action__startswith="assignment", actor=_user("manager")).exists()


def test_a_day_shift_after_a_night_is_refused_naming_the_rest_rule(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.night, 0)  # 19:00 Monday to 07:00 Tuesday
    client.force_login(_user("manager"))
    response = post_cell(client, roster, world.nurse, 1, world.day)  # 07:00 Tuesday
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="cell-refused"' in page
    assert refused_rule(response) == "min_rest"
    assert "Minimum rest between shifts" in page
    assert 'data-testid="waiver-form"' in page
    assert not Assignment.objects.filter(roster=roster, staff=world.nurse, date=MON + dt.timedelta(days=1)).exists()


def test_the_cell_editor_warns_before_the_change_is_made(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.night, 0)
    client.force_login(_user("manager"))
    cell = f"{world.nurse.pk}:{(MON + dt.timedelta(days=1)).isoformat()}"
    response = client.get(reverse("roster-detail", args=[roster.pk]), {"cell": cell},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="cell-form"' in page and "would break" in page
    assert 'data-testid="roster-grid"' not in page  # htmx gets only the panel


def test_a_waiver_with_a_reason_lets_the_change_through_and_is_audited(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.night, 0)
    client.force_login(_user("manager"))
    rule = refused_rule(post_cell(client, roster, world.nurse, 1, world.day))
    response = post_cell(client, roster, world.nurse, 1, world.day, waiver_rule=rule,
                         waiver_reason="Agency nurse cancelled; cleared with the on-call director")
    assert response.status_code == 200, response.content.decode()[:2000]
    a = Assignment.objects.get(roster=roster, staff=world.nurse, date=MON + dt.timedelta(days=1))
    assert a.waiver is not None and a.waiver.rule == rule
    assert "on-call director" in a.waiver.reason
    assert AuditEvent.objects.filter(action__startswith="waiver").exists()


def test_a_waiver_without_a_reason_is_refused_and_nothing_is_written(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.night, 0)
    client.force_login(_user("manager"))
    rule = refused_rule(post_cell(client, roster, world.nurse, 1, world.day))
    response = post_cell(client, roster, world.nurse, 1, world.day, waiver_rule=rule, waiver_reason=" ")
    assert response.status_code == 400
    assert "A waiver needs a reason." in response.content.decode()
    assert not Waiver.objects.exists()
    assert not Assignment.objects.filter(roster=roster, date=MON + dt.timedelta(days=1)).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "2026-04-30", "outside the roster"),
        ("date", "yesterday", "Enter a valid date"),
        ("shift_type", "999999", "Select a valid choice"),
        ("staff", "999999", "Select a valid choice"),
    ],
)
def test_bad_input_to_a_cell_gets_a_message_not_a_500(client, world, field, value, message):
    roster = draft(world)
    client.force_login(_user("manager"))
    data = {"staff": world.nurse.pk, "date": MON.isoformat(), "shift_type": world.day.pk, field: value}
    response = client.post(reverse("roster-assign", args=[roster.pk]), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.filter(roster=roster).exists()


def test_someone_on_approved_leave_cannot_be_rostered_by_hand(client, world):
    roster = draft(world)
    Leave.objects.create(staff=world.nurse, start_date=MON + dt.timedelta(days=3),
                         end_date=MON + dt.timedelta(days=3), status=Leave.Status.APPROVED)
    client.force_login(_user("manager"))
    response = post_cell(client, roster, world.nurse, 3, world.day)
    assert refused_rule(response) == "leave"
    assert 'data-testid="waiver-form"' not in response.content.decode()  # leave is not waived
    forced = post_cell(client, roster, world.nurse, 3, world.day, waiver_rule="leave",
                       waiver_reason="short staffed")
    assert forced.status_code == 400
    assert not Assignment.objects.filter(roster=roster).exists()
    assert not Waiver.objects.exists()


# --- publish, new versions, re-solving ------------------------------------------------------


def test_publish_freezes_the_version_and_a_new_version_copies_it(client, world):
    roster = draft(world)
    assign(world, roster, world.nurse, world.day, 0)
    client.force_login(_user("manager"))
    response = client.post(reverse("roster-publish", args=[roster.pk]), follow=True)
    assert response.status_code == 200
    roster.refresh_from_db()
    assert roster.status == Roster.Status.PUBLISHED
    # A published version cannot be edited.
    refused = post_cell(client, roster, world.nurse, 2, world.day)
    assert refused.status_code == 400 and "only a draft can be changed" in refused.content.decode()
    response = client.post(reverse("roster-new-version", args=[roster.pk]))
    new = Roster.objects.get(unit=world.icu, start_date=MON, version=2)
    assert response.status_code == 302 and response.url == reverse("roster-detail", args=[new.pk])
    assert new.status == Roster.Status.DRAFT
    assert new.assignments.filter(staff=world.nurse, date=MON, shift_type=world.day).exists()
    # Against the published version, the copy is 100 % stable until it is changed.
    page = client.get(response.url).content.decode()
    assert 'data-testid="stability"' in page and "100.0 %" in page


def test_re_solving_after_publication_keeps_the_published_roster(client, world):
    extra = [f.StaffFactory(home_unit=world.icu) for _ in range(3)]
    for i in range(7):
        CoverageRequirement.objects.create(unit=world.icu, date=MON + dt.timedelta(days=i),
                                           shift_type=world.day, role="RN", minimum=1, preferred=1,
                                           maximum=3)
    first = _run(world)
    published = roster_publish(actor=world.admin, roster=first.rosters.get())
    second = _run(world)
    roster = second.rosters.get()
    assert roster.version == 2 and roster.status == Roster.Status.DRAFT
    assert second.result["kpis"]["stability_pct"] == 100.0
    before = set(published.assignments.values_list("staff_id", "date", "shift_type_id"))
    after = set(roster.assignments.values_list("staff_id", "date", "shift_type_id"))
    assert before == after
    assert extra  # the extra people made the first roster possible


def _run(world) -> SolverRun:
    run = SolverRun.objects.create(site=world.north, unit=world.icu, start_date=MON,
                                   end_date=MON + dt.timedelta(days=6), time_limit_seconds=5,
                                   requested_by=world.manager)
    generation.solver_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == SolverRun.Status.SUCCEEDED, run.error
    return run


# --- generation from the page ------------------------------------------------------------------


def test_the_manager_generates_from_the_page_and_lands_on_the_run(client, world, django_capture_on_commit_callbacks):
    client.force_login(_user("manager"))
    page = client.get(reverse("roster-index"))
    assert page.status_code == 200 and 'data-testid="generate-form"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("roster-index"), {
            "target": f"unit:{world.icu.pk}", "start_date": MON.isoformat(), "weeks": 1,
            "time_limit_seconds": 5})
    run = SolverRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("roster-run", args=[run.pk])
    assert run.unit == world.icu and run.requested_by == _user("manager")
    status = client.get(response.url, HTTP_HX_REQUEST="true")
    assert 'data-status="queued"' in status.content.decode()
    assert 'hx-trigger="every 1s"' in status.content.decode()


def test_generate_refuses_a_start_that_is_not_a_monday(client, world):
    client.force_login(_user("manager"))
    response = client.post(reverse("roster-index"), {
        "target": f"unit:{world.icu.pk}", "start_date": (MON + dt.timedelta(days=1)).isoformat(),
        "weeks": 1, "time_limit_seconds": 5})
    assert response.status_code == 400
    assert "Rosters start on a Monday" in response.content.decode()
    assert not SolverRun.objects.exists()


def test_a_second_generate_for_the_same_period_is_refused_while_the_first_runs(client, world,
                                                                             django_capture_on_commit_callbacks):
    client.force_login(_user("manager"))
    form = {"target": f"unit:{world.icu.pk}", "start_date": MON.isoformat(), "weeks": 1, "time_limit_seconds": 5}
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(reverse("roster-index"), form).status_code == 302
        again = client.post(reverse("roster-index"), form)
    assert again.status_code == 400
    assert "already being generated" in again.content.decode()
    assert SolverRun.objects.count() == 1


@pytest.mark.parametrize("start", ["9999-12-27", "1999-12-27"])
def test_generate_refuses_a_start_outside_the_days_headroom_plans_for(client, world, start):
    client.force_login(_user("manager"))
    response = client.post(reverse("roster-index"), {
        "target": f"unit:{world.icu.pk}", "start_date": start, "weeks": 4, "time_limit_seconds": 5})
    assert response.status_code == 400
    assert "Use a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    assert not SolverRun.objects.exists()


def test_generate_refuses_a_unit_the_manager_does_not_manage(client, world):
    client.force_login(_user("manager"))
    response = client.post(reverse("roster-index"), {
        "target": f"unit:{world.ward.pk}", "start_date": MON.isoformat(), "weeks": 1,
        "time_limit_seconds": 5})
    assert response.status_code == 400
    assert not SolverRun.objects.exists()


def test_staff_cannot_generate(client, world):
    client.force_login(_user("nurse"))
    response = client.post(reverse("roster-index"), {
        "target": f"unit:{world.icu.pk}", "start_date": MON.isoformat(), "weeks": 1,
        "time_limit_seconds": 5})
    assert response.status_code == 403
    assert not SolverRun.objects.exists()


def test_a_finished_run_links_its_draft_and_explains_its_shortfall(client, world):
    # One nurse on leave all week, two needed every day: short whatever happens.
    Leave.objects.create(staff=world.colleague, start_date=MON, end_date=MON + dt.timedelta(days=6),
                         status=Leave.Status.APPROVED)
    for i in range(7):
        CoverageRequirement.objects.create(unit=world.icu, date=MON + dt.timedelta(days=i),
                                           shift_type=world.day, role="RN", minimum=2, preferred=2,
                                           maximum=3)
    run = _run(world)
    client.force_login(_user("manager"))
    page = client.get(reverse("roster-run", args=[run.pk])).content.decode()
    roster = run.rosters.get()
    assert reverse("roster-detail", args=[roster.pk]) in page
    assert "Uncovered slots" in page and "why?" in page
    slot = f"{MON.isoformat()}:{world.day.pk}"
    panel = client.get(reverse("roster-detail", args=[roster.pk]), {"slot": slot},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "Cal Colleague" in panel and "leave" in panel.lower()


def test_a_run_with_nobody_to_roster_says_why_there_is_no_draft(client, world):
    empty = f.UnitFactory(site=world.north)
    run = SolverRun.objects.create(site=world.north, unit=empty, start_date=MON, end_date=MON + dt.timedelta(days=6),
                                   time_limit_seconds=5, requested_by=world.admin)
    generation.solver_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == SolverRun.Status.SUCCEEDED and not run.rosters.exists()
    client.force_login(world.admin)
    page = client.get(reverse("roster-run", args=[run.pk])).content.decode()
    assert 'data-testid="run-empty"' in page and "No draft was made" in page


def test_a_loose_gap_is_explained_and_a_tight_one_is_shown_bare(client, world):
    client.force_login(_user("manager"))
    loose = SolverRun.objects.create(site=world.north, unit=world.icu, start_date=MON,
                                     end_date=MON + dt.timedelta(days=6),
                                     status=SolverRun.Status.SUCCEEDED, solutions=4,
                                     objective=300, bound=9, gap=0.97)
    page = client.get(reverse("roster-run", args=[loose.pk])).content.decode()
    assert "97 %" in page and 'data-testid="gap-note"' in page
    assert "in the time given" in page
    tight = SolverRun.objects.create(site=world.north, unit=world.icu, start_date=MON,
                                     end_date=MON + dt.timedelta(days=6),
                                     status=SolverRun.Status.SUCCEEDED, solutions=4,
                                     objective=300, bound=291, gap=0.03)
    page = client.get(reverse("roster-run", args=[tight.pk])).content.decode()
    assert "3 %" in page and 'data-testid="gap-note"' not in page


def test_the_roster_downloads_as_csv_with_the_same_privacy_as_the_page(client, world):
    import csv as csvlib
    import io

    from roster.models import Leave

    start = dt.date(2026, 3, 2)
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.night,
                               day=start + dt.timedelta(days=1))
    Leave.objects.create(staff=world.colleague, start_date=start + dt.timedelta(days=3),
                         end_date=start + dt.timedelta(days=3), status=Leave.Status.APPROVED, reason="Hospital appointment")
    roster_publish(actor=world.admin, roster=roster)

    client.force_login(world.nurse.user)  # a colleague of the person on leave
    response = client.get(reverse("roster-export", args=[roster.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-icu-2026-03-02-v1.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    rows = list(csvlib.reader(io.StringIO(text)))
    assert rows[1][:4] == ["Staff", "Note", "Mon 2026-03-02", "Tue 2026-03-03"]
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["Nia Nurse"][3] == "N" and by_name["Nia Nurse"][-2:] == ["12", "1"]
    assert by_name["Cal Colleague"][5] == "L"
    assert "Hospital appointment" not in text
    world.colleague.first_name = "=HYPERLINK(1)"
    world.colleague.save()
    rows = list(csvlib.reader(io.StringIO(client.get(reverse("roster-export", args=[roster.pk])).content.decode())))
    assert "'=HYPERLINK(1) Colleague" in [r[0] for r in rows]  # kept as text, never a formula
    client.force_login(world.outsider.user)  # another site's nurse may not see it
    assert client.get(reverse("roster-export", args=[roster.pk])).status_code == 404
