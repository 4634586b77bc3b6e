"""Every write to the roster data goes through one function here.

Each function is atomic, takes the acting user as a required keyword, checks that the
user may make the change, and records an AuditEvent in the same transaction. The pages,
the API, Celery tasks and management commands all call these; none re-implements them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from . import placement, rulebook, rules
from .access import can_change, can_manage_unit, staff_of
from .audit import audit_record, snapshot
from .errors import Conflict, DomainError, NotAllowed, RuleViolation, Stale
from .models import (
    Assignment,
    CoverageRequirement,
    Leave,
    Preference,
    Roster,
    ShiftType,
    Staff,
    Unit,
    Waiver,
)
from .notifications import notify_managers, notify_staff
from .timeutil import check_days, shift_interval

if TYPE_CHECKING:
    from .absence import Release

M = TypeVar("M", bound=models.Model)


def _validation_to_domain(exc: ValidationError) -> DomainError:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return DomainError(" ".join(e.messages[0] for e in errors), field=field)
    return DomainError(" ".join(exc.messages))


def _save_checked(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """Validate then save; constraint failures become domain errors naming the field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise _validation_to_domain(exc) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(f"This change conflicts with existing data: {exc.args[0]}".splitlines()[0]) from exc


def live_changed(*roster_ids: int) -> None:
    """Record that the shifts of these versions changed in place, where they are in force
    (see ``roster_publish``: a draft made before then would undo the change)."""
    Roster.objects.filter(pk__in=roster_ids, status=Roster.Status.PUBLISHED).update(live_changed_at=timezone.now())


# --- plain records (reference data and rules) --------------------------------------

@transaction.atomic
def record_create(*, actor: Any, model: type[M], data: dict[str, Any]) -> M:
    """Create one row of ``model`` from validated ``data``; many-to-many values allowed."""
    m2m = {f.name: data.pop(f.name) for f in model._meta.many_to_many if f.name in data}
    obj = model(**data)
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not create this {model._meta.verbose_name}.")
    _save_checked(obj)
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    audit_record(actor=actor, action="create", obj=obj, after=snapshot(obj))
    record_saved(actor=actor, obj=obj, before=None)
    return obj


def record_saved(*, actor: Any, obj: models.Model, before: dict[str, Any] | None) -> None:
    """What saving a plain record means for the rosters, however it was saved (the API's
    ``record_create``/``record_update``, or the admin): someone marked as no longer active
    comes off every roster in use from today on; a cover minimum set or changed after
    publication is offered or withdrawn at once. Call in the saving transaction, holding
    the row's lock; ``before`` is the row as it was (None when created)."""
    if isinstance(obj, Staff) and before is not None and before.get("active") and not obj.active:
        from .absence import release_departure

        release_departure(actor=actor, staff=obj)
    if isinstance(obj, CoverageRequirement):
        from .marketplace import cover_changed

        cover_changed(actor=actor, requirement=obj)


@transaction.atomic
def record_update(*, actor: Any, instance: M, data: dict[str, Any]) -> M:
    model = type(instance)
    obj: M = model._default_manager.select_for_update().get(pk=instance.pk)
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not change this {model._meta.verbose_name}.")
    before = snapshot(obj)
    m2m = {f.name: data.pop(f.name) for f in model._meta.many_to_many if f.name in data}
    for key, value in data.items():
        setattr(obj, key, value)
    # Moving a row must keep it inside the user's scope, too.
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not move this {model._meta.verbose_name} there.")
    _save_checked(obj)
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    audit_record(actor=actor, action="update", obj=obj, before=before, after=snapshot(obj))
    record_saved(actor=actor, obj=obj, before=before)
    return obj


@transaction.atomic
def record_delete(*, actor: Any, instance: models.Model) -> None:
    if not can_change(actor, instance):
        raise NotAllowed(f"You may not delete this {instance._meta.verbose_name}.")
    before = snapshot(instance)
    audit_record(actor=actor, action="delete", obj=instance, before=before)
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as exc:
        raise Conflict(f"This {instance._meta.verbose_name} is still in use and cannot be deleted.") from exc


# --- fatigue rules and rule checks -------------------------------------------------

def _as_rule_shift(a: Assignment) -> rules.Shift:
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
        shifts=[_as_rule_shift(a) for a in others],
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
    why = "is not in the float pool" if staff.home_unit.site_id == unit.site_id else "works at another site"
    return [rules.Breach(rulebook.UNIT_ACCESS, f"{staff} belongs to {staff.home_unit.name} and {why}")]


