"""The open-shift marketplace: shifts left uncovered after publication, offered to the
people eligible to work them; the first valid claim wins.

A unit manager posts an open shift on a published roster (what it needs: a role, a
skill or a certificate). Staff see only the open shifts they could take: their own
unit's, or any unit of their site for the float pool, where they hold what the shift
needs and no hard rule stops them (``eligibility.breaches_taking``, the same checks as
every manual change). Claiming locks the open shift's row, re-checks everything under the
person's row lock and writes the assignment in force, in one transaction: of any number
of simultaneous claims exactly one succeeds and the others are told it is taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from . import access, placement, queue
from .assignments import assignment_insert, live_changed
from .audit import audit_record, snapshot
from .decisions import decide
from .eligibility import Requirement, Window, breaches_taking, candidates_for, counts_towards
from .eligibility import requirement_of as need_of
from .errors import Conflict, DomainError, NotAllowed, RuleViolation
from .models import (
    Assignment,
    CertificationType,
    CoverageRequirement,
    Notification,
    OpenShift,
    Roster,
    ShiftType,
    Skill,
    Staff,
)
from .notifications import notify_managers, notify_staff
from .timeutil import shift_interval


def requirement_of(shift: OpenShift) -> Requirement:
    """What the open shift asks of whoever takes it."""
    parts = [shift.get_role_display() if shift.role else "",
             shift.skill.name if shift.skill else "",
             shift.certification_type.name if shift.certification_type else ""]
    return Requirement(role=shift.role, skill_id=shift.skill_id,
                       certification_type_id=shift.certification_type_id,
                       label=" + ".join(p for p in parts if p))


@transaction.atomic
def open_shift_post(
    *,
    actor: Any,
    roster: Roster,
    day: dt.date,
    shift_type: ShiftType,
    role: str = "",
    skill: Skill | None = None,
    certification_type: CertificationType | None = None,
    note: str = "",
) -> OpenShift:
    """Offer an uncovered shift of a published roster to everyone eligible."""
    if not access.can_manage_unit(actor, roster.unit_id):
        raise NotAllowed("Only the unit's managers post its open shifts.", field="roster")
    if roster.status != Roster.Status.PUBLISHED:
        raise DomainError("Open shifts are posted on the published roster.", field="roster")
    if not roster.start_date <= day <= roster.end_date:
        raise DomainError(f"{day} is outside the roster's period.", field="date")
    if shift_type.site_id != roster.unit.site_id:
        raise DomainError("This shift type belongs to another site.", field="shift_type")
    # A shift under way (a night that began yesterday) can still be filled until it ends.
    if shift_interval(day, shift_type.start_time, shift_type.duration_minutes,
                      roster.unit.site.timezone)[1] <= timezone.now():
        raise DomainError("This shift has already ended.", field="date")
    if role and role not in Staff.Role.values:
        raise DomainError(f"Unknown role {role!r}.", field="role")
    shift = OpenShift.objects.create(
        roster=roster, date=day, shift_type=shift_type, role=role, skill=skill,
        certification_type=certification_type, note=note, posted_by=actor,
    )
    audit_record(actor=actor, action="open_shift.post", obj=shift, after=snapshot(shift))
    announce_later([shift])
    return shift


def post_shortfalls(*, actor: Any, roster: Roster) -> list[OpenShift]:
    """Offer every place a published roster leaves below a coverage minimum, from today
    on, as an open shift needing what the requirement asks (role, skill or certificate).
    Places already offered are not offered twice."""
    if roster.status != Roster.Status.PUBLISHED:
        return []
    # Offers still open on the version this one replaces now belong to this one.
    OpenShift.objects.filter(roster__unit=roster.unit, roster__start_date=roster.start_date,
                             status=OpenShift.Status.OPEN).exclude(roster=roster).update(roster=roster)
    today = timezone.localdate()
    requirements = CoverageRequirement.objects.filter(
        unit=roster.unit, date__range=(max(roster.start_date, today), roster.end_date), minimum__gt=0
    ).select_related("shift_type", "skill", "certification_type")
    withdraw_filled(actor=actor, roster=roster)
    return _offer_short(actor=actor, roster=roster, requirements=requirements,
                        note="Left uncovered at publication")


def cover_changed(*, actor: Any, requirement: CoverageRequirement) -> list[OpenShift]:
    """A cover minimum was set or changed after its roster was published: offer what the
    roster in force now leaves short for it, or withdraw offers it no longer needs (from
    today on; a draft shows the new minimum in its cover row)."""
    roster = Roster.objects.filter(unit_id=requirement.unit_id, status=Roster.Status.PUBLISHED,
                                   start_date__lte=requirement.date, end_date__gte=requirement.date).first()
    if roster is None or requirement.date < timezone.localdate():
        return []
    withdraw_filled(actor=actor, roster=roster, day=requirement.date)
    if requirement.minimum <= 0:
        return []
    return _offer_short(actor=actor, roster=roster, requirements=[requirement],
                        note="Short after the minimum was raised")


def _offer_short(*, actor: Any, roster: Roster, requirements: Iterable[CoverageRequirement],
                 note: str) -> list[OpenShift]:
    """Offer each place ``roster`` leaves below these minimums and not yet on offer."""
    working = _working(roster)
    offered: dict[int, int] = {}
    for row in OpenShift.objects.filter(roster__unit=roster.unit, coverage_requirement__isnull=False,
                                        status=OpenShift.Status.OPEN).values("coverage_requirement"):
        offered[row["coverage_requirement"]] = offered.get(row["coverage_requirement"], 0) + 1
    created: list[OpenShift] = []
    for req in requirements:
        need = need_of(req)
        have = sum(counts_towards(p, need, req.date) for p in working.get((req.date, req.shift_type_id), []))
        created += [offer_place(actor=actor, roster=roster, requirement=req, note=note)
                    for _ in range(req.minimum - have - offered.get(req.pk, 0))]
    announce_later(created, source="short")
    return created


def offer_place(*, actor: Any, roster: Roster, requirement: CoverageRequirement, note: str) -> OpenShift:
    """Post one open shift for a place below ``requirement`` (audited; announce it after)."""
    shift = OpenShift.objects.create(
        roster=roster, date=requirement.date, shift_type=requirement.shift_type, role=requirement.role,
        skill=requirement.skill, certification_type=requirement.certification_type,
        coverage_requirement=requirement, posted_by=actor,
        note=f"{note} ({need_of(requirement).label})"[:300],
    )
    audit_record(actor=actor, action="open_shift.post", obj=shift, after=snapshot(shift))
    return shift


# Sent when places come free (``source`` "vacated": a call-out or leave took someone off
# the roster in force; "short": a roster published, or a minimum raised, leaves a place
# short), inside the transaction that posts them. A receiver (backfill, in a layer above)
# returns the ids of the shifts it offers itself, in its own order: those are not
# announced to everyone at once.
places_posted = Signal()


def announce_later(shifts: Iterable[OpenShift], *, source: str = "") -> None:
    """Once the transaction that posts them commits, a worker tells the people who could
    take these open shifts (:func:`announce`): checking every rule for every candidate
    is no work for a manager's request to wait on."""
    shifts = list(shifts)
    taken: set[int] = set()
    if source and shifts:
        for _receiver, handled in places_posted.send(sender=OpenShift, shifts=shifts, source=source):
            if isinstance(handled, list | tuple | set):
                taken.update(int(pk) for pk in handled)
    ids = [s.pk for s in shifts if s.pk not in taken]
    if ids:
        queue.after_commit(queue.ANNOUNCE_OPEN_SHIFTS, ids)


