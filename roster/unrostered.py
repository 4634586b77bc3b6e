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
from typing import Any

from .models import Staff, Unit
from .solver import derive
from .solver import problem as sp


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


def without_shifts(built: Any, assignments: Iterable[sp.Assignment], units: Iterable[Unit]) -> list[Unrostered]:
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
