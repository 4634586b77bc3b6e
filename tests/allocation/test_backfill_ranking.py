"""Candidates for a vacancy: who is excluded and by which rule, the order and its
reasons, the site's order of criteria, and the hole a move leaves in another unit."""

from __future__ import annotations

import datetime as dt

import pytest

from allocation.backfill import rank
from allocation.models.backfill import OnCall, RankingRules, Vacancy, VacancyEvent
from roster import rulebook
from roster.editing import assignment_create
from roster.models import CoverageRequirement, Leave, OpenShift
from tests import factories as f

from .backfill_helpers import call_out, nurse, week

pytestmark = pytest.mark.django_db


def test_a_call_out_creates_a_vacancy_that_knows_what_it_needs_and_when(world):
    v = call_out(world)
    assert (v.unit, v.shift_type, v.role, v.source, v.status) == (world.icu, world.day, "RN", "call_out", "open")
    assert v.critical  # an ICU place
    assert v.created_at < v.deadline <= v.starts_at
    assert (v.deadline - v.created_at) <= dt.timedelta(minutes=121)
    assert v.open_shift.status == OpenShift.Status.OPEN
    assert VacancyEvent.objects.filter(vacancy=v, kind="created").exists()


def test_without_a_policy_the_vacancy_is_measured_and_everyone_is_told_at_once(world):
    v = call_out(world, policy=None)
    assert v.policy == "" and v.next_step_at is None


def _excluded(ranking, person):
    for e in ranking.excluded:
        if e.staff.pk == person.pk:
            return set(e.rules)
    return set()


def test_each_exclusion_rule_is_named(world):
    v = call_out(world)
    wed = v.date
    roster = v.roster
    day = dt.timedelta(days=1)
    hca = nurse(world, "hca", role="HCA")
    inactive = nurse(world, "gone", active=False)
    on_leave = nurse(world, "away")
    Leave.objects.create(staff=on_leave, start_date=wed, end_date=wed, status=Leave.Status.APPROVED, kind="annual")
    busy = nurse(world, "busy")
    assignment_create(actor=world.admin, roster=roster, staff=busy, shift_type=world.day, day=wed)
    tired = nurse(world, "tired")  # a night ending Wednesday 07:00: no rest before 07:00
    assignment_create(actor=world.admin, roster=roster, staff=tired, shift_type=world.night, day=wed - day)
    long_run = nurse(world, "run")
    for offset in range(0, 2):
        assignment_create(actor=world.admin, roster=roster, staff=long_run, shift_type=world.day,
                          day=roster.start_date + dt.timedelta(days=offset))
    contract = f.ContractFactory(max_consecutive_days=2, min_consecutive_days=1)
    long_run.contract = contract
    long_run.save()
    ward_nurse = nurse(world, "ward", unit=world.ward)
    no_login = f.StaffFactory(user=None, home_unit=world.icu, role="RN")
    fine = nurse(world, "fine")

    ranking = rank(v)
    assert _excluded(ranking, hca) == {rulebook.ROLE}
    assert inactive.pk not in {c.staff.pk for c in ranking.candidates}
    assert _excluded(ranking, on_leave) == {rulebook.LEAVE}
    assert {rulebook.OVERLAP, rulebook.ONE_SHIFT_A_DAY} <= _excluded(ranking, busy)
    assert _excluded(ranking, tired) == {rulebook.MIN_REST}
    assert _excluded(ranking, long_run) == {rulebook.MAX_CONSECUTIVE_DAYS}
    assert _excluded(ranking, ward_nurse) == {rulebook.UNIT_ACCESS}
    assert _excluded(ranking, no_login) == {"no_login"}
    assert _excluded(ranking, world.nurse) == {rulebook.LEAVE}  # the one who called in
    assert {c.staff.pk for c in ranking.candidates} == {world.colleague.pk, fine.pk}
    # Each exclusion reads as the rule's label and its detail.
    why = ranking.why_not(tired.pk)
    assert why and why[0].startswith("Minimum rest between shifts:")