@transaction.atomic
def announce(open_shift_ids: Iterable[int]) -> int:
    """Tell everyone who could take one of these open shifts now (their unit's people,
    the site's float pool, every rule passing): one message per person, listing theirs.
    Each shift is announced once, however often this runs. Returns the messages sent."""
    now, today = timezone.now(), timezone.localdate()
    mine = [pk for pk in open_shift_ids
            if OpenShift.objects.filter(pk=pk, status=OpenShift.Status.OPEN, announced_at__isnull=True,
                                        date__gte=today).update(announced_at=now)]
    shifts = list(OpenShift.objects.filter(pk__in=mine).order_by("date", "shift_type__start_time", "pk")
                  .select_related("roster__unit__site", "shift_type", "skill", "certification_type"))
    offers: dict[int, list[OpenShift]] = {}
    people: dict[int, Staff] = {}
    for shift in shifts:
        for person in candidates_for(shift.roster.unit).filter(user__isnull=False).select_related("home_unit"):
            if not why_not(person, shift):
                people[person.pk] = person
                offers.setdefault(person.pk, []).append(shift)
    for pk, theirs in offers.items():
        listed = ", ".join(f"{s.shift_type.code} on {s.date:%a %d %b} in {s.roster.unit.name}" for s in theirs[:3])
        more = f" and {len(theirs) - 3} more" if len(theirs) > 3 else ""
        head = "An open shift you could take" if len(theirs) == 1 else f"{len(theirs)} open shifts you could take"
        tail = "The first to claim it gets it." if len(theirs) == 1 else "The first to claim each gets it."
        # The link names the shifts offered, so the message can retire with them.
        notify_staff(people[pk], text=f"{head}: {listed}{more}. {tail}"[:300],
                     link=f"{reverse('open-shift-list')}?{OFFERED}=" + ",".join(str(s.pk) for s in theirs))
    return len(offers)


