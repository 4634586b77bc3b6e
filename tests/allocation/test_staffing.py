"""Live staffing: who is on shift (roster, leave, clock events), required staff from the
ratio and skill-mix rules, staffed beds, utilization per unit and site, and the hourly
series rewritten when a late event arrives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from allocation.census import census_events_record
from allocation.clock import ClockIn, clock_events_record
from allocation.models import UnitHour
from allocation.staffing import site_statuses, staffed_beds, unit_hours_record, unit_statuses
from allocation.tasks import record_current_hours
from allocation.zones import Zone
from roster.errors import DomainError
from roster.models import Leave, RatioRule, SkillMixRule, Staff, Unit
from tests import factories as f

from .helpers import T, admit, ev, shift

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
DAY_START = T.replace(hour=7)


def status(unit, at=T):
    return unit_statuses([Unit.objects.select_related("site").get(pk=unit.pk)], at)[0]


def rn(unit, **kw):
    return f.StaffFactory(home_unit=unit, role=Staff.Role.RN, **kw)


def test_staffed_beds_are_the_beds_the_rns_on_shift_can_run():
    assert staffed_beds(beds=12, rns_on_shift=3, patients_per_rn=2) == 6
    assert staffed_beds(beds=12, rns_on_shift=7, patients_per_rn=2) == 12  # never more than the beds
    assert staffed_beds(beds=12, rns_on_shift=3, patients_per_rn=Decimal("1.5")) == 4  # 4.5 beds: 4 staffed
    assert staffed_beds(beds=12, rns_on_shift=0, patients_per_rn=2) == 0
    assert staffed_beds(beds=12, rns_on_shift=0, patients_per_rn=None) == 12  # no ratio to staff by


def test_the_roster_in_force_puts_people_on_shift_between_start_and_end(world):
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START - dt.timedelta(hours=12))  # last night's, ended 07:00
    assert [p.staff_id for p in status(world.icu).on_shift] == [world.nurse.pk]
    assert status(world.icu, DAY_START).on_shift_by_role == {"RN": 1}  # from the start instant
    assert status(world.icu, DAY_START + 12 * H).on_shift == ()  # not at the end instant


def test_a_call_out_takes_the_person_off_shift(world):
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START)
    f.LeaveFactory(staff=world.colleague, kind=Leave.Kind.SICK, status=Leave.Status.APPROVED,
                   start_date=T.date(), end_date=T.date())
    f.LeaveFactory(staff=world.nurse, kind=Leave.Kind.ANNUAL, status=Leave.Status.REQUESTED,
                   start_date=T.date(), end_date=T.date())
    assert [p.staff_id for p in status(world.icu).on_shift] == [world.nurse.pk]


def test_clock_events_override_the_roster(world):
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START)
    floater = rn(world.ward, float_pool=True)
    clock_events_record(actor=world.coordinator, events=[
        # The colleague went home at 11:00; a float nurse came in to the ICU at 10:00.
        ClockIn(world.colleague.pk, world.icu.pk, "out", DAY_START + 4 * H, "tna", "c1"),
        ClockIn(floater.pk, world.icu.pk, "in", DAY_START + 3 * H, "tna", "c2"),
    ])
    on = {p.staff_id: p.source for p in status(world.icu).on_shift}
    assert on == {world.nurse.pk: "roster", floater.pk: "clock"}
    assert {p.staff_id for p in status(world.icu, DAY_START + 2 * H).on_shift} == {world.nurse.pk, world.colleague.pk}
    # A clock-in long ago without a clock-out is taken for a forgotten clock-out.
    assert floater.pk not in {p.staff_id for p in status(world.icu, DAY_START + 17 * H).on_shift}


def test_a_clock_out_from_yesterdays_shift_does_not_take_someone_off_todays(world):
    shift(world.nurse, world.icu, DAY_START)
    clock_events_record(actor=world.coordinator, events=[
        ClockIn(world.nurse.pk, world.icu.pk, "out", DAY_START - 11 * H, "tna", "yesterday")])
    assert [p.staff_id for p in status(world.icu).on_shift] == [world.nurse.pk]


def test_a_clock_event_for_another_sites_unit_or_nobody_is_refused_naming_the_field(world):
    with pytest.raises(DomainError) as caught:
        clock_events_record(actor=world.coordinator, events=[
            ClockIn(world.outsider.pk, world.ed.pk, "in", T, "tna", "x")])
    assert caught.value.field == "unit"
    with pytest.raises(DomainError) as caught:
        clock_events_record(actor=world.coordinator, events=[ClockIn(10**9, world.icu.pk, "in", T, "tna", "y")])
    assert caught.value.field == "staff"


def test_required_staff_now_come_from_the_ratio_rules_and_the_live_census(world):
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.HCA, patients_per_staff=8)
    admit(world.ward, 9)
    assert status(world.ward).required == {"HCA": 2, "RN": 3}  # ceil(9/8), ceil(9/4)
    assert status(world.ward).required_total == 5
    assert status(world.ward).short == {"HCA": 2, "RN": 3}


def test_a_ratio_rule_for_the_shift_in_progress_wins_over_the_general_one(world):
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=6, shift_type=world.night)
    admit(world.ward, 12)
    assert status(world.ward, T).required == {"RN": 3}  # day: 1:4
    assert status(world.ward, T.replace(hour=23)).required == {"RN": 2}  # night: 1:6


def test_skill_mix_rules_count_the_holders_on_shift(world):
    skill = f.SkillFactory(code="ventilation")
    SkillMixRule.objects.create(unit=world.icu, skill=skill, minimum=2)
    world.nurse.skills.add(skill)
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START)
    (need,) = status(world.icu).skill_mix
    assert (need.requirement, need.minimum, need.on_shift) == ("Ventilation", 2, 1)


def test_utilization_and_zone_follow_the_staffed_beds_not_the_physical_ones(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    shift(world.nurse, world.icu, DAY_START)
    shift(world.colleague, world.icu, DAY_START)
    admit(world.icu, 3)
    s = status(world.icu)
    assert (s.beds, s.staffed_beds, s.census) == (12, 4, 3)
    assert (s.utilization, s.zone) == (75.0, Zone.OPTIMAL)
    assert s.action
    # One more nurse clocks in: six staffed beds, three patients, half full.
    clock_events_record(actor=world.coordinator, events=[
        ClockIn(rn(world.icu).pk, world.icu.pk, "in", T - H, "tna", "in1")])
    assert (status(world.icu).staffed_beds, status(world.icu).zone) == (6, Zone.OPTIMAL)
    admit(world.icu, 3, at=T - H)
    assert status(world.icu).zone == Zone.SATURATED  # 6 of 6


def test_a_sites_utilization_is_its_census_over_its_staffed_beds(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    shift(world.nurse, world.icu, DAY_START)
    admit(world.icu, 2)  # 2 of 2
    admit(world.ward, 7)  # no ratio: 7 of 28 beds
    units = Unit.objects.filter(site=world.north).select_related("site")
    (north,) = site_statuses([world.north], units, T)
    assert (north.census, north.staffed_beds, north.beds) == (9, 30, 40)
    assert north.utilization == pytest.approx(30.0)
    assert north.zone == Zone.UNDER
    assert {u.unit_id for u in north.units} == {world.icu.pk, world.ward.pk}


def test_live_status_takes_a_fixed_number_of_queries_whatever_the_units(world, django_assert_max_num_queries):
    units = list(Unit.objects.select_related("site"))
    for unit in units:
        RatioRule.objects.create(unit=unit, role=Staff.Role.RN, patients_per_staff=4)
        admit(unit, 2)
    shift(world.nurse, world.icu, DAY_START)
    with django_assert_max_num_queries(12):
        unit_statuses(units, T)


def test_the_hourly_series_is_written_and_a_late_event_rewrites_the_hours_after_it(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    shift(world.nurse, world.icu, DAY_START)
    admit(world.icu, 1, at=DAY_START + dt.timedelta(minutes=30))
    written = unit_hours_record(unit_id=world.icu.pk, since=DAY_START, now=T + dt.timedelta(minutes=20))
    assert written == 6  # 07:00 … 12:00, the last one still running
    rows = list(UnitHour.objects.filter(unit=world.icu).order_by("hour"))
    assert [r.census for r in rows] == [1] * 6
    assert (rows[0].staffed_beds, rows[0].utilization, rows[0].zone, rows[0].required) == (2, 50.0, "optimal", {"RN": 1})
    # Sent at noon, happened at 09:10: the hours from 09:00 on change, the ones before do not.
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", DAY_START + 2 * H + 10 * dt.timedelta(minutes=1))])
    unit_hours_record(unit_id=world.icu.pk, since=DAY_START + 2 * H, now=T + dt.timedelta(minutes=20))
    rows = list(UnitHour.objects.filter(unit=world.icu).order_by("hour"))
    assert [r.census for r in rows] == [1, 1, 2, 2, 2, 2]
    assert rows[2].zone == "saturated"
    assert UnitHour.objects.count() == 6


def test_recomputing_a_unit_that_is_gone_writes_nothing():
    assert unit_hours_record(unit_id=10**9, since=T) == 0


def test_the_hourly_beat_task_writes_every_units_last_and_current_hour(world):
    assert record_current_hours() == 6  # three units, two hours each
    assert record_current_hours() == 6
    assert UnitHour.objects.count() == 6
