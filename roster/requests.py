"""Staff requests: leave and shift preferences — asking, deciding, recording and cancelling.

Approving leave takes the person off the rosters in use on those days
(:mod:`roster.absence`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .absence import Release, label, release
from .access import can_manage_unit, staff_of
from .audit import audit_record, snapshot
from .decisions import decide, refuse_own
from .errors import Conflict, DomainError, NotAllowed
from .models import (
    Leave,
    Preference,
    ShiftType,
    Staff,
)
from .notifications import notify_managers, notify_staff
from .records import save_checked
from .timeutil import check_days


def _acting_for(actor: Any, staff: Staff) -> None:
    me = staff_of(actor)
    if (me is None or me.pk != staff.pk) and not can_manage_unit(actor, staff.home_unit_id):
        raise NotAllowed("You may only file requests for yourself.", field="staff")


@transaction.atomic
def leave_request(
    *, actor: Any, staff: Staff, kind: str, start_date: dt.date, end_date: dt.date, reason: str = ""
) -> Leave:
    _acting_for(actor, staff)
    check_days(start_date=start_date, end_date=end_date)
    if end_date < start_date:
        raise DomainError("Leave must end on or after its first day.", field="end_date")
    overlapping = Leave.objects.filter(
        staff=staff,
        status__in=[Leave.Status.REQUESTED, Leave.Status.APPROVED],
        start_date__lte=end_date,
        end_date__gte=start_date,
    )
    if overlapping.exists():
        raise Conflict("You already have leave requested or approved on some of these days.", field="start_date")
    leave = Leave(staff=staff, kind=kind, start_date=start_date, end_date=end_date, reason=reason)
    save_checked(leave, exclude=["decided_by", "decided_at"])
    audit_record(actor=actor, action="leave.request", obj=leave, after=snapshot(leave))
    return leave


@transaction.atomic
def leave_decide(*, actor: Any, leave: Leave, approve: bool, note: str = "") -> tuple[Leave, Release]:
    """The unit manager approves or declines a request; deciding twice is refused.

    Approving takes the person off every roster in use on those days
    (:mod:`roster.absence`), in the same transaction; the person is told either way.
    Returns the leave and what approving it took off.
    """

    if not can_manage_unit(actor, leave.staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may decide on leave.", field="leave")
    refuse_own(actor, leave.staff, what="leave", field="leave")
    if not approve and not note.strip():
        # The person is told: a refusal without a reason is no answer.
        raise DomainError("Say why the leave is declined: the person is told.", field="note")
    # The lock every change to a person's shifts takes: no swap or claim slips in between.
    Staff.objects.select_for_update().get(pk=leave.staff_id)
    leave = Leave.objects.select_for_update(of=("self",)).select_related("staff").get(pk=leave.pk)
    if leave.status != Leave.Status.REQUESTED:
        raise Conflict(f"This request was already {leave.status}.", field="status")
    status = Leave.Status.APPROVED if approve else Leave.Status.DECLINED
    # Taken off the rosters first, so the audit row can say what approving took off.
    released = release(actor=actor, leave=leave) if approve else Release()
    decide(leave, actor=actor, status=status, action=f"leave.{status}",
           rationale=" ".join(part for part in (note, released.summary()) if part))
    text = f"Your {leave.get_kind_display().lower()} ({_days(leave)}) was {leave.status}."
    if released.in_force:
        gone = released.in_force
        text += " Taken off your roster: " + ", ".join(label(a) for a in gone[:4])
        text += f" and {len(gone) - 4} more." if len(gone) > 4 else "."
    if note:
        text += f" {note}"
    notify_staff(leave.staff, text=text[:300], link=reverse("my-requests"))
    return leave, released


@transaction.atomic
def leave_record(
    *, actor: Any, staff: Staff, kind: str, start_date: dt.date, end_date: dt.date, reason: str = ""
) -> tuple[Leave, Release]:
    """A manager records leave on someone's behalf, approved at once: a call-out (sick
    tonight) or leave agreed in person. Their shifts on those days come off the rosters
    as with any approval (:func:`leave_decide`), in the same transaction."""
    if not can_manage_unit(actor, staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may record their leave.", field="staff")
    leave = leave_request(actor=actor, staff=staff, kind=kind, start_date=start_date, end_date=end_date,
                          reason=reason)
    return leave_decide(actor=actor, leave=leave, approve=True)


def _days(leave: Leave) -> str:
    if leave.start_date == leave.end_date:
        return f"{leave.start_date:%a %d %b}"
    return f"{leave.start_date:%a %d %b} to {leave.end_date:%a %d %b}"


@transaction.atomic
def leave_cancel(*, actor: Any, leave: Leave) -> Leave:
    _acting_for(actor, leave.staff)
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.status == Leave.Status.CANCELLED:
        raise Conflict("This request is already cancelled.", field="status")
    was_approved = leave.status == Leave.Status.APPROVED
    decide(leave, actor=actor, status=Leave.Status.CANCELLED, action="leave.cancel", stamp=("", ""))
    if was_approved:
        # Approving took them off the rosters: their managers may want them back.
        staff = leave.staff
        notify_managers(
            staff.home_unit, exclude=[actor], link=reverse("roster-list", args=[staff.home_unit_id]),
            text=f"{staff} cancelled approved leave ({_days(leave)}): available again; "
                 "shifts taken off for it were not put back.",
        )
    return leave


@transaction.atomic
def preference_decide(*, actor: Any, preference: Preference, approve: bool, note: str = "") -> Preference:
    """A unit manager accepts or declines a shift preference (a declined one no longer
    weighs in the solver)."""
    if not can_manage_unit(actor, preference.staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may decide on preferences.", field="preference")
    refuse_own(actor, preference.staff, what="a preference", field="preference")
    preference = Preference.objects.select_for_update().get(pk=preference.pk)
    if preference.status != Preference.Status.REQUESTED:
        raise Conflict(f"This preference was already {preference.status}.", field="status")
    status = Preference.Status.APPROVED if approve else Preference.Status.DECLINED
    decide(preference, actor=actor, status=status, action=f"preference.{status}", note=note)
    notify_staff(preference.staff, link=reverse("my-requests"),
                 text=(f"Your preference for {preference.date:%a %d %b} was {preference.status}."
                       + (f" {note}" if note else ""))[:300])
    return preference


@transaction.atomic
def preference_create(
    *, actor: Any, staff: Staff, day: dt.date, kind: str, weight: int = 1, shift_type: ShiftType | None = None
) -> Preference:
    _acting_for(actor, staff)
    if shift_type is not None and shift_type.site_id != staff.home_unit.site_id:
        raise DomainError("This shift type belongs to another site.", field="shift_type")
    if day < timezone.localdate():
        raise DomainError("A preference is for a day still to come.", field="date")
    # One wish per person, day and shift: a second would only weigh the same twice.
    Staff.objects.select_for_update().get(pk=staff.pk)
    if Preference.objects.filter(staff=staff, date=day, shift_type=shift_type).exclude(
            status=Preference.Status.DECLINED).exists():
        raise Conflict("You already have a preference for this day and shift; withdraw it to change it.",
                       field="date")
    pref = Preference(staff=staff, date=day, kind=kind, weight=weight, shift_type=shift_type)
    save_checked(pref)
    audit_record(actor=actor, action="preference.create", obj=pref, after=snapshot(pref))
    return pref


@transaction.atomic
def preference_withdraw(*, actor: Any, preference: Preference) -> None:
    """The person takes back a preference for a day still to come (asked for or
    accepted); it weighs in no roster from then on."""
    _acting_for(actor, preference.staff)
    preference = Preference.objects.select_for_update().get(pk=preference.pk)
    if preference.date < timezone.localdate():
        raise Conflict("That day has passed.", field="preference")
    audit_record(actor=actor, action="preference.withdraw", obj=preference, before=snapshot(preference))
    preference.delete()
