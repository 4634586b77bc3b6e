"""Roster generation from the database: the adapter, the run, the write-back."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from roster import generation
from roster.assignments import check_assignment
from roster.editing import assignment_create
from roster.errors import Conflict, DomainError
from roster.models import (
    Assignment,
    CoverageRequirement,
    FatigueRules,
    Leave,
    Roster,
    SolverRun,
    Staff,
)
from roster.records import record_update
from roster.requests import leave_decide, leave_request
from roster.rosters import roster_publish
from tests import factories as f

MON = dt.date(2026, 3, 2)
SUN = MON + dt.timedelta(days=6)


def need(world, unit, shift_type, minimum, *, days=7, preferred=None, **kw):
    for i in range(days):
        CoverageRequirement.objects.create(
            unit=unit, date=MON + dt.timedelta(days=i), shift_type=shift_type, role=kw.pop("role", "RN"),
            minimum=minimum, preferred=preferred if preferred is not None else minimum,
            maximum=(preferred or minimum) + 2, **kw,
        )


def run_now(world, *, unit=None, seconds=5, actor=None) -> SolverRun:
    run = SolverRun.objects.create(
        site=world.north, unit=unit or world.icu, start_date=MON, end_date=SUN,
        time_limit_seconds=seconds, requested_by=actor or world.manager,
    )
    generation.solver_run_execute(run.pk)
    run.refresh_from_db()
    return run


def test_the_adapter_turns_leave_history_and_work_elsewhere_into_blocked_days(world):
    Leave.objects.create(staff=world.nurse, start_date=MON + dt.timedelta(days=2), end_date=MON + dt.timedelta(days=3), status=Leave.Status.APPROVED)
    Leave.objects.create(staff=world.colleague, start_date=MON, end_date=MON, status=Leave.Status.REQUESTED)
    before = f.RosterFactory(unit=world.icu, start_date=MON - dt.timedelta(days=28), end_date=MON - dt.timedelta(days=1))
    assignment_create(actor=world.admin, roster=before, staff=world.nurse, shift_type=world.night, day=MON - dt.timedelta(days=1))
    roster_publish(actor=world.admin, roster=before)
    built = generation.build_problem(site=world.north, units=[world.icu], start_date=MON, end_date=SUN)
    nurse = next(s for s in built.problem.staff if s.id == str(world.nurse.pk))
    colleague = next(s for s in built.problem.staff if s.id == str(world.colleague.pk))
    assert set(nurse.days_off) == {2, 3} and "annual" in nurse.days_off[2]
    assert colleague.days_off == {}  # a request is not yet leave
    assert nurse.history[-1] == "N"
    assert str(world.outsider.pk) not in {s.id for s in built.problem.staff}


def test_float_pool_staff_of_the_site_may_work_any_of_its_units(world):
    floater = f.StaffFactory(home_unit=world.ward, float_pool=True)
    built = generation.build_problem(site=world.north, units=[world.icu, world.ward], start_date=MON, end_date=SUN)
    person = next(s for s in built.problem.staff if s.id == str(floater.pk))
    assert person.allowed_units == {str(world.icu.pk), str(world.ward.pk)}


def test_a_generated_roster_is_a_new_draft_that_passes_every_rule_check(world):
    extra = [f.StaffFactory(home_unit=world.icu) for _ in range(4)]
    need(world, world.icu, world.day, 2)
    need(world, world.icu, world.night, 1)
    run = run_now(world)
    assert run.status == SolverRun.Status.SUCCEEDED, run.error
    assert run.solver_status in ("optimal", "feasible")
    roster = run.rosters.get()
    assert roster.status == Roster.Status.DRAFT and roster.version == 1
    assignments = list(roster.assignments.select_related("staff", "shift_type"))
    assert len(assignments) >= 7 * 3
    # The independent rule checker used for manual edits finds nothing to refuse.
    for a in assignments:
        breaches = check_assignment(
            staff=a.staff, roster=roster, shift_type=a.shift_type, day=a.date, exclude_pk=a.pk
        )
        assert breaches == [], (a, breaches)
    assert run.result["kpis"]["coverage_pct"] == 100.0
    assert {s.pk for s in [world.nurse, world.colleague, *extra]} >= {a.staff_id for a in assignments}


def test_when_staff_are_short_the_roster_comes_with_its_shortfall_and_the_reasons(world):
    FatigueRules.objects.create(site=world.north, max_consecutive_days=3)
    need(world, world.icu, world.day, 2)
    Leave.objects.create(staff=world.colleague, start_date=MON, end_date=SUN, status=Leave.Status.APPROVED)
    run = run_now(world)
    assert run.status == SolverRun.Status.SUCCEEDED
    assert run.solver_status == "shortfall"
    shortfalls = run.result["shortfalls"]
    assert shortfalls, "the missing people are reported"
    first = shortfalls[0]
    assert first["shift"] == "D" and first["missing"] >= 1
    reasons = {c["name"]: " ".join(c["reasons"]) for c in first["candidates"]}
    assert "leave" in reasons[str(world.colleague)].lower()
    # Still a roster: the nurse works the days the rules allow.
    assert run.rosters.get().assignments.filter(staff=world.nurse).exists()


def test_regenerating_after_publication_keeps_the_published_roster_and_reports_stability(world):
    [f.StaffFactory(home_unit=world.icu) for _ in range(3)]
    need(world, world.icu, world.day, 2)
    first = run_now(world)
    roster_publish(actor=world.manager, roster=first.rosters.get())
    second = run_now(world)
    v2 = second.rosters.get()
    assert v2.version == 2 and v2.based_on == first.rosters.get()
    assert second.result["kpis"]["stability_pct"] == 100.0
    assert Assignment.objects.filter(live=True).count() == first.rosters.get().assignments.count()


def test_running_a_finished_run_again_changes_nothing(world):
    need(world, world.icu, world.day, 1)
    run = run_now(world)
    assert generation.solver_run_execute(run.pk) == SolverRun.Status.SUCCEEDED
    assert Roster.objects.count() == 1


def test_a_manager_cannot_generate_for_another_unit(world):
    from roster.errors import NotAllowed

    with pytest.raises(NotAllowed):
        generation.solver_run_request(actor=world.manager, site=world.north, unit=world.ward, start_date=MON, end_date=SUN)
    with pytest.raises(NotAllowed):
        generation.solver_run_request(actor=world.manager, site=world.north, unit=None, start_date=MON, end_date=SUN)


def test_one_generation_at_a_time_for_any_unit_and_day(world):
    from roster.errors import Conflict

    week = {"start_date": MON, "end_date": SUN}
    first = generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu, **week)
    with pytest.raises(Conflict) as refused:
        generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu,
                                      start_date=MON + dt.timedelta(days=3), end_date=SUN + dt.timedelta(days=3))
    assert refused.value.field == "start_date" and "already being generated" in refused.value.message
    # The whole site at once includes the ICU: refused too; another unit or week is not.
    with pytest.raises(Conflict):
        generation.solver_run_request(actor=world.coordinator, site=world.north, unit=None, **week)
    generation.solver_run_request(actor=world.coordinator, site=world.north, unit=world.ward, **week)
    generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu,
                                  start_date=MON + dt.timedelta(days=7), end_date=SUN + dt.timedelta(days=7))
    # Once the first run is stopped, its week can be generated again.
    generation.solver_run_cancel(actor=world.manager, run=first)
    generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu, **week)
    assert SolverRun.objects.filter(unit=world.icu, start_date=MON).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_managers_asking_at_the_same_moment_get_one_run(world, monkeypatch):
    from django.db import connection

    from roster import tasks
    from tests.roster.test_invariants import _race

    assert connection.vendor == "postgresql"
    monkeypatch.setattr(tasks.generate_roster, "delay", lambda *args, **kwargs: None)  # no worker here
    other = f.UserFactory(username="other-manager")
    f.grant(other, world.manager.access.level, units=[world.icu])
    actors = [world.manager, other]
    results = _race(2, lambda i: generation.solver_run_request(
        actor=actors[i], site=world.north, unit=world.icu, start_date=MON, end_date=SUN))
    assert SolverRun.objects.filter(unit=world.icu).count() == 1
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "SolverRun"]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_requested_run_is_solved_by_a_worker_and_can_be_cancelled(world, celery_worker_process):
    [f.StaffFactory(home_unit=world.icu) for _ in range(6)]
    need(world, world.icu, world.day, 3, days=28)
    need(world, world.icu, world.night, 2, days=28)
    run = generation.solver_run_request(
        actor=world.manager, site=world.north, unit=world.icu, start_date=MON,
        end_date=MON + dt.timedelta(days=27), time_limit_seconds=5,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished:
            break
        time.sleep(0.3)
    assert run.status == SolverRun.Status.SUCCEEDED, run.error
    assert run.solutions >= 1 and run.objective is not None
    assert run.rosters.get().assignments.count() > 0

    long = generation.solver_run_request(
        actor=world.manager, site=world.north, unit=world.icu, start_date=MON,
        end_date=MON + dt.timedelta(days=27), time_limit_seconds=600,
    )
    while time.monotonic() < deadline + 60:
        long.refresh_from_db()
        if long.status == SolverRun.Status.RUNNING and long.solutions >= 1:
            break
        time.sleep(0.2)
    generation.solver_run_cancel(actor=world.manager, run=long)
    while time.monotonic() < deadline + 90:
        long.refresh_from_db()
        if long.finished:
            break
        time.sleep(0.2)
    assert long.status == SolverRun.Status.CANCELLED
    assert long.elapsed_seconds < 60
    # The best roster found before the cancel is kept as a draft.
    assert long.rosters.count() == 1


def test_staff_in_another_site_are_never_used(world):
    need(world, world.icu, world.day, 1)
    run = run_now(world)
    assert not Assignment.objects.filter(staff__home_unit__site=world.south).exists()
    assert run.status == SolverRun.Status.SUCCEEDED
    assert Staff.objects.filter(home_unit=world.ed).exists()


def test_leave_approved_and_people_leaving_during_the_run_are_left_out_of_its_draft(world, monkeypatch, client):
    from django.urls import reverse

    need(world, world.icu, world.day, 2)
    leaver = f.StaffFactory(home_unit=world.icu, first_name="Lee", last_name="Leaver")
    solve = generation.solve
    asked: list[dt.date] = []

    def solve_while_things_change(problem, options):
        result = solve(problem, options)
        # While the run is solving, the nurse asks for a day off it gives her and the
        # manager approves it, and the leaver's record is closed.
        day = MON + dt.timedelta(days=min(a.day for a in result.assignments if a.staff == str(world.nurse.pk)))
        leave = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=day,
                                       end_date=day)
        leave_decide(actor=world.manager, leave=leave, approve=True)
        record_update(actor=world.admin, instance=leaver, data={"active": False})
        asked.append(day)
        return result

    monkeypatch.setattr(generation, "solve", solve_while_things_change)
    run = run_now(world)
    roster = run.rosters.get()
    assert not roster.assignments.filter(staff=world.nurse, date=asked[0]).exists()
    assert not roster.assignments.filter(staff=leaver).exists()
    assert roster.assignments.filter(staff=world.nurse).exists()  # other days kept
    whys = {(x["name"], x["why"]) for x in run.result["left_out"]}
    assert (str(world.nurse), "on leave approved during the run") in whys
    assert (str(leaver), "no longer active") in whys
    # The draft can be published as it is.
    assert roster_publish(actor=world.manager, roster=roster).status == Roster.Status.PUBLISHED
    client.force_login(world.manager)
    page = client.get(reverse("roster-run", args=[run.pk])).content.decode()
    assert 'data-testid="run-left-out"' in page and "Lee Leaver" in page


def test_a_generation_longer_than_the_site_allows_is_refused_by_name(world, settings):
    settings.SOLVER_MAX_SECONDS = 600
    with pytest.raises(DomainError) as exc:
        generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu, start_date=MON,
                                      end_date=SUN, time_limit_seconds=3600)
    assert exc.value.field == "time_limit_seconds" and "600" in str(exc.value)
    assert not SolverRun.objects.exists()


def test_one_person_cannot_queue_more_generations_than_the_cap(world, settings):
    settings.SOLVER_MAX_RUNS_PER_USER = 2
    week = {"start_date": MON, "end_date": SUN}
    later = {"start_date": MON + dt.timedelta(days=7), "end_date": SUN + dt.timedelta(days=7)}
    generation.solver_run_request(actor=world.coordinator, site=world.north, unit=world.icu, **week)
    generation.solver_run_request(actor=world.coordinator, site=world.north, unit=world.ward, **week)
    with pytest.raises(Conflict, match="already have 2"):
        generation.solver_run_request(actor=world.coordinator, site=world.north, unit=world.icu, **later)
    # Someone else's runs are not counted against them.
    generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu, **later)
    assert SolverRun.objects.count() == 3
