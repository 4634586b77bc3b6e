"""Differential test: every path that decides "may this person work this shift here"
gives the same verdict — the manual-edit check, eligibility (open shifts, swaps,
backfill) and the solver's problem as its independent verifier judges it.

Generated cases, seeded: three units with different fatigue rules (one with none of its
own, so its site's apply), float-pool staff (one from another site), contracts that
exclude a weekday or cap runs of days, approved leave, certificates lapsing mid-period,
day and night shifts that cross midnight, and a period spanning the night the clocks go
back. The rosters in force are built through the manual path, then every sampled
(person, unit, day, shift) is asked of all three.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass

import pytest

from roster import eligibility, placement, rulebook
from roster.assignments import check_assignment
from roster.editing import assignment_create
from roster.errors import RuleViolation
from roster.generation import Built, build_problem
from roster.models import Access, Certification, FatigueRules, Leave, Roster, ShiftType, Staff, Unit
from roster.solver import derive, verify
from roster.solver import problem as sp
from roster.solver.verify import verify as verify_roster
from tests import factories as f

# Europe/London leaves summer time on Sunday 31 October 2027.
START = dt.date(2027, 10, 18)
END = dt.date(2027, 11, 14)
CASES_PER_SEED = 120


@dataclass
class Network:
    units: list[Unit]
    staff: list[Staff]
    shifts: list[ShiftType]
    rosters: dict[int, Roster]
    manager: object
    lapsing: object


def _network(rng: random.Random) -> Network:
    site = f.SiteFactory(timezone="Europe/London")
    other_site = f.SiteFactory(timezone="Europe/London")
    a = f.UnitFactory(site=site, name="Unit A")
    b = f.UnitFactory(site=site, name="Unit B")
    c = f.UnitFactory(site=site, name="Unit C")
    far = f.UnitFactory(site=other_site, name="Far unit")
    # A: the field's defaults as its own rules; B: stricter everywhere; C: none of its
    # own, so the site's (longer rest, fewer hours) apply.
    FatigueRules.objects.create(site=site, unit=a)
    FatigueRules.objects.create(site=site, unit=b, max_shift_minutes=480, min_rest_minutes=660,
                                max_minutes_7_days=2880, max_consecutive_days=4, max_consecutive_nights=2)
    FatigueRules.objects.create(site=site, min_rest_minutes=720, max_minutes_7_days=3000,
                                max_consecutive_days=5, max_consecutive_nights=3)
    shifts = [
        f.ShiftTypeFactory(site=site, code="D", name="Day", start_time=dt.time(7, 0), duration_minutes=720),
        f.ShiftTypeFactory(site=site, code="E", name="Early", start_time=dt.time(7, 0), duration_minutes=480),
        f.ShiftTypeFactory(site=site, code="L", name="Late", start_time=dt.time(14, 0), duration_minutes=480),
        f.ShiftTypeFactory(site=site, code="N", name="Night", start_time=dt.time(19, 0), duration_minutes=720,
                           is_night=True),
        f.ShiftTypeFactory(site=site, code="M", name="Short night", start_time=dt.time(23, 0),
                           duration_minutes=480, is_night=True),
    ]
    no_tuesdays = f.ContractFactory(name="No Tuesdays", unavailable_weekdays=[2], max_consecutive_days=3)
    plain = f.ContractFactory(name="Plain", max_consecutive_days=6)
    acls = f.CertificationTypeFactory(code="acls-agree", name="ACLS")
    staff: list[Staff] = []
    for unit in (a, b, c):
        for i in range(3):
            staff.append(f.StaffFactory(home_unit=unit, contract=rng.choice([None, plain, no_tuesdays]),
                                        last_name=f"{unit.name}-{i}"))
    staff.append(f.StaffFactory(home_unit=a, float_pool=True, last_name="Float A"))
    staff.append(f.StaffFactory(home_unit=b, float_pool=True, contract=no_tuesdays, last_name="Float B"))
    staff.append(f.StaffFactory(home_unit=far, float_pool=True, last_name="Float elsewhere"))
    # Cross-training opens a unit of the home site, never one of another site.
    staff[0].cross_trained_units.add(b)
    staff[7].cross_trained_units.add(far, a)
    for person in staff:
        if rng.random() < 0.5:
            lapse = START + dt.timedelta(days=rng.randrange(0, 28))
            f.CertificationFactory(staff=person, type=acls, issued=dt.date(2025, 1, 1), expires=lapse)
        if rng.random() < 0.4:
            first = START + dt.timedelta(days=rng.randrange(-3, 28))
            Leave.objects.create(staff=person, kind=Leave.Kind.ANNUAL, start_date=first,
                                 end_date=first + dt.timedelta(days=rng.randrange(0, 4)),
                                 status=Leave.Status.APPROVED)
    manager = f.UserFactory(username=f"agree-{rng.random()}")
    f.grant(manager, Access.Level.SITE_COORDINATOR, sites=[site])
    rosters = {
        unit.pk: Roster.objects.create(unit=unit, start_date=START - dt.timedelta(days=7),
                                       end_date=END + dt.timedelta(days=8), status=Roster.Status.PUBLISHED)
        for unit in (a, b, c)
    }
    # The rosters in force, built through the manual path (what it refuses is skipped).
    for _ in range(150):
        person = rng.choice(staff[:-1])
        unit = person.home_unit if not person.float_pool or rng.random() < 0.5 else rng.choice([a, b, c])
        day = START + dt.timedelta(days=rng.randrange(-7, 36))
        with contextlib.suppress(RuleViolation):
            assignment_create(actor=manager, roster=rosters[unit.pk], staff=person,
                                       shift_type=rng.choice(shifts), day=day)
    return Network([a, b, c], staff, shifts, rosters, manager, acls)


def _solver_verdict(built: Built, staff: Staff, unit: Unit, shift: ShiftType, day: dt.date) -> set[str]:
    """What the independent verifier says adding this shift breaks, on the problem the
    solver's adapter builds (codes of the violations the shift adds)."""
    person = next((p for p in built.problem.staff if p.id == str(staff.pk)), None)
    if person is None:
        return {rulebook.UNIT_ACCESS}  # the adapter only lets in who may work here
    index = (day - START).days
    own = [
        sp.Assignment(str(a.staff_id), (a.date - START).days, a.shift_type.code, str(unit.pk))
        for a in staff.assignments.filter(live=True, roster__unit=unit, date__range=(START, END))
        .select_related("shift_type")
    ]
    def mine(violations: list[verify.Violation]) -> list[verify.Violation]:
        return [v for v in violations if v.staff == person.id and v.rule not in rulebook.PERIOD_RULES]

    before = {(v.rule, v.day) for v in mine(verify_roster(built.problem, own))}
    assert not before, f"the roster in force already breaks {before} for {staff}"
    after = verify_roster(built.problem, [*own, sp.Assignment(person.id, index, shift.code, str(unit.pk))])
    return {v.rule for v in mine(after)}


