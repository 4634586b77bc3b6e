"""Building blocks for the live-operations tests: an instant, events and shifts."""

from __future__ import annotations

import datetime as dt
import itertools

from allocation.census import EventIn, census_events_record
from roster.models import Assignment, Roster
from tests import factories as f

# A Tuesday in March: London is on UTC, so local and UTC times agree.
T = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def ev(unit, movement: str, at: dt.datetime, *, to=None, event_id: str | None = None, sender: str = "adt",
       acuity: str = "") -> EventIn:
    return EventIn(unit_id=unit.pk, kind=movement, occurred_at=at, sender=sender,
                   event_id=event_id or f"e{next(_ids)}", to_unit_id=to.pk if to else None, acuity=acuity)


def admit(unit, n: int, at: dt.datetime = T - dt.timedelta(hours=6)) -> None:
    """``n`` admissions to ``unit`` at ``at``, recorded by the system."""
    census_events_record(actor=None, events=[ev(unit, "admit", at) for _ in range(n)], batch=True)


def shift(staff, unit, start: dt.datetime, hours: int = 12) -> Assignment:
    """A live shift of ``staff`` in ``unit`` from ``start``."""
    roster, _ = Roster.objects.get_or_create(
        unit=unit, start_date=dt.date(2026, 3, 2), version=1,
        defaults={"end_date": dt.date(2026, 3, 29), "status": Roster.Status.PUBLISHED})
    shift_type = unit.site.shift_types.order_by("start_time").first()
    if shift_type is None:
        shift_type = f.ShiftTypeFactory(site=unit.site)
    return Assignment.objects.create(roster=roster, staff=staff, shift_type=shift_type, date=start.date(),
                                     starts_at=start, ends_at=start + dt.timedelta(hours=hours), live=True)
