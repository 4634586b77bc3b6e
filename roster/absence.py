"""People who cannot work some days come off the rosters: approved leave, or leaving.

Leave is a hard rule nobody may waive (``rules.UNWAIVABLE``): once it is approved the
person works none of its days. So approving it (:func:`release`) takes their shifts on
those days off every roster version still in use, in the same transaction:

* in force: the shift is deleted (audited), the version is marked as changed in place (so
  a draft made earlier is flagged before it is published over it), open swap requests on
  the shift are withdrawn, and where the absence leaves a cover minimum short, from today
  on, the place is offered as an open shift needing what the minimum asks;
* drafts: the cell is cleared, so the draft cannot be published with them on leave (its
  coverage row shows the gap it leaves).

A person marked as no longer active (they have left) comes off the same way from today
on (:func:`release_departure`); their past shifts stay as the record of what was worked.

Before deciding, the manager sees what approving will take off (:func:`clashes_of`).
A draft made by a solver run that started before the approval may still hold such a
shift: :func:`on_leave_in` finds them, the roster page marks them and publishing refuses
until they are off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from .assignments import live_changed
from .audit import audit_record, snapshot
from .eligibility import counts_towards
from .eligibility import requirement_of as need_of
from .marketplace import announce_later, offer_place
from .models import Assignment, CoverageRequirement, Leave, OpenShift, Roster, Staff, in_use
from .notifications import notify_managers
from .swaps import withdraw_open_on, withdraw_open_to


@dataclass(frozen=True)
class Release:
    """What taking a person off the rosters did (for approved leave, or on leaving)."""

    in_force: list[Assignment] = field(default_factory=list)  # deleted; in date order
    drafts: int = 0
    open_shifts: list[OpenShift] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence for the manager, or "" when nothing was rostered."""
        parts = []
        if self.in_force:
            n = len(self.in_force)
            parts.append(f"{n} shift{'s' if n != 1 else ''} taken off the roster in force")
        if self.drafts:
            parts.append(f"{self.drafts} cleared from draft{'s' if self.drafts != 1 else ''}")
        if self.open_shifts:
            n = len(self.open_shifts)
            parts.append(f"{n} posted as open shift{'s' if n != 1 else ''} where cover fell short")
        return (", ".join(parts) + ".") if parts else ""


def label(a: Assignment) -> str:
    return f"{a.date:%a %d %b} {a.shift_type.code} ({a.roster.unit.name})"


def rostered(staff_id: int, start: dt.date, end: dt.date) -> QuerySet[Assignment]:
    """The person's shifts on these days in versions still in use: the version in
    force and drafts (archived versions are history)."""
    return Assignment.objects.filter(in_use(), staff_id=staff_id, date__range=(start, end))


def clashes_of(leaves: Sequence[Leave]) -> dict[int, list[Assignment]]:
    """For each leave (by pk), the shifts approving it would take off, those in force
    first: one query for a page of requests."""
    if not leaves:
        return {}
    lo, hi = min(lv.start_date for lv in leaves), max(lv.end_date for lv in leaves)
    rows = (Assignment.objects.filter(staff_id__in={lv.staff_id for lv in leaves}, date__range=(lo, hi))
            .filter(in_use())
            .select_related("shift_type", "roster__unit").order_by("-live", "date", "pk"))
    found: dict[int, list[Assignment]] = {lv.pk: [] for lv in leaves}
    for a in rows:
        for lv in leaves:
            if lv.staff_id == a.staff_id and lv.start_date <= a.date <= lv.end_date:
                found[lv.pk].append(a)
    return found


def on_leave_in(roster: Roster) -> list[Assignment]:
    """The shifts of ``roster`` that fall on their person's approved leave."""
    leave = Leave.objects.filter(
        status=Leave.Status.APPROVED, staff__assignments__roster=roster,
        start_date__lte=roster.end_date, end_date__gte=roster.start_date,
    ).distinct()
    days: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for lv in leave:
        days[lv.staff_id].append((lv.start_date, lv.end_date))
    if not days:
        return []
    return [
        a for a in roster.assignments.filter(staff_id__in=days).select_related("staff", "shift_type", "roster__unit")
        .order_by("date", "staff__last_name", "pk")
        if any(lo <= a.date <= hi for lo, hi in days[a.staff_id])
    ]


