"""People of a unit a roster gives no shift at all for its whole period, and why.

A manager sees them listed on the generation's page (with the reason), and on first
publication of a period that gives others shifts, each of them gets one inbox message
saying so, with the reason: nobody is left to find out by an empty "My shifts". (A later version that takes every
shift away from someone is already told to them as shifts removed.)

The reason is worked out on the same problem the solver saw (roster/generation.py's
``build_problem``), in this order: working elsewhere the whole period (not listed at
all); on leave every day; not allowed in the unit; no cover of the period asks for their
role, skills or certifications (e.g. an LPN when every cover line asks for RNs); their
contract asks for no hours and the cover was met without them; otherwise the rules
(rest, hours, days off) left no place they could fill.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from .models import Roster, Staff, Unit
from .notifications import notify_staff
from .solver import derive
from .solver import problem as sp

if TYPE_CHECKING:
    from .generation import Built


@dataclass(frozen=True)
class Unrostered:
    staff_id: int
    name: str
    role: str
    unit: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"staff_id": self.staff_id, "name": self.name, "role": self.role, "unit": self.unit,
                "reason": self.reason}


def _role_name(role: str) -> str:
    return Staff.Role(role).label.lower() if role in Staff.Role.values else (role or "staff")


def _reason(problem: sp.Problem, person: sp.Staff, units: set[str]) -> str:
    days = problem.num_days
    off = [d for d in range(days) if d in person.days_off]
    elsewhere = [d for d in range(days) if d in person.fixed]
    if len(set(off) | set(elsewhere)) >= days and off:
        return "on leave (or working elsewhere) every day of the period"
    allowed = units if person.allowed_units is None else units & set(person.allowed_units)
    if not allowed:
        return "may not work in this unit"
    asked = [r for r in problem.coverage if r.unit in allowed and r.minimum + (r.preferred or 0) > 0]
    if not any(derive.holds_what_requirement_needs(person, r) for r in asked):
        what = f"a {_role_name(person.role)}"
        extra = " or for their skills and certifications" if person.skills or person.certifications else ""
        return f"no cover of this period asks for {what}{extra}"
    note = f" (on leave {len(off)} of {days} days)" if off else ""
    if person.contract.min_total_minutes <= 0:
        return f"the cover asked for was met without them; their contract sets no minimum hours{note}"
    return f"no shift fitted the rules (rest, hours, days off, requests) alongside the cover asked for{note}"


def without_shifts(built: Built, assignments: Iterable[sp.Assignment], units: Iterable[Unit]) -> list[Unrostered]:
    """The home staff of ``units`` with no shift anywhere in the period, with the reason.
    People who work elsewhere for part of it (another unit's roster) are not listed."""
    unit_ids = {str(u.pk) for u in units}
    working = {a.staff for a in assignments}
    problem = built.problem
    out = []
    for person in problem.staff:
        if person.home_unit not in unit_ids or person.id in working:
            continue
        if any(0 <= d < problem.num_days for d in person.fixed):
            continue
        row = built.staff[person.id]
        if row.float_pool:
            continue  # the site's float pool is placed wherever it is needed, not a unit's own
        out.append(Unrostered(row.pk, str(row), person.role, row.home_unit.name,
                              _reason(problem, person, unit_ids)))
    return sorted(out, key=lambda u: (u.role, u.name))


def roster_without_shifts(roster: Roster) -> list[Unrostered]:
    """:func:`without_shifts` for a roster version as it stands (hand-edited or not)."""
    from .generation import build_problem  # generation imports roster versions

    unit = roster.unit
    built = build_problem(site=unit.site, units=[unit], start_date=roster.start_date, end_date=roster.end_date)
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
