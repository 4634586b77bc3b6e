"""Invariants the database keeps on PostgreSQL, whatever the concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from psycopg.errors import DeadlockDetected

from roster.editing import assignment_create
from roster.errors import Conflict, RuleViolation
from roster.models import Assignment, AuditEvent, Roster
from roster.timeutil import shift_interval
from tests import factories as f

DAY = dt.date(2026, 3, 10)


def _published(world, unit) -> Roster:
    return f.RosterFactory(unit=unit, status=Roster.Status.PUBLISHED)


def _row(roster, staff, shift_type, day=DAY, live=True) -> Assignment:
    starts, ends = shift_interval(day, shift_type.start_time, shift_type.duration_minutes, "Europe/London")
    return Assignment(
        roster=roster, staff=staff, shift_type=shift_type, date=day, starts_at=starts, ends_at=ends, live=live
    )


def test_the_database_refuses_two_overlapping_live_shifts_for_one_person(world):
    icu, ward = _published(world, world.icu), _published(world, world.ward)
    _row(icu, world.nurse, world.day).save()
    late = f.ShiftTypeFactory(site=world.north, code="L", start_time=dt.time(13, 0), duration_minutes=480)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(ward, world.nurse, late).save()


def test_the_database_refuses_overlapping_shifts_within_one_draft(world):
    draft = f.RosterFactory(unit=world.icu)
    # A night on the 9th runs into the morning of the 10th.
    _row(draft, world.nurse, world.night, day=DAY - dt.timedelta(days=1), live=False).save()
    early = f.ShiftTypeFactory(site=world.north, code="E", start_time=dt.time(6, 0), duration_minutes=480)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(draft, world.nurse, early, live=False).save()


def test_a_draft_may_repeat_the_shifts_in_force_without_conflict(world):
    published = _published(world, world.icu)
    _row(published, world.nurse, world.day).save()
    draft = f.RosterFactory(unit=world.icu, version=2)
    _row(draft, world.nurse, world.day, live=False).save()
    assert Assignment.objects.filter(staff=world.nurse).count() == 2


def test_other_people_may_work_the_same_shift(world):
    published = _published(world, world.icu)
    _row(published, world.nurse, world.day).save()
    _row(published, world.colleague, world.day).save()
    assert Assignment.objects.filter(roster=published).count() == 2


def _race(n: int, work) -> list[object]:
    """Run ``work(i)`` in ``n`` threads, each on its own database connection, released
    together by a barrier so the writes really collide."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _refused_by_database(result: object) -> bool:
    if isinstance(result, IntegrityError):
        return True
    return isinstance(result, OperationalError) and isinstance(result.__cause__, DeadlockDetected)


@pytest.mark.django_db(transaction=True)
def test_concurrent_raw_inserts_of_overlapping_shifts_leave_exactly_one(world):
    assert connection.vendor == "postgresql"
    world.nurse.float_pool = True
    world.nurse.save()
    rosters = [_published(world, unit) for unit in (world.icu, world.ward)]
    shifts = [
        world.day,
        world.night,
        f.ShiftTypeFactory(site=world.north, code="L", start_time=dt.time(13, 0), duration_minutes=600),
        f.ShiftTypeFactory(site=world.north, code="M", start_time=dt.time(9, 0), duration_minutes=480),
    ]

    def insert(i: int) -> str:
        # Day 07–19, L 13–23, M 09–17 all overlap one another; night 19–07 overlaps L.
        with transaction.atomic():
            _row(rosters[i % 2], world.nurse, shifts[[0, 2, 3][i % 3]]).save()
        return "ok"

    results = _race(8, insert)
    assert results.count("ok") == 1
    # Each refusal is the database's: a constraint violation or, when two inserts each
    # wait on the other's exclusion check, the deadlock detector aborting one of them.
    assert all(_refused_by_database(r) for r in results if r != "ok"), results
    assert Assignment.objects.filter(staff=world.nurse, live=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_managers_assigning_one_nurse_double_book_nobody(world):
    world.nurse.float_pool = True
    world.nurse.save()
    rosters = [_published(world, unit) for unit in (world.icu, world.ward)]

    def assign(i: int) -> str:
        assignment_create(
            actor=world.admin, roster=rosters[i % 2], staff=world.nurse, shift_type=world.day, day=DAY
        )
        return "ok"

    results = _race(6, assign)
    assert results.count("ok") == 1
    assert all(isinstance(r, Conflict | RuleViolation) for r in results if r != "ok")
    assert Assignment.objects.filter(staff=world.nurse).count() == 1
    assert AuditEvent.objects.filter(action="assignment.create").count() == 1


def test_the_audit_log_cannot_be_changed_or_deleted(world):
    event = AuditEvent.objects.create(action="test", object_type="x", object_id="1")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test"


@pytest.mark.parametrize(
    "field, value",
    [
        ("duration_minutes", 780),
        ("duration_minutes", 0),
    ],
)
def test_a_shift_type_over_twelve_hours_or_empty_is_refused_by_the_database(world, field, value):
    from roster.models import ShiftType

    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftType.objects.filter(pk=world.day.pk).update(**{field: value})


def test_a_certification_cannot_expire_before_it_is_issued(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CertificationFactory(staff=world.nurse, issued=dt.date(2026, 1, 1), expires=dt.date(2025, 1, 1))


def test_leave_cannot_end_before_it_starts(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.LeaveFactory(staff=world.nurse, start_date=dt.date(2026, 3, 5), end_date=dt.date(2026, 3, 1))


def test_a_ratio_must_be_positive(world):
    from roster.models import RatioRule

    with pytest.raises(IntegrityError), transaction.atomic():
        RatioRule.objects.create(unit=world.icu, patients_per_staff=0)


def test_only_one_published_version_of_a_period_exists(world):
    _published(world, world.icu)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.RosterFactory(unit=world.icu, version=2, status=Roster.Status.PUBLISHED)