def test_certification_and_skill_asked_for_exclude_those_without(world):
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    v = call_out(world)
    Vacancy.objects.filter(pk=v.pk).update(certification_type=acls)
    v.refresh_from_db()
    holder = nurse(world, "holder")
    f.CertificationFactory(staff=holder, type=acls, issued=dt.date(2025, 1, 1), expires=dt.date(2028, 1, 1))
    lapsed = nurse(world, "lapsed")
    f.CertificationFactory(staff=lapsed, type=acls, issued=dt.date(2023, 1, 1), expires=dt.date(2025, 1, 1))
    ranking = rank(v)
    assert [c.staff for c in ranking.candidates] == [holder]
    assert _excluded(ranking, lapsed) == {rulebook.CERTIFICATION}
    assert _excluded(ranking, world.colleague) == {rulebook.CERTIFICATION}


def test_fatigue_red_after_the_shift_excludes(world):
    v = call_out(world)
    worn = nurse(world, "worn")
    # Four nights before Wednesday's day shift would be fine for rest, but four days in a
    # row then a fifth reaches the default limit of six only with six: use a tighter unit rule.
    from roster.models import FatigueRules
    FatigueRules.objects.create(site=world.north, unit=world.icu, max_consecutive_days=3)
    for offset in (0, 1):
        assignment_create(actor=world.admin, roster=v.roster, staff=worn, shift_type=world.day,
                          day=v.roster.start_date + dt.timedelta(days=offset))
    ranking = rank(v)
    # Two days, then Wednesday: three in a row is the limit itself: red, not offered.
    assert _excluded(ranking, worn) == {"fatigue"}
    assert "red after this shift" in ranking.why_not(worn.pk)[0]


def test_order_follows_cost_then_fairness_with_reasons_and_the_site_can_reorder(world):
    v = call_out(world)
    part_time = nurse(world, "part", fte=0.5)  # 12 h on Wednesday is within 18.75 h: straight time
    for offset in (0,):
        assignment_create(actor=world.admin, roster=v.roster, staff=world.colleague, shift_type=world.day,
                          day=v.roster.start_date + dt.timedelta(days=offset))
    assignment_create(actor=world.admin, roster=v.roster, staff=part_time, shift_type=world.day,
                      day=v.roster.start_date + dt.timedelta(days=5))
    # colleague: 12 h already + 12 h = 24 h of 37.5: straight; part-time: 12 + 12 > 18.75: overtime
    on_call = nurse(world, "oncall", fte=0.3)
    assignment_create(actor=world.admin, roster=v.roster, staff=on_call, shift_type=world.day,
                      day=v.roster.start_date + dt.timedelta(days=6))
    OnCall.objects.create(staff=on_call, date=v.date)
    ranking = rank(v)
    order = [(c.staff, c.cost, c.tier) for c in ranking.candidates]
    assert order == [(world.colleague, "straight", 1), (on_call, "on_call", 2), (part_time, "overtime", 3)]
    first = ranking.candidates[0]
    assert first.rank == 1
    assert first.reasons[0].startswith("Straight time: 12 h of 37.5 h")
    assert "0 extra shifts in the last 4 weeks" in first.reasons
    assert any(r.startswith("Fatigue after the shift: ") for r in first.reasons)

    # The site puts fairness first: the colleague has taken two extra shifts lately.
    for _ in range(2):
        OpenShift.objects.create(roster=v.roster, date=v.date, shift_type=world.night, status="claimed",
                                 claimed_by=world.colleague, claimed_at=v.created_at)
    RankingRules.objects.create(site=world.north, criteria=["fairness", "cost"])
    ranking = rank(v)
    assert ranking.criteria[:2] == ["fairness", "cost"]
    assert ranking.candidates[-1].staff == world.colleague
    assert "2 extra shifts in the last 4 weeks" in ranking.candidates[-1].reasons


