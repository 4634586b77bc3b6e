"""Shift swaps between staff: offer, accept or decline, approve or decline, withdraw.

A person offers one of their shifts in force to a named colleague, to anyone eligible,
or in a trade for one of the colleague's shifts. Nothing is offered that would break a
hard rule for the person receiving a shift (in a trade, for both people, each having
given up their own side): the same checks as every manual change
(``check_assignment``), plus like-for-like role and the unit's minimum cover
for skills and certificates on that shift. The colleague accepts or declines; then a
manager of the unit approves — or, on a unit with ``auto_approve_swaps``, the system
approves at once when every rule still passes. Rules are checked again at approval,
under row locks on both people and both shifts, and the reassignment is one
transaction; the database's exclusion constraint is the last line of defence.

Every function takes the acting user, is atomic, writes an AuditEvent, and notifies the
people concerned after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from . import access, placement, rules
from .assignments import live_changed
from .audit import audit_record, snapshot
from .decisions import decide, refuse_own
from .eligibility import (
    Window,
    breaches_taking,
    candidates_for,
    coverage_breaches,
)
from .errors import Conflict, DomainError, NotAllowed, RuleViolation
from .models import Assignment, Roster, Staff, SwapRequest
from .notifications import notify_managers, notify_staff
from .rulebook import ROLE, STARTED
from .rules import Breach

Status = SwapRequest.Status
Kind = SwapRequest.Kind


def _label(a: Assignment) -> str:
    return f"{a.shift_type.code} on {a.date:%a %d %b}"


def _link() -> str:
    return reverse("swaps")


def _given(swap: SwapRequest) -> Assignment:
    """The shift an open request gives away (the database keeps it while it is open)."""
    if swap.assignment is None:
        raise Conflict("The shift of this request is no longer on the roster.", field="assignment")
    return swap.assignment


def _me(actor: Any) -> Staff:
    me = access.staff_of(actor)
    if me is None:
        raise NotAllowed("Only staff with a roster can swap shifts.", field="assignment")
    return me


def not_swappable(a: Assignment, *, now: dt.datetime | None = None) -> str | None:
    """Why a shift cannot change hands, or None: only shifts in force, not yet begun."""
    if not a.live or a.roster.status != Roster.Status.PUBLISHED:
        return "Only shifts of a published roster can be swapped."
    if a.starts_at <= (now or timezone.now()):
        return "This shift has already started."
    return None


def _tagged(person: Staff, found: list[rules.Breach]) -> list[rules.Breach]:
    """Say whose rule it is: a trade checks two people."""
    return [Breach(b.rule, f"{person} — {b.detail}") for b in found]


def swap_check(*, given: Assignment, recipient: Staff, counter: Assignment | None = None) -> list[rules.Breach]:
    """Every hard rule the swap would break, for each person receiving a shift.

    ``recipient`` works ``given`` having given up ``counter`` (a trade); in a trade the
    requester works ``counter`` having given up ``given``. Empty: the swap may go ahead.
    """
    requester = given.staff
    found: list[rules.Breach] = []
    if recipient.role != requester.role:
        found.append(
            Breach(ROLE, f"{requester.get_role_display()} shifts go to another {requester.get_role_display().lower()};"
                         f" {recipient} is {recipient.get_role_display().lower()}")
        )
    found += _tagged(
        recipient,
        breaches_taking(
            staff=recipient, roster=given.roster, shift_type=given.shift_type, day=given.date, giving_up=counter
        ),
    )
    found += coverage_breaches(
        unit=given.roster.unit, shift_type=given.shift_type, day=given.date, leaving=requester, arriving=recipient
    )
    if counter is not None:
        found += _tagged(
            requester,
            breaches_taking(
                staff=requester, roster=counter.roster, shift_type=counter.shift_type, day=counter.date,
                giving_up=given,
            ),
        )
        found += coverage_breaches(
            unit=counter.roster.unit, shift_type=counter.shift_type, day=counter.date, leaving=recipient,
            arriving=requester,
        )
    return found


def _live_for_update(pks: list[int]) -> dict[int, Assignment]:
    rows = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("roster__unit__site", "shift_type", "staff__home_unit")
        .order_by("pk")
    )
    return {a.pk: a for a in rows}


# --- offering -----------------------------------------------------------------------

@transaction.atomic
def swap_offer(
    *,
    actor: Any,
    assignment: Assignment,
    recipient: Staff | None = None,
    counter_assignment: Assignment | None = None,
    note: str = "",
) -> SwapRequest:
    """Offer one's own shift: to ``recipient``, to anyone eligible (no recipient), or in a
    trade for ``counter_assignment`` (the recipient's shift).

    Refused with every failing rule (``RuleViolation``) when the receiving person — or,
    in a trade, either person — could not work what they would receive. A shift is in at
    most one open request at a time (a unique constraint settles a race).
    """
    me = _me(actor)
    pks = [assignment.pk] + ([counter_assignment.pk] if counter_assignment is not None else [])
    rows = _live_for_update(pks)
    given = rows.get(assignment.pk)
    if given is None or given.staff_id != me.pk:
        raise NotAllowed("You can only offer your own shifts.", field="assignment")
    reason = not_swappable(given)
    if reason:
        raise DomainError(reason, field="assignment")
    counter: Assignment | None = None
    if counter_assignment is not None:
        counter = rows.get(counter_assignment.pk)
        if counter is None:
            raise DomainError("That shift no longer exists.", field="counter_assignment")
        if recipient is not None and counter.staff_id != recipient.pk:
            raise DomainError("In a trade you take one of the colleague's own shifts.", field="counter_assignment")
        recipient = counter.staff
        reason = not_swappable(counter)
        if reason:
            raise DomainError(reason, field="counter_assignment")
        if (counter.roster_id, counter.date, counter.shift_type_id) == (given.roster_id, given.date, given.shift_type_id):
            raise DomainError("Both shifts are the same: there is nothing to trade.", field="counter_assignment")
    if recipient is not None:
        if recipient.pk == me.pk:
            raise DomainError("Offer the shift to someone else.", field="recipient")
        if not access.visible_staff(actor).filter(pk=recipient.pk, active=True).exists():
            raise DomainError("Choose an active colleague on your unit.", field="recipient")
        found = swap_check(given=given, recipient=recipient, counter=counter)
        if found:
            raise RuleViolation(found, field="counter_assignment" if counter is not None else "recipient")
    kind = Kind.TRADE if counter is not None else (Kind.OFFER if recipient is not None else Kind.OPEN)
    swap = SwapRequest(
        kind=kind, unit=given.roster.unit, requester=me, recipient=recipient, assignment=given,
        counter_assignment=counter, date=given.date, shift_type=given.shift_type,
        counter_date=counter.date if counter else None, counter_shift_type=counter.shift_type if counter else None,
        note=note.strip()[:300],
    )
    try:
        with transaction.atomic():
            swap.save()
    except IntegrityError as exc:
        raise Conflict("This shift is already offered in another open request.", field="assignment") from exc
    audit_record(actor=actor, action="swap.offer", obj=swap, after=snapshot(swap), rationale=swap.note)
    if kind == Kind.OPEN:
        for person in eligible_takers(swap):
            notify_staff(person, text=f"{me} offers {_label(given)} to anyone who can take it.", link=_link())
    elif kind == Kind.TRADE:
        assert counter is not None and recipient is not None
        notify_staff(
            recipient, text=f"{me} proposes a trade: their {_label(given)} for your {_label(counter)}.", link=_link()
        )
    else:
        assert recipient is not None
        notify_staff(recipient, text=f"{me} offers you their {_label(given)}.", link=_link())
    return swap


def eligible_takers(swap: SwapRequest) -> list[Staff]:
    """Who could take an open offer now: candidates of the unit passing every rule."""
    if swap.assignment is None:
        return []
    given = swap.assignment
    people = (
        candidates_for(swap.unit)
        .filter(role=swap.requester.role)
        .exclude(pk=swap.requester_id)
        .select_related("home_unit", "user")
    )
    found = []
    for person in people:
        window = Window.load(person, given.date, given.date)
        if not window.breaches(unit=swap.unit, shift_type=given.shift_type, day=given.date) and not coverage_breaches(
            unit=swap.unit, shift_type=given.shift_type, day=given.date, leaving=swap.requester, arriving=person
        ):
            found.append(person)
    return found


# --- answering ----------------------------------------------------------------------

@transaction.atomic
def swap_respond(*, actor: Any, swap: SwapRequest, accept: bool, note: str = "") -> SwapRequest:
    """The colleague accepts or declines. An open offer is taken by the first eligible
    person to accept (a conditional update decides); nobody declines an open offer.

    Accepting re-checks every rule. On a unit that approves swaps automatically, an
    accepted swap is carried out at once (rules checked again under locks).
    """
    me = _me(actor)
    swap = SwapRequest.objects.select_related("assignment__roster__unit__site", "assignment__shift_type").get(pk=swap.pk)
    if swap.requester_id == me.pk:
        raise NotAllowed("You cannot answer your own offer.", field="swap")
    counter: Assignment | None = None
    if swap.kind == Kind.OPEN and swap.recipient_id is None:
        if not accept:
            raise DomainError("An offer to anyone needs no answer; simply leave it.", field="accept")
        if swap.status != Status.OFFERED:
            raise Conflict("This offer is no longer open.", field="swap")
        found = swap_check(given=_given(swap), recipient=me, counter=None)
        if found:
            raise RuleViolation(found, field="swap")
        # The first valid acceptance wins: the row changes only while nobody holds it.
        taken = SwapRequest.objects.filter(pk=swap.pk, status=Status.OFFERED, recipient__isnull=True).update(
            recipient=me, status=Status.ACCEPTED, responded_at=timezone.now()
        )
        if not taken:
            raise Conflict("Someone else took this shift first.", field="swap")
        swap.refresh_from_db()
        audit_record(actor=actor, action="swap.accept", obj=swap, after=snapshot(swap), rationale=note)
    else:
        swap = SwapRequest.objects.select_for_update(of=("self",)).select_related(
            "assignment__roster__unit__site", "assignment__shift_type", "assignment__staff"
        ).get(pk=swap.pk)
        if swap.recipient_id != me.pk:
            raise NotAllowed("This offer was made to someone else.", field="swap")
        if swap.status != Status.OFFERED:
            raise Conflict(f"This request is already {swap.get_status_display().lower()}.", field="swap")
        counter = swap.counter_assignment
        if accept:
            found = swap_check(given=_given(swap), recipient=me, counter=counter)
            if found:
                raise RuleViolation(found, field="swap")
        decide(swap, actor=actor, status=Status.ACCEPTED if accept else Status.DECLINED,
               action="swap.accept" if accept else "swap.decline", stamp=("", "responded_at"),
               rationale=note)
    given = _given(swap)
    if not accept:
        notify_staff(swap.requester, text=f"{me} declined your {_label(given)}.", link=_link())
        return swap
    auto = swap.unit.auto_approve_swaps and (counter is None or counter.roster.unit.auto_approve_swaps)
    if auto:
        return _carry_out(
            swap, actor=actor, decided_by=None,
            note="Approved automatically: the unit approves swaps when every rule passes.",
        )
    notify_staff(swap.requester, text=f"{me} accepted your {_label(given)}; a manager will decide.", link=_link())
    notify_managers(
        swap.unit, text=f"Swap to approve: {swap.requester} → {me}, {_label(given)}.", link=reverse("request-queue"),
    )
    return swap


# --- deciding -----------------------------------------------------------------------

@transaction.atomic
def swap_decide(*, actor: Any, swap: SwapRequest, approve: bool, note: str = "") -> SwapRequest:
    """A manager of the unit (of both units, in a trade across units) approves or
    declines an accepted swap. Approving re-checks every rule and refuses with the
    failing ones; nobody decides on a swap they are part of."""
    swap = SwapRequest.objects.select_for_update(of=("self",)).select_related("counter_assignment__roster").get(
        pk=swap.pk
    )
    units = {swap.unit_id} | ({swap.counter_assignment.roster.unit_id} if swap.counter_assignment else set())
    if not all(access.can_manage_unit(actor, unit_id) for unit_id in units):
        raise NotAllowed("Only a manager of the unit may decide on this swap.", field="swap")
    refuse_own(actor, swap.requester, swap.recipient, what="a swap", field="swap")
    if swap.status != Status.ACCEPTED:
        raise Conflict(f"Only an accepted swap can be decided; this one is {swap.get_status_display().lower()}.",
                       field="status")
    if approve:
        return _carry_out(swap, actor=actor, decided_by=actor, note=note)
    decide(swap, actor=actor, status=Status.REJECTED, action="swap.reject", note=note)
    text = f"The manager declined the swap of {swap.shift_type.code} on {swap.date:%a %d %b}."
    for person in (swap.requester, swap.recipient):
        if person is not None:
            notify_staff(person, text=text + (f" {note}" if note else ""), link=_link())
    return swap


def _overlap(a: Assignment, b: Assignment) -> bool:
    return (a.roster_id == b.roster_id and a.date == b.date) or (a.starts_at < b.ends_at and b.starts_at < a.ends_at)


def _carry_out(swap: SwapRequest, *, actor: Any, decided_by: Any, note: str) -> SwapRequest:
    """Reassign the shifts of an accepted swap. Call inside a transaction.

    Locks both people (the lock every change to a person's shifts takes, so no manager
    assigns them something meanwhile) and both shifts, re-checks every rule, then moves
    the shifts in place.
    """
    assert swap.recipient_id is not None
    people = list(
        Staff.objects.select_for_update().filter(pk__in=[swap.requester_id, swap.recipient_id]).order_by("pk")
    )
    by_pk = {p.pk: p for p in people}
    requester, recipient = by_pk[swap.requester_id], by_pk[swap.recipient_id]
    given_pk = _given(swap).pk
    pks = [given_pk] + ([swap.counter_assignment_id] if swap.counter_assignment_id else [])
    rows = _live_for_update(pks)
    given = rows.get(given_pk)
    counter = rows.get(swap.counter_assignment_id) if swap.counter_assignment_id else None
    if given is None or given.staff_id != requester.pk or not given.live:
        raise Conflict("The shift offered has changed since; the swap cannot go ahead.", field="assignment")
    if swap.counter_assignment_id and (counter is None or counter.staff_id != recipient.pk or not counter.live):
        raise Conflict("The shift traded for has changed since; the swap cannot go ahead.", field="counter_assignment")
    for row in (given, counter):
        if row is not None and (reason := not_swappable(row)):
            raise RuleViolation([Breach(STARTED, reason)], field="assignment")
    found = swap_check(given=given, recipient=recipient, counter=counter)
    if found:
        raise RuleViolation(found, field="swap")

    before = {a.pk: snapshot(a) for a in rows.values()}
    try:
        with transaction.atomic():
            if counter is None:
                Assignment.objects.filter(pk=given.pk).update(staff=recipient, waiver=None)
            elif not _overlap(given, counter):
                Assignment.objects.filter(pk=given.pk).update(staff=recipient, waiver=None)
                Assignment.objects.filter(pk=counter.pk).update(staff=requester, waiver=None)
            else:
                # Two shifts on the same day of one roster, or overlapping in time: moving
                # one person first would hold both for an instant, and the database checks
                # its unique and exclusion constraints row by row. Exchanging what the two
                # rows hold instead reaches the same end without that instant.
                keys = ("roster_id", "shift_type_id", "date", "starts_at", "ends_at")
                mine = {k: getattr(given, k) for k in keys}
                theirs = {k: getattr(counter, k) for k in keys}
                Assignment.objects.filter(pk=given.pk).update(**theirs, waiver=None)
                Assignment.objects.filter(pk=counter.pk).update(**mine, waiver=None)
    except IntegrityError as exc:
        raise Conflict("Someone's shifts changed meanwhile and now overlap; nothing was swapped.", field="swap") from exc
    live_changed(*{row.roster_id for row in rows.values()})
    for row in Assignment.objects.filter(pk__in=list(rows)).select_related("roster__unit__site"):
        audit_record(actor=actor, action="assignment.swap", obj=row, before=before[row.pk], after=snapshot(row),
                     rationale=f"swap {swap.pk}")

    # Approved automatically (no decider) or by a manager: stamped as such either way.
    decide(swap, actor=actor, status=Status.APPROVED, action="swap.approve", by=decided_by, note=note)

    # Other open requests on either shift are moot now.
    withdraw_open_on(pks, actor=actor, reason="the shift changed hands in another swap")

    what = f"{swap.shift_type.code} on {swap.date:%a %d %b}"
    if counter is not None:
        assert swap.counter_shift_type is not None and swap.counter_date is not None
        what += f" for {swap.counter_shift_type.code} on {swap.counter_date:%a %d %b}"
    notify_staff(requester, text=f"Swap approved: {recipient} now works your {what}.", link=reverse("my-shifts"))
    notify_staff(recipient, text=f"Swap approved: you now work {requester}'s {what}.", link=reverse("my-shifts"))
    return swap


def withdraw_open_on(assignment_pks: Iterable[int], *, actor: Any, reason: str) -> int:
    """Withdraw every open request that gives or takes one of these shifts, telling the
    people in it why (``reason``, lower case). Call inside a transaction, before the
    shifts change hands or come off a roster. Returns how many were withdrawn."""
    pks = list(assignment_pks)
    return _withdraw(Q(assignment__in=pks) | Q(counter_assignment__in=pks), actor=actor, reason=reason)


def withdraw_open_to(staff: Staff, *, actor: Any, reason: str) -> int:
    """Withdraw every open request that would give ``staff`` a shift (they have left)."""
    return _withdraw(Q(recipient=staff), actor=actor, reason=reason)


def _withdraw(which: Q, *, actor: Any, reason: str) -> int:
    moot = (SwapRequest.objects.select_for_update(of=("self",))
            .filter(which, status__in=SwapRequest.OPEN_STATUSES)
            .select_related("requester", "recipient", "shift_type").order_by("pk"))
    withdrawn = 0
    for swap in moot:
        decide(swap, actor=actor, status=Status.CANCELLED, action="swap.cancel", note=f"Withdrawn: {reason}.",
               stamp=("", ""))
        text = f"The request for {swap.shift_type.code} on {swap.date:%a %d %b} was withdrawn: {reason}."
        for person in (swap.requester, swap.recipient):
            if person is not None:
                notify_staff(person, text=text, link=_link())
        withdrawn += 1
    return withdrawn


@transaction.atomic
def swap_cancel(*, actor: Any, swap: SwapRequest) -> SwapRequest:
    """The person who offered withdraws a request still open."""
    me = _me(actor)
    swap = SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)
    if swap.requester_id != me.pk:
        raise NotAllowed("Only the person who offered can withdraw.", field="swap")
    if not swap.is_open:
        raise Conflict(f"This request is already {swap.get_status_display().lower()}.", field="status")
    decide(swap, actor=actor, status=Status.CANCELLED, action="swap.cancel", stamp=("", ""))
    if swap.recipient is not None:
        notify_staff(swap.recipient, text=f"{me} withdrew the offer of {swap.shift_type.code} on {swap.date:%a %d %b}.",
                     link=_link())
    return swap


# --- reading ------------------------------------------------------------------------

def _with_related(qs: QuerySet[SwapRequest]) -> QuerySet[SwapRequest]:
    return qs.select_related(
        "unit__site", "requester", "recipient", "shift_type", "counter_shift_type", "decided_by",
        "assignment", "counter_assignment",
    )


def visible_swaps(user: Any) -> QuerySet[SwapRequest]:
    """A person's own requests (made or received), open offers on their unit, and every
    request of the units a manager manages."""
    me = access.staff_of(user)
    q = Q(unit__in=access.managed_units(user))
    if me is not None:
        q |= Q(requester=me) | Q(recipient=me)
        q |= Q(kind=Kind.OPEN, status=Status.OFFERED, recipient__isnull=True) & placement.units_open_to(me)
    return _with_related(SwapRequest.objects.filter(q)).distinct()


def swaps_of(staff: Staff) -> QuerySet[SwapRequest]:
    return _with_related(SwapRequest.objects.filter(Q(requester=staff) | Q(recipient=staff)))


def open_offers_for(staff: Staff) -> list[tuple[SwapRequest, list[rules.Breach]]]:
    """Open offers by others that ``staff`` could see, each with what stops them taking
    it (empty: they can). Costs a fixed number of queries for any number of offers."""
    units = placement.units_open_to(staff)
    offers = list(
        _with_related(
            SwapRequest.objects.filter(units, kind=Kind.OPEN, status=Status.OFFERED, recipient__isnull=True)
        )
        .exclude(requester=staff)
        .filter(assignment__starts_at__gt=timezone.now())
        .order_by("date")
    )
    if not offers:
        return []
    window = Window.load(staff, min(o.date for o in offers), max(o.date for o in offers))
    found = []
    for offer in offers:
        why = window.breaches(unit=offer.unit, shift_type=offer.shift_type, day=offer.date)
        if staff.role != offer.requester.role:
            why.insert(0, Breach(ROLE, f"an {offer.requester.get_role_display().lower()}'s shift"))
        found.append((offer, why))
    return found


def awaiting_decision(user: Any) -> QuerySet[SwapRequest]:
    """Accepted swaps a manager has to decide on."""
    return _with_related(
        SwapRequest.objects.filter(status=Status.ACCEPTED, unit__in=access.managed_units(user))
    ).order_by("date")


def tradeable_shifts(staff: Staff, *, until: dt.date) -> QuerySet[Assignment]:
    """Colleagues' shifts on one's unit that could be asked for in a trade."""
    return (
        Assignment.objects.filter(
            live=True, roster__status=Roster.Status.PUBLISHED, roster__unit_id=staff.home_unit_id,
            starts_at__gt=timezone.now(), date__lte=until, staff__active=True,
        )
        .exclude(staff=staff)
        .select_related("staff", "shift_type")
        .order_by("date", "shift_type__start_time", "staff__last_name")
    )


TRADE_SEARCH_MAX = 100  # characters of a search for a shift to trade for


def trade_options(
    staff: Staff, given: Assignment | None, *, until: dt.date, search: str = ""
) -> list[Assignment]:
    """The colleagues' shifts ``staff`` could take in a trade for ``given``: colleagues of
    the same role (shifts go like for like), and only shifts she could work having given
    ``given`` up — the same answer as the offer's own check (``eligibility.Window``, the
    rules of ``breaches_taking``); the offer re-checks both people under row locks.

    ``search`` keeps the shifts whose colleague, shift or day (``"fri"``, ``"12"``,
    ``"dec"``) matches every word. A fixed number of queries for any number of shifts.
    """
    if given is None:
        return []
    shifts = [
        a for a in tradeable_shifts(staff, until=until).filter(staff__role=staff.role)
        .select_related("roster__unit__site")
        if (a.roster_id, a.date, a.shift_type_id) != (given.roster_id, given.date, given.shift_type_id)
    ]
    words = search.lower().split()
    if words:
        shifts = [a for a in shifts if all(word in _searchable(a) for word in words)]
    if not shifts:
        return []
    window = Window.load(staff, min(a.date for a in shifts), max(a.date for a in shifts))
    return [
        a for a in shifts
        if not window.breaches(unit=a.roster.unit, shift_type=a.shift_type, day=a.date, giving_up=given.pk)
    ]


def _searchable(a: Assignment) -> str:
    return (f"{a.staff} {a.shift_type.code} {a.shift_type.name} {a.date:%a %A} {a.date.day} {a.date:%b %B}"
            f" {a.roster.unit.name}").lower()


def my_swappable_shifts(staff: Staff) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(
            staff=staff, live=True, roster__status=Roster.Status.PUBLISHED, starts_at__gt=timezone.now()
        )
        .select_related("shift_type", "roster__unit__site")
        .order_by("starts_at")
    )
