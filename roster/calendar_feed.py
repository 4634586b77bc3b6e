"""A person's iCalendar feed at a secret address; resetting the address retires the old.

The feed is built with the ``icalendar`` library from the shifts in force, as real
instants (UTC), so calendar apps show them right across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from .access import staff_of
from .audit import audit_record
from .errors import NotAllowed
from .models import CalendarFeed, Leave, Staff
from .my_shifts import in_force

PAST_DAYS = 60
AHEAD_DAYS = 365


def _token() -> str:
    return secrets.token_urlsafe(32)


def feed_of(staff: Staff) -> CalendarFeed:
    """The person's feed, created on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(staff=staff, defaults={"token": _token()})
    return feed


@transaction.atomic
def feed_reset(*, actor: Any, staff: Staff) -> CalendarFeed:
    """A new secret address for one's own feed; the old one stops working at once."""
    if staff_of(actor) != staff:
        raise NotAllowed("Only the person can reset their calendar address.", field="staff")
    feed = feed_of(staff)
    feed.token = _token()
    feed.save(update_fields=["token"])
    audit_record(actor=actor, action="calendar_feed.reset", obj=feed, after={"staff": staff.pk})
    return feed


def staff_by_token(token: str) -> Staff | None:
    feed = CalendarFeed.objects.select_related("staff").filter(token=token).first()
    return feed.staff if feed is not None and feed.staff.active else None


def ics(staff: Staff, *, today: dt.date | None = None) -> bytes:
    """The person's shifts in force and approved leave as an iCalendar document."""
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//Headroom//Shifts//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Shifts: {staff.full_name}")
    rows = in_force(staff).filter(date__gte=today - dt.timedelta(days=PAST_DAYS),
                                  date__lte=today + dt.timedelta(days=AHEAD_DAYS))
    stamp = timezone.now()
    for a in rows:
        event = Event()
        event.add("uid", f"assignment-{a.pk}@headroom")
        event.add("dtstamp", stamp)
        event.add("dtstart", a.starts_at.astimezone(dt.UTC))
        event.add("dtend", a.ends_at.astimezone(dt.UTC))
        event.add("summary", f"{a.shift_type.name} ({a.shift_type.code}) · {a.roster.unit.name}")
        event.add("location", f"{a.roster.unit.name}, {a.roster.unit.site.name}")
        cal.add_component(event)
    # Approved leave as all-day events (the end date is exclusive in iCalendar).
    for leave in Leave.objects.filter(staff=staff, status=Leave.Status.APPROVED,
                                      end_date__gte=today - dt.timedelta(days=PAST_DAYS),
                                      start_date__lte=today + dt.timedelta(days=AHEAD_DAYS)):
        event = Event()
        event.add("uid", f"leave-{leave.pk}@headroom")
        event.add("dtstamp", stamp)
        event.add("dtstart", leave.start_date)
        event.add("dtend", leave.end_date + dt.timedelta(days=1))
        event.add("summary", leave.get_kind_display())
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())
