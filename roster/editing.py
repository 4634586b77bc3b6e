"""A manager's manual edits of a roster: put someone on a shift, change their day, take
a shift off. Each is atomic, audited, checked against every hard rule under the
person's row lock, and refused with every rule it would break unless a waiver covers it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from . import rulebook, rules
from .access import can_manage_unit
from .assignments import assignment_insert, check_assignment, live_changed
from .audit import audit_record, snapshot
from .errors import DomainError, NotAllowed, RuleViolation
from .marketplace import withdraw_filled
from .models import (
    Assignment,
    Roster,
    ShiftType,
    Staff,
    Waiver,
)
from .swaps import withdraw_open_on


def _unwaived(breaches: list[rules.Breach], waiver: Waiver | None) -> list[rules.Breach]:
    """The breaches ``waiver`` does not lift: those of rules it does not name, and any
    rule nobody may waive."""
    covered = set(waiver.covers) if waiver is not None else set()
    return [b for b in breaches if not (b.waivable and b.rule in covered)]


@dataclass(frozen=True)
class WaiverOffer:
    """What one waiver must name to let a refused change through: every rule it breaks."""

    rules: list[str]
    labels: list[str]


def waiver_offer(breaches: list[rules.Breach]) -> tuple[WaiverOffer | None, str]:
    """One waiver naming every broken rule when each may be waived (a short turnaround
    that also takes the week past its hours is one decision); otherwise no offer, and
    why in a sentence: the rules nobody may waive."""
    fixed = list(dict.fromkeys(b.rule for b in breaches if not b.waivable))
    if fixed:
        names = " and ".join(f"“{rulebook.label(code)}”" for code in fixed)
        return None, f"No waiver can allow this change: {names} cannot be waived."
    codes = list(dict.fromkeys(b.rule for b in breaches))
    if not codes:
        return None, ""
    return WaiverOffer(codes, [rulebook.label(code) for code in codes]), ""


@transaction.atomic
def assignment_create(
    *,
    actor: Any,
    roster: Roster,
    staff: Staff,
    shift_type: ShiftType,
    day: dt.date,
    waiver: Waiver | None = None,
) -> Assignment:
    """Assign a person to a shift, or refuse with every hard rule it would break.

    Guarantees: no overlap with the person's live shifts or this roster's (checked here
    under a row lock on the person, and by exclusion constraints on PostgreSQL); no hard
    fatigue, leave or certification rule broken unless ``waiver`` names that rule (a waiver
    may name several: each broken waivable rule must be among them).
    """
    if not can_manage_unit(actor, roster.unit_id):
        raise NotAllowed("You may not change this roster.", field="roster")
    if roster.status == Roster.Status.ARCHIVED:
        raise DomainError("An archived roster cannot be changed.", field="roster")
    if not (roster.start_date <= day <= roster.end_date):
        raise DomainError(f"{day} is outside the roster's period.", field="date")
    if shift_type.site_id != roster.unit.site_id:
        raise DomainError("This shift type belongs to another site.", field="shift_type")
    if waiver is not None and (waiver.staff_id != staff.pk or waiver.date != day):
        raise DomainError("This waiver is for another person or day.", field="waiver")
    # Serialise every change to one person's shifts: two managers assigning the same
    # nurse at once would each pass the checks below on their own.
    Staff.objects.select_for_update().get(pk=staff.pk)
    breaches = _unwaived(check_assignment(staff=staff, roster=roster, shift_type=shift_type, day=day), waiver)
    if breaches:
        raise RuleViolation(breaches)
    assignment = assignment_insert(actor=actor, roster=roster, staff=staff, shift_type=shift_type, day=day,
                                   waiver=waiver)
    if roster.status == Roster.Status.PUBLISHED:
        # Someone put on a shift in force by hand may fill a place still on offer.

        withdraw_filled(actor=actor, roster=roster, day=day)
    return assignment


@transaction.atomic
def assignment_set(
    *,
    actor: Any,
    roster: Roster,
    staff: Staff,
    day: dt.date,
    shift_type: ShiftType | None,
    waiver: Waiver | None = None,
) -> Assignment | None:
    """Make a person's day in a roster version what the manager chose: a shift, or off.

    Replaces whatever the person had that day in this version, atomically: if the new
    shift breaks a rule, the old one stays.
    """
    Staff.objects.select_for_update().get(pk=staff.pk)
    current = Assignment.objects.filter(roster=roster, staff=staff, date=day).first()
    if current is not None and shift_type is not None and current.shift_type_id == shift_type.pk:
        return current
    if current is not None:
        assignment_delete(actor=actor, assignment=current)
    if shift_type is None:
        return None
    return assignment_create(actor=actor, roster=roster, staff=staff, shift_type=shift_type, day=day, waiver=waiver)


@transaction.atomic
def assignment_delete(*, actor: Any, assignment: Assignment) -> None:
    if not can_manage_unit(actor, assignment.roster.unit_id):
        raise NotAllowed("You may not change this roster.", field="roster")
    if assignment.roster.status == Roster.Status.ARCHIVED:
        raise DomainError("An archived roster cannot be changed.", field="roster")

    withdraw_open_on([assignment.pk], actor=actor, reason="the shift was taken off the roster")
    audit_record(actor=actor, action="assignment.delete", obj=assignment, before=snapshot(assignment))
    assignment.delete()
    live_changed(assignment.roster_id)
