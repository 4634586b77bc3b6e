"""A published week of the North ICU with a call-out to fill, for the backfill tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from allocation.models.backfill import OfferPolicy, Vacancy
from roster.editing import assignment_create
from roster.models import CoverageRequirement, Roster, Staff
from roster.requests import leave_record
from roster.rosters import roster_publish
from tests import factories as f


def upcoming_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def week(world, unit=None, *people_days) -> Roster:
    """A published week of ``unit`` (the ICU) with (person, day offset, shift) assigned."""
    unit = unit or world.icu
    start = upcoming_monday()
    roster = f.RosterFactory(unit=unit, start_date=start, end_date=start + dt.timedelta(days=6))
    for person, offset, shift in people_days:
        assignment_create(actor=world.admin, roster=roster, staff=person, shift_type=shift,
                          day=start + dt.timedelta(days=offset))
    return roster_publish(actor=world.admin, roster=roster)


def nurse(world, name: str, unit=None, **kw) -> Staff:
    person = f.StaffFactory(user=f.UserFactory(username=name), home_unit=unit or world.icu, first_name=name.title(),
                            last_name="Backfill", **{"role": "RN", **kw})
    f.grant(person.user, "staff")
    return person


def call_out(world, policy: str | None = "waves", **policy_fields) -> Vacancy:
    """The nurse works Wednesday's day shift, alone against a minimum of one RN, and calls
    in sick: the place becomes a vacancy of the ICU (under ``policy``)."""
    if policy:
        OfferPolicy.objects.update_or_create(unit=world.icu, defaults={"kind": policy, **policy_fields})
    roster = week(world, None, (world.nurse, 2, world.day))
    wed = roster.start_date + dt.timedelta(days=2)
    CoverageRequirement.objects.create(unit=world.icu, date=wed, shift_type=world.day, role="RN",
                                       minimum=1, preferred=1, maximum=3)
    leave_record(actor=world.manager, staff=world.nurse, kind="sick", start_date=wed, end_date=wed)
    return Vacancy.objects.get(date=wed)
