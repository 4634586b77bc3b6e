"""The audited write functions: rules checked, waivers honoured, audit in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from roster import rules
from roster.assignments import waiver_record
from roster.editing import assignment_create, assignment_delete, assignment_set
from roster.errors import Conflict, DomainError, NotAllowed, RuleViolation
from roster.models import Assignment, AuditEvent, FatigueRules, Leave, Roster
from roster.records import record_update
from roster.requests import leave_decide, leave_request
from roster.rosters import roster_create, roster_publish
from tests import factories as f

MON = dt.date(2026, 3, 2)


@pytest.fixture
def roster(world):
    return f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=27))


def assign(world, roster, staff, shift_type, day, **kw):
    return assignment_create(actor=world.manager, roster=roster, staff=staff, shift_type=shift_type, day=day, **kw)


def rules_of(exc_info) -> set[str]:
    return {b.rule for b in exc_info.value.breaches}


def test_a_day_shift_straight_after_a_night_is_refused_for_lack_of_rest(world, roster):
    assign(world, roster, world.nurse, world.night, MON)
    with pytest.raises(RuleViolation) as exc:
        assign(world, roster, world.nurse, world.day, MON + dt.timedelta(days=1))
    assert rules_of(exc) >= {rules.MIN_REST}
    assert "rest" in str(exc.value)


def test_a_waiver_for_the_rule_lets_the_manager_assign_anyway_and_is_audited(world, roster):
    assign(world, roster, world.nurse, world.night, MON)
    tue = MON + dt.timedelta(days=1)
    waiver = waiver_record(
        actor=world.manager, staff=world.nurse, day=tue, rule=rules.MIN_REST, reason="Major incident cover"
    )
    # The night ends at 07:00 on Tuesday, the day shift starts then: they overlap by nothing
    # but leave no rest; a later day shift is what a waiver can allow.
    late = f.ShiftTypeFactory(site=world.north, code="L", start_time=dt.time(13, 0), duration_minutes=480)
    a = assign(world, roster, world.nurse, late, tue, waiver=waiver)
    assert a.waiver == waiver
    assert AuditEvent.objects.filter(action="waiver.create", object_id=str(waiver.pk)).exists()


def test_a_waiver_for_another_rule_does_not_help(world, roster):
    assign(world, roster, world.nurse, world.night, MON)
    tue = MON + dt.timedelta(days=1)
    waiver = waiver_record(
        actor=world.manager, staff=world.nurse, day=tue, rule=rules.MAX_HOURS_7_DAYS, reason="Cover"
    )
    with pytest.raises(RuleViolation):
        assign(world, roster, world.nurse, world.day, tue, waiver=waiver)


def test_overlap_can_never_be_waived(world):
    with pytest.raises(DomainError, match="cannot be waived"):
        waiver_record(actor=world.manager, staff=world.nurse, day=MON, rule=rules.OVERLAP, reason="x")


def test_a_nurse_cannot_record_a_waiver(world):
    with pytest.raises(NotAllowed):
        waiver_record(
            actor=world.nurse.user, staff=world.nurse, day=MON, rule=rules.MIN_REST, reason="I feel fine"
        )


def test_sixty_hours_in_seven_days_is_the_limit(world, roster):
    for i in range(5):  # 5 × 12 h = 60 h
        assign(world, roster, world.nurse, world.day, MON + dt.timedelta(days=i))
    with pytest.raises(RuleViolation) as exc:
        assign(world, roster, world.nurse, world.day, MON + dt.timedelta(days=5))
    assert rules.MAX_HOURS_7_DAYS in rules_of(exc)


def test_unit_fatigue_rules_override_the_sites(world, roster):
    FatigueRules.objects.create(site=world.north, max_consecutive_nights=4)
    FatigueRules.objects.create(site=world.north, unit=world.icu, max_consecutive_nights=2)
    assign(world, roster, world.nurse, world.night, MON)
    assign(world, roster, world.nurse, world.night, MON + dt.timedelta(days=1))
    with pytest.raises(RuleViolation) as exc:
        assign(world, roster, world.nurse, world.night, MON + dt.timedelta(days=2))
    assert rules.MAX_CONSECUTIVE_NIGHTS in rules_of(exc)


def test_approved_leave_blocks_assignment_but_a_request_does_not(world, roster):
    leave = leave_request(
        actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=MON, end_date=MON, reason="Wedding"
    )
    assign(world, roster, world.nurse, world.day, MON)
    leave_decide(actor=world.manager, leave=leave, approve=True)
    assert not Assignment.objects.filter(staff=world.nurse).exists()  # approving took it off
    with pytest.raises(RuleViolation) as exc:
        assign(world, roster, world.nurse, world.day, MON)
    assert rules.LEAVE in rules_of(exc)


def test_a_lapsed_certification_does_not_bar_work_that_does_not_need_it(world, roster):
    f.CertificationFactory(staff=world.nurse, issued=dt.date(2024, 1, 1), expires=dt.date(2026, 1, 1))
    assert assign(world, roster, world.nurse, world.day, MON).pk


def test_only_float_pool_staff_work_outside_their_home_unit(world):
    ward = f.RosterFactory(unit=world.ward, start_date=MON, end_date=MON + dt.timedelta(days=27))
    with pytest.raises(RuleViolation):
        assignment_create(actor=world.admin, roster=ward, staff=world.nurse, shift_type=world.day, day=MON)
    world.nurse.float_pool = True
    world.nurse.save()
    assignment_create(actor=world.admin, roster=ward, staff=world.nurse, shift_type=world.day, day=MON)


def test_a_manager_cannot_change_another_units_roster(world):
    ward = f.RosterFactory(unit=world.ward, start_date=MON, end_date=MON + dt.timedelta(days=27))
    with pytest.raises(NotAllowed):
        assign(world, ward, world.colleague, world.day, MON)


def test_every_assignment_writes_one_audit_event_in_its_transaction(world, roster):
    a = assign(world, roster, world.nurse, world.day, MON)
    events = AuditEvent.objects.filter(object_type="roster.Assignment", object_id=str(a.pk))
    assert events.count() == 1
    event = events.get()
    assert event.actor == world.manager
    assert event.after["staff"] == world.nurse.pk
    assert event.unit == world.icu and event.site == world.north


def test_a_refused_assignment_writes_nothing(world, roster):
    assign(world, roster, world.nurse, world.night, MON)
    before = AuditEvent.objects.count()
    with pytest.raises(RuleViolation):
        assign(world, roster, world.nurse, world.day, MON + dt.timedelta(days=1))
    assert AuditEvent.objects.count() == before
    assert Assignment.objects.count() == 1


def test_publishing_puts_a_version_in_force_and_archives_the_old_one(world, roster):
    assign(world, roster, world.nurse, world.day, MON)
    roster_publish(actor=world.manager, roster=roster)
    assert Assignment.objects.get().live is True
    v2 = roster_create(actor=world.manager, unit=world.icu, start_date=roster.start_date, end_date=roster.end_date)
    assert v2.version == 2
    assert v2.assignments.count() == 1 and not v2.assignments.get().live
    # Changing the draft does not touch what people are working now.
    assignment_delete(actor=world.manager, assignment=v2.assignments.get())
    assign(world, v2, world.nurse, world.night, MON + dt.timedelta(days=2))
    roster_publish(actor=world.manager, roster=v2)
    roster.refresh_from_db()
    assert roster.status == Roster.Status.ARCHIVED
    live = Assignment.objects.filter(live=True)
    assert [(a.shift_type.code, a.date) for a in live] == [("N", MON + dt.timedelta(days=2))]


def test_a_published_roster_cannot_be_published_again(world, roster):
    roster_publish(actor=world.manager, roster=roster)
    with pytest.raises(Conflict):
        roster_publish(actor=world.manager, roster=roster)


def test_a_nurse_cannot_file_leave_for_a_colleague(world):
    with pytest.raises(NotAllowed):
        leave_request(
            actor=world.nurse.user, staff=world.colleague, kind="annual", start_date=MON, end_date=MON
        )


def test_leave_is_decided_once(world):
    leave = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=MON, end_date=MON)
    leave_decide(actor=world.manager, leave=leave, approve=False, note="Short that week")
    with pytest.raises(Conflict):
        leave_decide(actor=world.manager, leave=leave, approve=True)
    assert Leave.objects.get().status == Leave.Status.DECLINED


def test_a_nurse_cannot_approve_their_own_leave(world):
    leave = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=MON, end_date=MON)
    with pytest.raises(NotAllowed):
        leave_decide(actor=world.nurse.user, leave=leave, approve=True)


def test_record_update_refuses_moving_a_row_out_of_scope(world):
    with pytest.raises(NotAllowed):
        record_update(actor=world.manager, instance=world.colleague, data={"home_unit": world.ed})
    world.colleague.refresh_from_db()
    assert world.colleague.home_unit == world.icu


def test_changing_a_cell_replaces_the_shift_and_a_refused_change_keeps_the_old_one(world, roster):
    tue = MON + dt.timedelta(days=1)
    assignment_set(actor=world.manager, roster=roster, staff=world.nurse, day=MON, shift_type=world.night)
    assignment_set(actor=world.manager, roster=roster, staff=world.nurse, day=tue, shift_type=world.night)
    # Night → day on Tuesday is fine on its own, but the Monday night leaves no rest.
    with pytest.raises(RuleViolation):
        assignment_set(actor=world.manager, roster=roster, staff=world.nurse, day=tue, shift_type=world.day)
    assert Assignment.objects.get(staff=world.nurse, date=tue).shift_type == world.night
    assignment_set(actor=world.manager, roster=roster, staff=world.nurse, day=tue, shift_type=None)
    assert not Assignment.objects.filter(staff=world.nurse, date=tue).exists()


def test_the_service_itself_refuses_an_overlap_before_the_database_must(world):
    # SQLite has no exclusion constraints: the write function's own check is what keeps
    # the rule there, so it must catch the overlap without relying on the database.
    world.nurse.float_pool = True
    world.nurse.save()
    icu = f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=27), status=Roster.Status.PUBLISHED)
    ward = f.RosterFactory(unit=world.ward, start_date=MON, end_date=MON + dt.timedelta(days=27), status=Roster.Status.PUBLISHED)
    assign(world, icu, world.nurse, world.day, MON)
    late = f.ShiftTypeFactory(site=world.north, code="L", start_time=dt.time(13, 0), duration_minutes=480)
    with pytest.raises(RuleViolation) as exc:
        assignment_create(actor=world.admin, roster=ward, staff=world.nurse, shift_type=late, day=MON)
    assert rules.OVERLAP in rules_of(exc)