def _comparable(codes: set[str]) -> set[str]:
    # Someone who may not work in the unit is not in the solver's problem at all, so it
    # names nothing else. Two shifts the same day: the manual path names the overlap
    # and the lost rest as well; the verifier stops at "one shift a day". An overlap is
    # negative rest.
    for first in (rulebook.UNIT_ACCESS, rulebook.ONE_SHIFT_A_DAY):
        if first in codes:
            return {first}
    return {rulebook.MIN_REST if c == rulebook.OVERLAP else c for c in codes}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_manual_edits_eligibility_and_the_solver_agree_on_every_person_and_shift(db: None, seed: int) -> None:
    rng = random.Random(seed)
    net = _network(rng)
    built = {u.pk: build_problem(site=u.site, units=[u], start_date=START, end_date=END) for u in net.units}
    refused = allowed = 0
    for _ in range(CASES_PER_SEED):
        # Float-pool staff are where the paths used to disagree: ask about them often.
        floats = [p for p in net.staff if p.float_pool]
        chosen = rng.choice(floats if rng.random() < 0.4 else net.staff)
        staff = Staff.objects.select_related("home_unit", "contract").get(pk=chosen.pk)
        unit = rng.choice(net.units)
        shift = rng.choice(net.shifts)
        day = START + dt.timedelta(days=rng.randrange(0, 28))
        if staff.assignments.filter(roster__unit=unit, date=day, live=True).exists():
            continue  # already rostered there that day: a change, not an addition
        case = f"{staff} in {unit.name}, {shift.code} on {day}"

        manual = {b.rule for b in check_assignment(
            staff=staff, roster=net.rosters[unit.pk], shift_type=shift, day=day)}
        window = eligibility.Window.load(staff, day, day)
        eligible = {b.rule for b in window.breaches(unit=unit, shift_type=shift, day=day)}
        solver = _solver_verdict(built[unit.pk], staff, unit, shift, day)

        assert _comparable(manual) == _comparable(eligible), case
        assert _comparable(manual) == _comparable(solver), case
        refused += bool(manual)
        allowed += not manual

        # A place asking for ACLS: eligibility and the solver's adapter read the same
        # certificate the same way, up to the day it lapses.
        need = eligibility.Requirement(certification_type_id=net.lapsing.pk, label="ACLS")
        lacks = rulebook.CERTIFICATION in {b.rule for b in window.breaches(
            unit=unit, shift_type=shift, day=day, need=need)}
        person = next((p for p in built[unit.pk].problem.staff if p.id == str(staff.pk)), None)
        if person is not None:
            assert lacks == (derive.certification_problem(person, "acls-agree", (day - START).days) is not None), case
    # The generated cases exercise both verdicts, not just one.
    assert refused >= 20 and allowed >= 20, (refused, allowed)


def test_the_queryset_and_the_predicate_agree_on_who_may_work_in_a_unit(db: None) -> None:
    net = _network(random.Random(7))
    everyone = list(Staff.objects.select_related("home_unit"))
    for unit in [*net.units, *Unit.objects.exclude(pk__in=[u.pk for u in net.units])]:
        listed = set(Staff.objects.filter(placement.who_may_work_in(unit)).values_list("pk", flat=True))
        assert listed == {p.pk for p in everyone if placement.may_work_in(p, unit)}, unit
    trained, elsewhere = Staff.objects.get(last_name="Unit A-0"), Staff.objects.get(last_name="Unit C-1")
    a, b, _ = net.units
    far = Unit.objects.get(name="Far unit")
    assert placement.may_work_in(trained, b) and not placement.may_work_in(trained, net.units[2])
    assert placement.may_work_in(elsewhere, a) and not placement.may_work_in(elsewhere, far)


def test_a_float_nurse_is_held_to_the_working_units_shift_length_and_her_home_units_rest(db: None) -> None:
    net = _network(random.Random(11))
    _, b, _ = net.units
    float_a = Staff.objects.get(last_name="Float A")
    limits = placement.limits_for(float_a, b)
    # Unit B caps shifts at 8 h: a 12 h day there is refused, by every path.
    assert limits.max_shift_minutes == 480
    # Rest and 7-day hours are her home unit's (A: the field's defaults).
    assert (limits.min_rest_minutes, limits.max_minutes_7_days) == (600, 3600)
    assert Certification.objects.exists()
