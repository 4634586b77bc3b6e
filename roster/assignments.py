"""A person's shifts against the rulebook, and the primitives every change of shifts uses.

``check_assignment`` is the one answer to "may this person work this shift here" for a
change to a roster (manual edits, claims, swaps and eligibility all ask it);
``assignment_insert`` writes an assignment already checked; ``live_changed`` marks a
version in force as changed in place. The manager's manual edits built on these are in
:mod:`roster.editing`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import placement, rulebook, rules
from .access import can_manage_unit
from .audit import audit_record, snapshot
from .errors import Conflict, DomainError, NotAllowed
from .models import (
    REASON_MAX,
    Assignment,
    Leave,
    Roster,
    ShiftType,
    Staff,
    Unit,
    Waiver,
)
from .timeutil import check_days, shift_interval


def live_changed(*roster_ids: int) -> None:
    """Record that the shifts of these versions changed in place, where they are in force
    (see ``roster_publish``: a draft made before then would undo the change)."""
    Roster.objects.filter(pk__in=roster_ids, status=Roster.Status.PUBLISHED).update(live_changed_at=timezone.now())


def rule_shift(a: Assignment) -> rules.Shift:
    """A stored shift as the rules see it (real instants, the day it starts)."""
    return rules.Shift(a.date, a.starts_at, a.ends_at, a.shift_type.is_night, a.shift_type.code)


def approved_leave_days(staff: Staff, lo: dt.date, hi: dt.date) -> set[dt.date]:
    """The days from ``lo`` to ``hi`` the person is on approved leave."""
    days: set[dt.date] = set()
    for leave in Leave.objects.filter(staff=staff, status=Leave.Status.APPROVED, start_date__lte=hi,
                                      end_date__gte=lo):
        d = leave.start_date
        while d <= leave.end_date:
            days.add(d)
            d += dt.timedelta(days=1)
    return days


def check_assignment(
    *, staff: Staff, roster: Roster, shift_type: ShiftType, day: dt.date, exclude_pk: int | None = None
) -> list[rules.Breach]:
    """Every hard rule that assigning ``staff`` to this shift would break.

    The person's other shifts are those in force (live) plus those of this roster
    version, eight days either side: the widest window any rule looks at.
    """
    site = roster.unit.site
    starts_at, ends_at = shift_interval(day, shift_type.start_time, shift_type.duration_minutes, site.timezone)
    lo, hi = day - dt.timedelta(days=8), day + dt.timedelta(days=8)
    others = (
        Assignment.objects.filter(staff=staff, date__range=(lo, hi))
        .filter(models.Q(live=True) | models.Q(roster=roster))
        .select_related("shift_type")
    )
    if roster.status == Roster.Status.DRAFT and roster.based_on_id:
        # A draft replaces its predecessor: the predecessor's shifts are not extra work.
        others = others.exclude(roster_id=roster.based_on_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    leave_days = approved_leave_days(staff, lo, hi)
    # Certifications matter per slot (an ACLS holder on every shift): the coverage row and
    # the solver count only people whose certificate is valid that day. A lapsed one does
    # not bar a person from work that does not need it.
    person = rules.Person(
        shifts=[rule_shift(a) for a in others],
        leave_days=leave_days,
        placement=placement_breaches(staff, roster.unit),
    )
    proposed = rules.Shift(
        day, starts_at, ends_at, shift_type.is_night, shift_type.code, rostered_minutes=shift_type.duration_minutes
    )
    return rules.check_shift(person, proposed, placement.limits_for(staff, roster.unit))


def placement_breaches(staff: Staff, unit: Unit) -> list[rules.Breach]:
    """The rulebook's "may work in this unit", as a breach to report."""
    if placement.may_work_in(staff, unit):
        return []
    why = (f"is neither in the float pool nor cross-trained for {unit.name}"
           if staff.home_unit.site_id == unit.site_id else "works at another site")
    return [rules.Breach(rulebook.UNIT_ACCESS, f"{staff} belongs to {staff.home_unit.name} and {why}")]


def assignment_insert(
    *,
    actor: Any,
    roster: Roster,
    staff: Staff,
    shift_type: ShiftType,
    day: dt.date,
    waiver: Waiver | None = None,
) -> Assignment:
    """Write an assignment already decided and checked (under the person's row lock) by
    the caller — ``assignment_create``, or a claim or swap with its own permission rules —
    and audit it. The exclusion constraints still refuse an overlap on PostgreSQL."""
    starts_at, ends_at = shift_interval(
        day, shift_type.start_time, shift_type.duration_minutes, roster.unit.site.timezone
    )
    assignment = Assignment(
        roster=roster,
        staff=staff,
        shift_type=shift_type,
        date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        live=roster.status == Roster.Status.PUBLISHED,
        waiver=waiver,
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise Conflict(f"{staff} already has an overlapping shift.", field="staff") from exc
    audit_record(actor=actor, action="assignment.create", obj=assignment, after=snapshot(assignment))
    live_changed(roster.pk)
    return assignment


@transaction.atomic
def waiver_record(
    *, actor: Any, staff: Staff, day: dt.date, reason: str, rule: str = "", rules: Sequence[str] = ()
) -> Waiver:
    """A manager's recorded exception to waivable hard rules, for one person and day:
    ``rule``, or every one of ``rules`` (one change may break two limits at once; one
    decision, one reason, one waiver). All of them must be waivable, or nothing is kept."""
    if not can_manage_unit(actor, staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may record a waiver.", field="staff")
    check_days(date=day)
    codes = list(dict.fromkeys([*([rule] if rule else []), *rules]))
    if not codes:
        raise DomainError("Name the rule to waive.", field="rule")
    for code in codes:
        if code not in rulebook.RULES:
            raise DomainError(f"Unknown rule {code!r}.", field="rule")
        if not rulebook.is_waivable(code):
            raise DomainError(f"{rulebook.label(code)} cannot be waived.", field="rule")
    if not reason.strip():
        raise DomainError("A waiver needs a reason.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"A reason is at most {REASON_MAX} characters.", field="reason")
    waiver = Waiver.objects.create(
        staff=staff, date=day, rule=codes[0], rules=codes, reason=reason.strip(), approved_by=actor
    )
    audit_record(actor=actor, action="waiver.create", obj=waiver, after=snapshot(waiver), rationale=reason)
    return waiver
