"""Roster versions: a new draft, what publishing it would undo, and putting it in force.

Version numbers of a unit's roster for a period are assigned by one function,
:func:`version_number`, under the unit's row lock, whoever makes the version (a
manager, or the solver writing its draft).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .absence import label, on_leave_in
from .access import can_manage_unit
from .audit import audit_record, snapshot
from .errors import Conflict, DomainError, NotAllowed, Stale
from .marketplace import post_shortfalls
from .models import (
    Assignment,
    AuditEvent,
    Roster,
    Staff,
    Unit,
)
from .notifications import notify_staff
from .timeutil import check_days
from .unrostered_notice import tell_without_shifts
from .versions import version_number


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
    version = version_number(unit, start_date)  # locks the unit first
    published = Roster.objects.filter(unit=unit, start_date=start_date, status=Roster.Status.PUBLISHED).first()
    roster = Roster.objects.create(
        unit=unit,
        start_date=start_date,
        end_date=end_date,
        version=version,
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


Key = tuple[int, dt.date]  # (staff, day)


def _shifts_by_key(roster: Roster) -> dict[Key, Assignment]:
    return {(a.staff_id, a.date): a for a in roster.assignments.select_related("staff", "shift_type")}


def _made_at(draft: Roster) -> dt.datetime:
    # A solver's draft holds the version in force as it was when the run started.
    starts = [t for t in draft.solver_runs.values_list("started_at", flat=True) if t is not None]
    return min([draft.created_at, *starts])


def would_undo(draft: Roster, current: Roster) -> list[str]:
    """The changes made in place to ``current`` (the version in force) since ``draft``
    was made — swaps, claimed open shifts, edits — that publishing ``draft`` would undo,
    one line each. A change the draft already carries is not listed."""
    touched: set[Key] = set()
    for before, after in AuditEvent.objects.filter(
        object_type=Assignment._meta.label, action__startswith="assignment.", at__gt=_made_at(draft),
    ).values_list("before", "after"):
        for picture in (before, after):
            if picture and picture.get("roster") == current.pk:
                touched.add((picture["staff"], dt.date.fromisoformat(picture["date"])))
    if not touched:
        return []
    now, planned = _shifts_by_key(current), _shifts_by_key(draft)
    names = {p.pk: str(p) for p in Staff.objects.filter(pk__in={staff for staff, _ in touched})}
    lines = []
    for staff, day in sorted(touched, key=lambda k: (k[1], names.get(k[0], ""))):
        in_force, drafted = now.get((staff, day)), planned.get((staff, day))
        code = in_force.shift_type.code if in_force else None
        if code == (drafted.shift_type.code if drafted else None):
            continue
        lines.append(f"{names.get(staff, staff)} on {day:%a %d %b}: works {code or 'nothing'} in the version in force, "
                     f"{drafted.shift_type.code if drafted else 'nothing'} in this draft")
    return lines


def stale_reason(draft: Roster, in_force: list[Roster] | None = None) -> str | None:
    """What publishing ``draft`` would undo, or None: a version published after the draft
    was made, or shifts of the version in force changed in place since then (each
    listed, and only those the draft does not carry already)."""
    if in_force is None:
        in_force = list(Roster.objects.filter(unit=draft.unit_id, start_date=draft.start_date,
                                              status=Roster.Status.PUBLISHED))
    for current in in_force:
        if draft.based_on_id != current.pk:
            return f"Version {current.version} was published after this draft was made: publishing this one would undo it."
        if current.live_changed_at is not None and current.live_changed_at > _made_at(draft):
            undone = would_undo(draft, current)
            if undone:
                shown = "; ".join(undone[:6]) + (f"; and {len(undone) - 6} more" if len(undone) > 6 else "")
                return (f"Version {current.version} has changed since this draft was made (a swap, a claimed open "
                        f"shift or an edit), and publishing this one would undo: {shown}.")
    return None


def _tell_whose_shifts_changed(roster: Roster, replaced: list[Roster]) -> int:
    """One message to each person whose shifts the newly published ``roster`` adds,
    removes, moves or puts on a waiver, summarising their changes (inbox, and e-mail
    after the commit). Called once, in the publishing transaction, so never twice."""
    before: dict[Key, Assignment] = {}
    for version in replaced:
        before.update(_shifts_by_key(version))
    after = _shifts_by_key(roster)
    changes: dict[int, list[str]] = {}
    people: dict[int, Staff] = {}
    for key in sorted(set(before) | set(after), key=lambda k: k[1]):
        old, new = before.get(key), after.get(key)
        staff, day = key
        when = f"{day:%a %d %b}"
        if old is None and new is not None:
            line = f"{new.shift_type.code} on {when} added"
        elif new is None and old is not None:
            line = f"{old.shift_type.code} on {when} removed"
        elif old is not None and new is not None and old.shift_type_id != new.shift_type_id:
            line = f"{when} moved from {old.shift_type.code} to {new.shift_type.code}"
        elif old is not None and new is not None and new.waiver_id and new.waiver_id != old.waiver_id:
            line = f"{new.shift_type.code} on {when} now over a limit, under a manager's waiver"
        else:
            continue
        changes.setdefault(staff, []).append(line)
        people[staff] = (new or old).staff  # type: ignore[union-attr]
    period = f"{roster.start_date:%d %b} to {roster.end_date:%d %b}"
    for staff, lines in changes.items():
        if len(lines) > 5:
            lines = [*lines[:5], f"and {len(lines) - 5} more"]
        first = "Your roster" if replaced else "Your shifts"
        notify_staff(people[staff], link=reverse("my-shifts"),
                     text=f"{first} for {roster.unit.name}, {period}, is published: " + "; ".join(lines) + ".")
    return len(changes)


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

    post_shortfalls(actor=actor, roster=roster)
    _tell_whose_shifts_changed(roster, in_force)
    if not in_force:  # first publication of the period: later ones tell shifts removed
        tell_without_shifts(roster)
    audit_record(actor=actor, action="roster.publish", obj=roster, before=before, after=snapshot(roster),
                 rationale="published over later changes, confirmed" if replace_changes and in_force else "")
    return roster


@transaction.atomic
def roster_discard(*, actor: Any, roster: Roster) -> dict[str, Any]:
    """Delete a draft version and its shifts, for good. Only a manager of the unit may,
    and only a draft: a published version is in force and an archived one is the record
    of what was.

    The solver runs that produced it keep their report (figures, shortfalls); only their
    link to this draft goes, and the audit row names them, so a run's page can say its
    draft was discarded rather than that none was made. Returns the audit snapshot.
    """
    if not can_manage_unit(actor, roster.unit_id):
        raise NotAllowed("You may not discard this roster.", field="roster")
    # The row lock settles a race with a publish of this same draft: whichever comes
    # second sees the other's result.
    roster = Roster.objects.select_for_update().select_related("unit").get(pk=roster.pk)
    if roster.status != Roster.Status.DRAFT:
        raise Conflict(f"Only a draft can be discarded; this version is {roster.status}.", field="status")
    before = snapshot(roster)
    before["solver_runs"] = sorted(roster.solver_runs.values_list("pk", flat=True))
    before["shifts"] = roster.assignments.count()
    audit_record(actor=actor, action="roster.discard", obj=roster, before=before,
                 rationale=f"Draft version {roster.version} discarded with its {before['shifts']} shifts")
    roster.delete()
    return before
