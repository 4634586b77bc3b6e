"""Telling the people a roster in force leaves without shifts, with the reason
(``roster/unrostered.py`` finds them; this module builds the problem to ask it)."""

from __future__ import annotations

from django.urls import reverse

from . import generation
from .models import Roster, Staff
from .notifications import notify_staff
from .solver import problem as sp
from .unrostered import Unrostered, without_shifts


def roster_without_shifts(roster: Roster) -> list[Unrostered]:
    """:func:`without_shifts` for a roster version as it stands (hand-edited or not)."""
    unit = roster.unit
    built = generation.build_problem(site=unit.site, units=[unit], start_date=roster.start_date, end_date=roster.end_date)
    by_pk = {t.pk: t.code for t in built.shift_types.values()}
    assignments = [
        sp.Assignment(str(staff), (day - roster.start_date).days, by_pk.get(shift, ""), str(unit.pk))
        for staff, day, shift in roster.assignments.values_list("staff_id", "date", "shift_type_id")
    ]
    return without_shifts(built, assignments, [unit])


def tell_without_shifts(roster: Roster) -> int:
    """On the first publication of a period: one message to each person of the unit the
    roster gives no shift while it gives shifts to others, with the reason. (A roster with
    no shifts at all leaves nobody out in particular: its empty days are the cover's
    business, named on the run page and the grid.) Returns how many were told."""
    if not roster.assignments.exists():
        return 0
    people = roster_without_shifts(roster)
    period = f"{roster.start_date:%d %b} to {roster.end_date:%d %b}"
    staff = {p.pk: p for p in Staff.objects.filter(pk__in=[u.staff_id for u in people]).select_related("user")}
    told = 0
    for idle in people:
        person = staff.get(idle.staff_id)
        if person is None or person.user_id is None:
            continue
        notify_staff(person, link=reverse("my-shifts"),
                     text=f"You have no shifts on the {roster.unit.name} roster for {period}, now in force: "
                          f"{idle.reason}. Ask your manager if you expected some.")
        told += 1
    return told