def release(*, actor: Any, leave: Leave) -> Release:
    """Take the person of ``leave`` off every roster in use on its days. Call inside the
    transaction that approves it, holding the person's row lock."""
    rows = rostered(leave.staff_id, leave.start_date, leave.end_date)
    return _take_off(actor, rows, rationale=f"approved leave {leave.pk}",
                     why="is on approved leave that day", news="leave was approved")


def release_departure(*, actor: Any, staff: Staff) -> Release:
    """Take a person who has left off every roster in use from today on. Call inside the
    transaction that marks them inactive, holding their row lock."""
    rows = Assignment.objects.filter(in_use(), staff_id=staff.pk, date__gte=timezone.localdate())
    # Offers made to them by colleagues are moot too.
    withdraw_open_to(staff, actor=actor, reason=f"{staff} is no longer on the staff")
    return _take_off(actor, rows, rationale="no longer active", why="is no longer on the staff",
                     news="record was closed (no longer active)")


def _take_off(actor: Any, rows: QuerySet[Assignment], *, rationale: str, why: str, news: str) -> Release:
    found = list(rows.select_for_update(of=("self",)).select_related("roster__unit", "shift_type", "staff")
                 .order_by("date", "pk"))
    if not found:
        return Release()
    person = found[0].staff
    withdraw_open_on([a.pk for a in found], actor=actor, reason=f"{person} {why}")
    for a in found:
        audit_record(actor=actor, action="assignment.delete", obj=a, before=snapshot(a), rationale=rationale)
    Assignment.objects.filter(pk__in=[a.pk for a in found]).delete()
    live = [a for a in found if a.live]
    live_changed(*{a.roster_id for a in live})
    posted = post_vacated(actor=actor, vacated=live)

    by_unit: dict[int, list[Assignment]] = defaultdict(list)
    for a in found:
        by_unit[a.roster.unit_id].append(a)
    for gone in by_unit.values():
        unit = gone[0].roster.unit
        shown = ", ".join(label(a) for a in gone[:4]) + (f" and {len(gone) - 4} more" if len(gone) > 4 else "")
        notify_managers(
            unit, exclude=[actor],
            text=f"{person}'s {news}: taken off the {unit.name} roster: {shown}."[:300],
            link=reverse("roster-detail", args=[gone[0].roster_id]),
        )
    return Release(in_force=live, drafts=len(found) - len(live), open_shifts=posted)


def post_vacated(*, actor: Any, vacated: Iterable[Assignment]) -> list[OpenShift]:
    """Offer as open shifts the places that shifts taken off a roster in force leave
    below a cover minimum, from today on: at most one per shift taken off and per
    minimum it counted towards, less what is already on offer there."""
    today = timezone.localdate()
    groups: dict[tuple[int, dt.date, int], list[Assignment]] = defaultdict(list)
    for a in vacated:
        if a.date >= today and a.roster.status == Roster.Status.PUBLISHED:
            groups[(a.roster_id, a.date, a.shift_type_id)].append(a)
    created: list[OpenShift] = []
    for (roster_id, day, shift_type_id), gone in groups.items():
        roster = gone[0].roster
        requirements = CoverageRequirement.objects.filter(
            unit_id=roster.unit_id, date=day, shift_type_id=shift_type_id, minimum__gt=0
        ).select_related("shift_type", "skill", "certification_type")
        if not requirements:
            continue
        qualified = Staff.objects.prefetch_related("skills", "certifications")
        working = list(qualified.filter(assignments__roster_id=roster_id, assignments__date=day,
                                        assignments__shift_type_id=shift_type_id))
        leavers = list(qualified.filter(pk__in=[a.staff_id for a in gone]))
        for req in requirements:
            need = need_of(req)
            have = sum(counts_towards(p, need, day) for p in working)
            offered = OpenShift.objects.filter(coverage_requirement=req, status=OpenShift.Status.OPEN).count()
            freed = sum(counts_towards(p, need, day) for p in leavers)
            created += [offer_place(actor=actor, roster=roster, requirement=req,
                                    note="Came free on the roster in force")
                        for _ in range(min(freed, req.minimum - have - offered))]
    announce_later(created, source="vacated")
    return created