def test_a_move_from_another_unit_states_the_hole_it_leaves_and_ranks_after(world):
    v = call_out(world)
    ward_roster = week(world, world.ward)
    floater = nurse(world, "floater", unit=world.ward, float_pool=True)
    moved = assignment_create(actor=world.admin, roster=ward_roster, staff=floater, shift_type=world.day, day=v.date)
    CoverageRequirement.objects.create(unit=world.ward, date=v.date, shift_type=world.day, role="RN",
                                       minimum=1, preferred=1, maximum=3)
    free_floater = nurse(world, "free", unit=world.ward, float_pool=True)
    ranking = rank(v)
    by_staff = {c.staff.pk: c for c in ranking.candidates}
    move = by_staff[floater.pk]
    assert move.moves_from.pk == moved.pk and move.hole == 2
    assert any("BELOW its minimum with 0 Registered nurse (minimum 1)" in r for r in move.reasons)
    assert by_staff[free_floater.pk].hole == 0 and "Float pool (North Ward 5)" in by_staff[free_floater.pk].reasons
    assert ranking.candidates[-1].staff == floater  # the move that leaves a hole comes last

    # A second RN on the ward keeps it at its minimum: the move says so.
    assignment_create(actor=world.admin, roster=ward_roster, staff=nurse(world, "second", unit=world.ward),
                      shift_type=world.day, day=v.date)
    move = {c.staff.pk: c for c in rank(v).candidates}[floater.pk]
    assert move.hole == 1 and any("stays at or above its minimum" in r for r in move.reasons)


def test_staff_of_another_unit_cross_trained_for_it_are_candidates_the_others_are_told_why_not(world):
    v = call_out(world)
    ward_roster = week(world, world.ward)
    trained = nurse(world, "trained", unit=world.ward)
    trained.cross_trained_units.add(world.icu)
    untrained = nurse(world, "untrained", unit=world.ward)
    # Cross-training for a unit of another site opens nothing.
    far = nurse(world, "far", unit=world.ed)
    far.cross_trained_units.add(world.icu)
    ranking = rank(v)
    by_staff = {c.staff.pk: c for c in ranking.candidates}
    assert "Cross-trained for North ICU (home unit North Ward 5)" in by_staff[trained.pk].reasons
    assert by_staff[trained.pk].hole == 0
    assert untrained.pk not in by_staff and far.pk not in by_staff
    why = next(e for e in ranking.excluded if e.staff.pk == untrained.pk)
    assert set(why.rules) == {rulebook.UNIT_ACCESS}
    assert "neither in the float pool nor cross-trained for North ICU" in why.why[0]

    # On shift on the ward at the time, the move would leave the ward below its minimum: said so.
    assignment_create(actor=world.admin, roster=ward_roster, staff=trained, shift_type=world.day, day=v.date)
    CoverageRequirement.objects.create(unit=world.ward, date=v.date, shift_type=world.day, role="RN",
                                       minimum=1, preferred=1, maximum=3)
    move = {c.staff.pk: c for c in rank(v).candidates}[trained.pk]
    assert move.hole == 2
    assert any("BELOW its minimum with 0 Registered nurse (minimum 1)" in r for r in move.reasons)


def test_a_roster_published_short_creates_vacancies_too(world):
    from allocation.models.backfill import OfferPolicy
    OfferPolicy.objects.create(unit=world.icu, kind="waves")
    roster = week(world)
    assert not Vacancy.objects.exists()  # nothing asked yet
    CoverageRequirement.objects.create(unit=world.icu, date=roster.start_date + dt.timedelta(days=3),
                                       shift_type=world.day, role="RN", minimum=1, preferred=1, maximum=2)
    from roster.marketplace import post_shortfalls
    post_shortfalls(actor=world.manager, roster=roster)
    v = Vacancy.objects.get()
    assert v.source == "short" and v.policy == "waves"