OFFERED = "offered"


def retire_announcements(shift_ids: Iterable[int]) -> int:
    """Mark as read the unread "open shift you could take" messages whose every shift is
    taken or withdrawn (a nurse is not left with an offer that no longer exists).
    Returns how many were retired."""
    prefix = f"{reverse('open-shift-list')}?{OFFERED}="
    ids = {str(pk) for pk in shift_ids}
    notes = [n for n in Notification.objects.filter(read_at__isnull=True, link__startswith=prefix)
             if ids & set(n.link[len(prefix):].split(","))]
    named = {int(pk) for n in notes for pk in n.link[len(prefix):].split(",") if pk.isdigit()}
    still_open = set(OpenShift.objects.filter(pk__in=named, status=OpenShift.Status.OPEN)
                     .values_list("pk", flat=True))
    gone = [n.pk for n in notes
            if not {int(pk) for pk in n.link[len(prefix):].split(",") if pk.isdigit()} & still_open]
    return Notification.objects.filter(pk__in=gone).update(read_at=timezone.now())


def _working(roster: Roster, day: dt.date | None = None) -> dict[tuple[dt.date, int], list[Staff]]:
    """Who works each (day, shift type) of ``roster``, with what they hold prefetched."""
    rows = roster.assignments.all() if day is None else roster.assignments.filter(date=day)
    working: dict[tuple[dt.date, int], list[Staff]] = {}
    for a in rows.select_related("staff").prefetch_related("staff__skills", "staff__certifications"):
        working.setdefault((a.date, a.shift_type_id), []).append(a.staff)
    return working


def withdraw_filled(*, actor: Any, roster: Roster, day: dt.date | None = None) -> list[OpenShift]:
    """Withdraw the offers made for a cover minimum that ``roster`` now meets without
    them (someone was put on the shift by hand, a new version covers it, another offer
    was taken), so nobody claims a place that is no longer short. Offers a manager
    posted without a minimum behind them are the manager's to withdraw."""
    offers = list(
        OpenShift.objects.select_for_update(of=("self",))
        .filter(roster=roster, status=OpenShift.Status.OPEN, coverage_requirement__isnull=False)
        .filter(**({"date": day} if day is not None else {}))
        .select_related("coverage_requirement__skill", "coverage_requirement__certification_type")
        .order_by("-created_at", "-pk")
    )
    if not offers:
        return []
    working = _working(roster, day)
    by_requirement: dict[int, list[OpenShift]] = {}
    for offer in offers:
        by_requirement.setdefault(offer.coverage_requirement_id or 0, []).append(offer)
    withdrawn: list[OpenShift] = []
    for its_offers in by_requirement.values():
        req = its_offers[0].coverage_requirement
        assert req is not None
        need = need_of(req)
        have = sum(counts_towards(p, need, req.date) for p in working.get((req.date, req.shift_type_id), []))
        surplus = len(its_offers) - max(0, req.minimum - have)
        for offer in its_offers[:max(0, surplus)]:
            decide(offer, actor=actor, status=OpenShift.Status.WITHDRAWN, action="open_shift.withdraw",
                   rationale="the minimum it was posted for is met")
            retire_announcements([offer.pk])
            withdrawn.append(offer)
    return withdrawn


def place_filter(staff: Staff) -> Q:
    """The units whose open shifts a person may take: their own, or their site's when
    they belong to the float pool."""
    return placement.units_open_to(staff, "roster__unit")


def visible_open_shifts(user: Any) -> QuerySet[OpenShift]:
    """Managers: every open shift of their units. Staff: the open and taken shifts of the
    units they may work (eligibility per shift is ``why_not``)."""
    qs = OpenShift.objects.select_related(
        "roster__unit__site", "shift_type", "skill", "certification_type", "claimed_by"
    )
    managed = access.managed_units(user)
    staff = access.staff_of(user)
    where = Q(roster__unit__in=managed)
    if staff is not None and staff.home_unit_id is not None:
        where |= place_filter(staff) & ~Q(status=OpenShift.Status.WITHDRAWN)
    return qs.filter(where).distinct()


def why_not(staff: Staff, shift: OpenShift, giving_up: Assignment | None = None) -> list[Any]:
    """Every rule that stops ``staff`` from taking ``shift`` (empty: they may), having
    left ``giving_up`` (a shift elsewhere they would be moved from)."""
    return breaches_taking(staff=staff, roster=shift.roster, shift_type=shift.shift_type, day=shift.date,
                           need=requirement_of(shift), giving_up=giving_up)


