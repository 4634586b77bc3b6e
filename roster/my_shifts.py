"""A person's own shifts in force: a list (upcoming and past) and a month calendar,
every time in the site's own timezone whatever the server's."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from .models import Assignment, Leave, Staff


@dataclass(frozen=True)
class MyShift:
    assignment: Assignment
    starts: dt.datetime  # local to the site
    ends: dt.datetime

    @property
    def hours(self) -> float:
        return round((self.ends - self.starts).total_seconds() / 3600, 2)


def in_force(staff: Staff) -> QuerySet[Assignment]:
    """The person's shifts of published rosters."""
    return (
        Assignment.objects.filter(staff=staff, live=True)
        .select_related("shift_type", "roster__unit__site")
        .order_by("starts_at")
    )


def _local(a: Assignment) -> MyShift:
    tz = ZoneInfo(a.roster.unit.site.timezone)
    # Real instants, so a night across a clock change shows its true length.
    return MyShift(a, a.starts_at.astimezone(tz), a.ends_at.astimezone(tz))


def between(staff: Staff, first: dt.date, last: dt.date) -> list[MyShift]:
    """The person's shifts in force from ``first`` to ``last``, in local time."""
    return [_local(a) for a in in_force(staff).filter(date__range=(first, last))]


def shift_list(staff: Staff, *, today: dt.date, past_days: int = 28,
               ahead_days: int = 90) -> tuple[list[MyShift], list[MyShift]]:
    """(upcoming, past) shifts around ``today``; past newest first."""
    rows = in_force(staff).filter(date__gte=today - dt.timedelta(days=past_days),
                                  date__lte=today + dt.timedelta(days=ahead_days))
    shifts = [_local(a) for a in rows]
    upcoming = [s for s in shifts if s.assignment.date >= today]
    past = [s for s in reversed(shifts) if s.assignment.date < today]
    return upcoming, past


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    in_month: bool
    today: bool
    shifts: list[MyShift]
    leave: Leave | None = None  # approved, or asked for and not yet decided


def leave_between(staff: Staff, first: dt.date, last: dt.date) -> list[Leave]:
    """The person's leave overlapping these days, approved or still waiting."""
    return list(Leave.objects.filter(staff=staff, status__in=[Leave.Status.APPROVED, Leave.Status.REQUESTED],
                                     start_date__lte=last, end_date__gte=first).order_by("start_date"))


def month(staff: Staff, *, year: int, month_number: int, today: dt.date) -> list[list[CalendarDay]]:
    """The weeks (Monday first) of a month, each day with the person's shifts and leave."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month_number)
    first, last = weeks[0][0], weeks[-1][-1]
    by_day: dict[dt.date, list[MyShift]] = {}
    for a in in_force(staff).filter(date__range=(first, last)):
        by_day.setdefault(a.date, []).append(_local(a))
    off: dict[dt.date, Leave] = {}
    for leave in leave_between(staff, first, last):
        day = max(leave.start_date, first)
        while day <= min(leave.end_date, last):
            # Approved leave shows over a request for the same day.
            if day not in off or leave.status == Leave.Status.APPROVED:
                off[day] = leave
            day += dt.timedelta(days=1)
    return [[CalendarDay(d, d.month == month_number, d == today, by_day.get(d, []), off.get(d)) for d in week]
            for week in weeks]