def _unwaived(breaches: list[rules.Breach], waiver: Waiver | None) -> list[rules.Breach]:
    return [b for b in breaches if not (waiver is not None and b.waivable and b.rule == waiver.rule)]


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
    fatigue, leave or certification rule broken unless ``waiver`` covers exactly that rule.
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
        from .marketplace import withdraw_filled

        withdraw_filled(actor=actor, roster=roster, day=day)
    return assignment


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
    from .swaps import withdraw_open_on

    withdraw_open_on([assignment.pk], actor=actor, reason="the shift was taken off the roster")
    audit_record(actor=actor, action="assignment.delete", obj=assignment, before=snapshot(assignment))
    assignment.delete()
    live_changed(assignment.roster_id)


@transaction.atomic
def waiver_record(*, actor: Any, staff: Staff, day: dt.date, rule: str, reason: str) -> Waiver:
    """A manager's recorded exception to one waivable hard rule, for one person and day."""
    if not can_manage_unit(actor, staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may record a waiver.", field="staff")
    check_days(date=day)
    if rule not in rulebook.RULES:
        raise DomainError(f"Unknown rule {rule!r}.", field="rule")
    if not rulebook.is_waivable(rule):
        raise DomainError(f"{rulebook.label(rule)} cannot be waived.", field="rule")
    if not reason.strip():
        raise DomainError("A waiver needs a reason.", field="reason")
    waiver = Waiver.objects.create(staff=staff, date=day, rule=rule, reason=reason.strip(), approved_by=actor)
    audit_record(actor=actor, action="waiver.create", obj=waiver, after=snapshot(waiver), rationale=reason)
    return waiver


# --- rosters ---------------------------------------------------------------------

@transaction.atomic
def roster_create(*, actor: Any, unit: Unit, start_date: dt.date, end_date: dt.date) -> Roster:
    """A new draft version of the unit's roster for the period (copying the one in force)."""
    if not can_manage_unit(actor, unit.pk):
        raise NotAllowed("You may not create rosters for this unit.", field="unit")
    check_days(start_date=start_date, end_date=end_date)
    if end_date < start_date:
        raise DomainError("The roster must end on or after its start.", field="end_date")
    if (end_date - start_date).days > 62:
        raise DomainError("A roster covers at most 9 weeks.", field="end_date")
    # Lock the unit so two managers creating versions at once get distinct numbers.
    Unit.objects.select_for_update().get(pk=unit.pk)
    previous = Roster.objects.filter(unit=unit, start_date=start_date).order_by("-version").first()
    published = Roster.objects.filter(unit=unit, start_date=start_date, status=Roster.Status.PUBLISHED).first()
    roster = Roster.objects.create(
        unit=unit,
        start_date=start_date,
        end_date=end_date,
        version=(previous.version + 1) if previous else 1,
        based_on=published,
        created_by=actor,
    )
    if published is not None:
        Assignment.objects.bulk_create(
            Assignment(
                roster=roster, staff_id=a.staff_id, shift_type_id=a.shift_type_id, date=a.date,
                starts_at=a.starts_at, ends_at=a.ends_at, live=False, waiver_id=a.waiver_id,
            )
            for a in published.assignments.filter(date__range=(start_date, end_date))
        )
    audit_record(actor=actor, action="roster.create", obj=roster, after=snapshot(roster))
    return roster


def stale_reason(draft: Roster, in_force: list[Roster] | None = None) -> str | None:
    """What publishing ``draft`` would undo, or None: a version published after the draft
    was made, or shifts of the version in force changed in place since then."""
    if in_force is None:
        in_force = list(Roster.objects.filter(unit=draft.unit_id, start_date=draft.start_date,
                                              status=Roster.Status.PUBLISHED))
    # A solver's draft holds the version in force as it was when the run started.
    starts = [t for t in draft.solver_runs.values_list("started_at", flat=True) if t is not None]
    made = min([draft.created_at, *starts])
    for current in in_force:
        if draft.based_on_id != current.pk:
            return f"Version {current.version} was published after this draft was made: publishing this one would undo it."
        if current.live_changed_at is not None and current.live_changed_at > made:
            return (f"Version {current.version} has changed since this draft was made (a swap, a claimed open shift "
                    "or an edit): publishing this one would undo those changes.")
    return None


@transaction.atomic
def roster_publish(*, actor: Any, roster: Roster, replace_changes: bool = False) -> Roster:
    """Freeze a draft version and put it in force, archiving the version it replaces.

    Its assignments become live in the same transaction; if a float-pool person is
    already working an overlapping live shift elsewhere, the database refuses and
    nothing changes.

    A draft made before the version in force was published, or before its shifts last
    changed in place (a swap, a claimed open shift), would silently undo those changes:
    it is refused (``Stale``) unless the manager confirms with ``replace_changes``.
    """
    if not can_manage_unit(actor, roster.unit_id):
        raise NotAllowed("You may not publish this roster.", field="roster")
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if roster.status != Roster.Status.DRAFT:
        raise Conflict(f"Only a draft can be published; this version is {roster.status}.", field="status")
    in_force = list(Roster.objects.select_for_update().filter(
        unit=roster.unit, start_date=roster.start_date, status=Roster.Status.PUBLISHED
    ))
    from .absence import label, on_leave_in

    if on_leave := on_leave_in(roster):
        shown = "; ".join(f"{a.staff}, {label(a)}" for a in on_leave[:5])
        more = f" and {len(on_leave) - 5} more" if len(on_leave) > 5 else ""
        raise Conflict(f"This version rosters people on approved leave ({shown}{more}). "
                       "Take those shifts off before publishing.", field="assignments")
    reason = stale_reason(roster, in_force)
    if reason and not replace_changes:
        raise Stale(reason)
    before = snapshot(roster)
    for old in in_force:
        old.assignments.update(live=False)
        old.status = Roster.Status.ARCHIVED
        old.save(update_fields=["status"])
        audit_record(actor=actor, action="roster.archive", obj=old, after={"status": "archived"})
    try:
        with transaction.atomic():
            roster.assignments.update(live=True)
    except IntegrityError as exc:
        raise Conflict(
            "Someone on this roster already works an overlapping shift in another unit.", field="assignments"
        ) from exc
    roster.status = Roster.Status.PUBLISHED
    roster.published_at = timezone.now()
    roster.published_by = actor
    roster.save(update_fields=["status", "published_at", "published_by"])
    # What the roster leaves uncovered is offered to everyone eligible at once.
    from .marketplace import post_shortfalls

    post_shortfalls(actor=actor, roster=roster)
    audit_record(actor=actor, action="roster.publish", obj=roster, before=before, after=snapshot(roster),
                 rationale="published over later changes, confirmed" if replace_changes and in_force else "")
    return roster


# --- leave and preferences ---------------------------------------------------------

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
    _save_checked(leave, exclude=["decided_by", "decided_at"])
    audit_record(actor=actor, action="leave.request", obj=leave, after=snapshot(leave))
    return leave


@transaction.atomic
def leave_decide(*, actor: Any, leave: Leave, approve: bool, note: str = "") -> tuple[Leave, Release]:
    """The unit manager approves or declines a request; deciding twice is refused.

    Approving takes the person off every roster in use on those days
    (:mod:`roster.absence`), in the same transaction; the person is told either way.
    Returns the leave and what approving it took off.
    """
    from .absence import Release, label, release

    if not can_manage_unit(actor, leave.staff.home_unit_id):
        raise NotAllowed("Only a manager of this person's unit may decide on leave.", field="leave")
    # The lock every change to a person's shifts takes: no swap or claim slips in between.
    Staff.objects.select_for_update().get(pk=leave.staff_id)
    leave = Leave.objects.select_for_update(of=("self",)).select_related("staff").get(pk=leave.pk)
    if leave.status != Leave.Status.REQUESTED:
        raise Conflict(f"This request was already {leave.status}.", field="status")
    before = snapshot(leave)
    leave.status = Leave.Status.APPROVED if approve else Leave.Status.DECLINED
    leave.decided_by = actor
    leave.decided_at = timezone.now()
    leave.save(update_fields=["status", "decided_by", "decided_at"])
    released = release(actor=actor, leave=leave) if approve else Release()
    audit_record(
        actor=actor, action=f"leave.{leave.status}", obj=leave, before=before, after=snapshot(leave),
        rationale=" ".join(part for part in (note, released.summary()) if part),
    )
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
    before = snapshot(leave)
    was_approved = leave.status == Leave.Status.APPROVED
    leave.status = Leave.Status.CANCELLED
    leave.save(update_fields=["status"])
    audit_record(actor=actor, action="leave.cancel", obj=leave, before=before, after=snapshot(leave))
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
    preference = Preference.objects.select_for_update().get(pk=preference.pk)
    if preference.status != Preference.Status.REQUESTED:
        raise Conflict(f"This preference was already {preference.status}.", field="status")
    before = snapshot(preference)
    preference.status = Preference.Status.APPROVED if approve else Preference.Status.DECLINED
    preference.save(update_fields=["status"])
    audit_record(actor=actor, action=f"preference.{preference.status}", obj=preference, before=before,
                 after=snapshot(preference), rationale=note)
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
    pref = Preference(staff=staff, date=day, kind=kind, weight=weight, shift_type=shift_type)
    _save_checked(pref)
    audit_record(actor=actor, action="preference.create", obj=pref, after=snapshot(pref))
    return pref