def eligible_open_shifts(staff: Staff) -> list[OpenShift]:
    """The open, upcoming shifts ``staff`` could claim now."""
    if staff.home_unit_id is None or not staff.active:
        return []
    candidates = list(
        OpenShift.objects.filter(place_filter(staff), status=OpenShift.Status.OPEN,
                                 date__gte=timezone.localdate())
        .select_related("roster__unit__site", "shift_type", "skill", "certification_type")
        .order_by("date", "pk")
    )
    if not candidates:
        return []
    # The same answer as ``why_not`` for each, at a fixed number of queries (the home
    # page counts these for every nurse).
    window = Window.load(staff, candidates[0].date, candidates[-1].date)
    return [shift for shift in candidates
            if not window.breaches(unit=shift.roster.unit, shift_type=shift.shift_type, day=shift.date,
                                   need=requirement_of(shift))]


def open_shift_claim(*, actor: Any, open_shift: OpenShift, staff: Staff | None = None,
                     giving_up: Assignment | None = None) -> Assignment:
    """Take an open shift. The first valid claim wins; later ones get a Conflict.

    ``staff`` claims on someone's behalf (a caller that has decided who may: backfill's
    acceptance of an offer, a manager's pick); ``giving_up`` is a shift of theirs in force
    elsewhere that they leave for this one (a move: it comes off in the same transaction)."""
    staff = staff or access.staff_of(actor)
    if staff is None:
        raise NotAllowed("Only staff members claim shifts.", field="open_shift")
    with transaction.atomic():
        shift = (
            OpenShift.objects.select_for_update(of=("self",))
            .select_related("roster__unit__site", "shift_type", "skill", "certification_type")
            .get(pk=open_shift.pk)
        )
        if shift.status == OpenShift.Status.CLAIMED:
            raise Conflict("Someone else has already taken this shift.", field="open_shift")
        if shift.status != OpenShift.Status.OPEN or shift.roster.status != Roster.Status.PUBLISHED:
            raise Conflict("This shift is no longer offered.", field="open_shift")
        if not OpenShift.objects.filter(place_filter(staff), pk=shift.pk).exists():
            raise NotAllowed("This shift is on a unit you do not work in.", field="open_shift")
        if shift.date < timezone.localdate():
            raise DomainError("This shift's day has passed.", field="open_shift")
        Staff.objects.select_for_update().get(pk=staff.pk)
        # A place filled meanwhile by some other way is no longer offered.
        filled = shift in withdraw_filled(actor=actor, roster=shift.roster, day=shift.date)
        if not filled:
            breaches = why_not(staff, shift, giving_up)
            if breaches:
                raise RuleViolation(breaches)
            if giving_up is not None:
                _leave(actor, giving_up, staff)
            assignment = assignment_insert(
                actor=actor, roster=shift.roster, staff=staff, shift_type=shift.shift_type, day=shift.date
            )
            decide(shift, actor=actor, status=OpenShift.Status.CLAIMED, action="open_shift.claim", by=staff,
                   stamp=("claimed_by", "claimed_at"), also={"assignment": assignment})
            retire_announcements([shift.pk])
            # Other offers for a minimum this claim has now met are withdrawn.
            withdraw_filled(actor=actor, roster=shift.roster, day=shift.date)
            notify_managers(
                shift.roster.unit,
                text=f"{staff} took the open {shift.shift_type.code} shift on {shift.date:%a %d %b} "
                     f"in {shift.roster.unit.name}.",
                link=reverse("open-shift-list"),
            )
    if filled:
        # Refused after the withdrawal is committed, so the next person is not offered it.
        raise Conflict("This place has been filled meanwhile; it is no longer offered.", field="open_shift")
    return assignment


def _leave(actor: Any, moved: Assignment, staff: Staff) -> None:
    """Take ``staff`` off the shift in force they are moved from (audited)."""
    row = Assignment.objects.select_for_update().filter(pk=moved.pk, staff=staff, live=True).first()
    if row is None:
        raise Conflict("The shift this move would leave has changed meanwhile.", field="open_shift")
    audit_record(actor=actor, action="assignment.delete", obj=row, before=snapshot(row),
                 rationale="moved to an open shift")
    row.delete()
    live_changed(row.roster_id)


@transaction.atomic
def open_shift_withdraw(*, actor: Any, open_shift: OpenShift) -> OpenShift:
    """Stop offering a shift nobody has taken."""
    shift = OpenShift.objects.select_for_update(of=("self",)).select_related("roster").get(pk=open_shift.pk)
    if not access.can_manage_unit(actor, shift.roster.unit_id):
        raise NotAllowed("Only the unit's managers withdraw its open shifts.", field="open_shift")
    if shift.status != OpenShift.Status.OPEN:
        raise Conflict("Only an open shift can be withdrawn.", field="open_shift")
    decide(shift, actor=actor, status=OpenShift.Status.WITHDRAWN, action="open_shift.withdraw")
    retire_announcements([shift.pk])
    return shift
