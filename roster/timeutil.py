"""Turning a (date, shift type) in a site's timezone into true instants.

A night shift that starts at 19:00 on the day the clocks go back lasts an hour longer
in real time than on the clock face; one on the day they go forward an hour shorter.
Fatigue rules count real hours, so every shift is stored as an aware UTC interval
computed here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from .errors import DomainError

# The days Headroom plans for. Every date a person enters (a roster's period, leave, a
# request, a cover requirement…) falls in this range, so the arithmetic around it (the
# week of history before a period, its weeks, time zones) never leaves the calendar.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
DAY_RANGE = f"Use a date between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}."


def validate_day(value: dt.date) -> None:
    """Model and form validator: ``value`` is a day Headroom plans for."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(DAY_RANGE, code="day_range")


def check_days(**days: dt.date) -> None:
    """Refuse, naming the field, the first of ``days`` Headroom does not plan for."""
    for field, value in days.items():
        try:
            validate_day(value)
        except ValidationError:
            raise DomainError(DAY_RANGE, field=field) from None


def shift_interval(
    day: dt.date, start: dt.time, duration_minutes: int, tz_name: str
) -> tuple[dt.datetime, dt.datetime]:
    """Return the aware (start, end) of a shift rostered on ``day`` in ``tz_name``.

    The rostered length is the wall-clock length: a 12 h night 19:00→07:00 ends at
    07:00 local time the next morning, whatever the clocks did overnight, so the true
    length differs by the daylight-saving shift. ``fold=0`` picks the first of two
    ambiguous local times, the usual convention for a shift that starts in the
    repeated hour.
    """
    tz = ZoneInfo(tz_name)
    starts_local = dt.datetime.combine(day, start, tzinfo=tz)
    naive_end = dt.datetime.combine(day, start) + dt.timedelta(minutes=duration_minutes)
    ends_local = naive_end.replace(tzinfo=tz)
    return starts_local.astimezone(dt.UTC), ends_local.astimezone(dt.UTC)


def true_minutes(starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    """The real minutes between two aware instants."""
    return int((ends_at - starts_at).total_seconds() // 60)


def local_date(instant: dt.datetime, tz_name: str) -> dt.date:
    return instant.astimezone(ZoneInfo(tz_name)).date()
