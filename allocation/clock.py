"""Clock-in and clock-out events from a site's time-and-attendance system.

Like census events they are idempotent on (sender, event id) and accepted all together
or not at all; how they change who is on shift is in ``allocation.staffing``. Each
accepted event is audited, and the hours of the unit clocked into, and of any unit the
person was rostered in around that time, are recomputed after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from roster.access import level_of
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import Assignment, AuditEvent, Staff, Unit

from .census import CLOCK_SKEW, EVENT_ID_MAX, REPORTERS, SENDER_MAX, reporting_units
from .models import ClockEvent
from .queue import recompute_after_commit
from .staffing import LONGEST_SHIFT


@dataclass(frozen=True)
class ClockIn:
    """One clock event as sent."""

    staff_id: int
    unit_id: int
    kind: str
    occurred_at: dt.datetime
    sender: str
    event_id: str

    def same_as(self, row: ClockEvent) -> bool:
        return (self.staff_id, self.unit_id, self.kind, self.occurred_at) == (
            row.staff_id, row.unit_id, row.kind, row.occurred_at)


@transaction.atomic
def clock_events_record(*, actor: Any, events: Sequence[ClockIn]) -> tuple[list[ClockEvent], list[ClockEvent]]:
    """Record clock events all together or not at all; returns (accepted, duplicates).
    Bad input is a DomainError naming the field (``events[i].field`` when more than one)."""
    if actor is not None and level_of(actor) not in REPORTERS:
        raise NotAllowed("Only coordinators and administrators report clock events.", field="unit")
    if not events:
        raise DomainError("Send at least one event.", field="events")
    allowed = reporting_units(actor)
    known = set(Staff.objects.filter(pk__in={e.staff_id for e in events}, active=True).values_list("pk", flat=True))
    now = timezone.now()
    many = len(events) > 1
    first: dict[tuple[str, str], tuple[int, ClockIn]] = {}
    for i, event in enumerate(events):
        prefix = f"events[{i}]." if many else ""
        if not event.sender or len(event.sender) > SENDER_MAX:
            raise DomainError(f"Name the sending system in 1 to {SENDER_MAX} characters.", field=f"{prefix}sender")
        if not event.event_id or len(event.event_id) > EVENT_ID_MAX:
            raise DomainError(f"Give the sender's id in 1 to {EVENT_ID_MAX} characters.", field=f"{prefix}event_id")
        if event.kind not in ClockEvent.Kind.values:
            raise DomainError(f"{event.kind!r} is not one of in, out.", field=f"{prefix}clock")
        if event.unit_id not in allowed:
            raise DomainError("No unit you report for has this id.", field=f"{prefix}unit")
        if event.staff_id not in known:
            raise DomainError("No active staff member has this id.", field=f"{prefix}staff")
        if timezone.is_naive(event.occurred_at):
            raise DomainError("Give the time with its UTC offset.", field=f"{prefix}occurred_at")
        if event.occurred_at > now + CLOCK_SKEW:
            raise DomainError("This time is in the future.", field=f"{prefix}occurred_at")
        key = (event.sender, event.event_id)
        if key in first and first[key][1] != event:
            raise Conflict("This event id is used twice with different content.", field=f"{prefix}event_id")
        first.setdefault(key, (i, event))
    query = Q()
    for sender, event_id in first:
        query |= Q(sender=sender, event_id=event_id)
    held = {(r.sender, r.event_id): r for r in ClockEvent.objects.filter(query)}
    new = []
    for key, (i, event) in first.items():
        row = held.get(key)
        if row is not None and not event.same_as(row):
            raise Conflict("This event id was already received with other content.",
                           field=f"events[{i}].event_id" if many else "event_id")
        if row is None:
            new.append(ClockEvent(
                staff_id=event.staff_id, unit_id=event.unit_id, kind=event.kind, occurred_at=event.occurred_at,
                sender=event.sender, event_id=event.event_id,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None))
    try:
        with transaction.atomic():
            ClockEvent.objects.bulk_create(new)
    except IntegrityError as exc:
        raise Conflict("Some of these events were received at the same moment from another request: "
                       "send them again.", field="event_id") from exc
    site_of = dict(Unit.objects.filter(pk__in={r.unit_id for r in new}).values_list("pk", "site_id"))
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor if getattr(actor, "is_authenticated", False) else None, action="clock.event",
                   object_type=ClockEvent._meta.label, object_id=str(r.pk), site_id=site_of[r.unit_id],
                   unit_id=r.unit_id, after={"staff": r.staff_id, "kind": r.kind,
                                             "occurred_at": r.occurred_at.isoformat(), "sender": r.sender,
                                             "event_id": r.event_id})
        for r in new
    ])
    earliest: dict[int, dt.datetime] = {}
    for r in new:
        # The unit clocked into, and any unit the person was rostered in around then
        # (a clock-in elsewhere, or a clock-out, takes them off that unit).
        rostered = Assignment.objects.filter(
            live=True, staff_id=r.staff_id, starts_at__lte=r.occurred_at + LONGEST_SHIFT,
            ends_at__gte=r.occurred_at - LONGEST_SHIFT).values_list("roster__unit_id", flat=True)
        for unit_id in {r.unit_id, *rostered}:
            if unit_id not in earliest or r.occurred_at < earliest[unit_id]:
                earliest[unit_id] = r.occurred_at
    for unit_id, since in sorted(earliest.items()):
        recompute_after_commit(unit_id, since)
    return new, list(held.values())
