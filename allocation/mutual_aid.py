"""Mutual aid between sites: a formal loan of staff or equipment, step by step.

1. **Proposed** by the scan when a lender has been under ``LENDER_BELOW`` % utilized and a
   borrower over ``BORROWER_ABOVE`` % for the whole of the last ``SUSTAINED`` (the hourly
   series) and now; or drafted by the borrower's coordinator.
2. **Requested** by the borrower's coordinator (resource type, quantity, duration): the
   lender must acknowledge within ``ACK_WINDOW``. The clock is a Celery task with an ETA:
   a reminder to the lender's coordinators at ``REMIND_AFTER``, an escalation to the
   regional coordinators when the window passes (the minute scan catches any missed).
3. **Acknowledged** (or declined with a reason) by the lender's coordinator, then
   **deployed**; the lender may **recall** its resources for its own emergency at any
   time (a reason required); a loan otherwise **ends** when its duration runs out or
   either side ends it.
4. **Reconciled**: what was lent, for how long, at what rate, and the amount.

Every step is audited at both sites and both sites' coordinators see it.
:func:`mutual_aid_state` summarises each site's position for crisis escalation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from config.celery import app
from roster import access
from roster.audit import snapshot
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import Access, Site, Unit
from roster.notifications import notify

from .models import UnitHour
from .models.redeploy import MutualAidRequest
from .recommendations import DECIDERS, audit_both
from .staffing import site_statuses

LENDER_BELOW = 75.0
BORROWER_ABOVE = 90.0
SUSTAINED = dt.timedelta(hours=2)
ACK_WINDOW = dt.timedelta(minutes=15)
REMIND_AFTER = dt.timedelta(minutes=10)
DEFAULT_HOURS = 8
# Task names (the tasks live in allocation.redeploy_tasks).
REMIND = "allocation.redeploy_tasks.mutual_aid_remind"
ESCALATE = "allocation.redeploy_tasks.mutual_aid_escalate"
SCAN = "allocation.redeploy_tasks.mutual_aid_scan"
S = MutualAidRequest.Status
OPEN = (S.PROPOSED, S.REQUESTED, S.ACKNOWLEDGED, S.DEPLOYED)
RESOURCES = ("RN", "LPN", "HCA", "MD", "TECH", "PARAMEDIC", "ventilator", "infusion_pump", "monitor",
             "defibrillator", "ultrasound", "beds")


# --- who ----------------------------------------------------------------------------

def coordinates(user: Any, site_id: int) -> bool:
    """``user`` acts for ``site_id``: its site coordinator, or a regional coordinator."""
    if access.level_of(user) not in DECIDERS:
        return False
    return access.is_network_wide(user) or access.managed_sites(user).filter(pk=site_id).exists()


def visible_requests(user: Any) -> QuerySet[MutualAidRequest]:
    rows = MutualAidRequest.objects.select_related("site", "lender", "requested_by")
    if access.level_of(user) not in DECIDERS:
        return rows.none()
    if access.is_network_wide(user):
        return rows
    sites = access.managed_sites(user)
    return rows.filter(Q(site__in=sites) | Q(lender__in=sites))


def _coordinators_of(site_id: int) -> QuerySet[Any]:
    return get_user_model().objects.filter(
        is_active=True, access__level=Access.Level.SITE_COORDINATOR, access__sites=site_id).distinct()


def _regional() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True, access__level=Access.Level.REGIONAL_COORDINATOR)


def _tell(users: Iterable[Any], text: str, loan: MutualAidRequest, skip: Any = None) -> None:
    for user in users:
        if skip is None or user.pk != getattr(skip, "pk", None):
            notify(user=user, text=text, link=f"/mutual-aid/{loan.pk}/")


def _audit(actor: Any, step: str, loan: MutualAidRequest, why: str = "") -> None:
    audit_both(actor=actor, action=f"mutual_aid.{step}", obj=loan, sites=[loan.site_id, loan.lender_id],
               after=snapshot(loan), rationale=why)


def _locked(loan: MutualAidRequest) -> MutualAidRequest:
    return MutualAidRequest.objects.select_for_update(of=("self",)).select_related("site", "lender").get(pk=loan.pk)


def _queue_at(name: str, loan_id: int, when: dt.datetime) -> None:
    transaction.on_commit(partial(app.send_task, name, args=[loan_id], eta=when))


# --- utilization over a sustained window ----------------------------------------------------

def sustained_utilization(site_ids: Sequence[int], now: dt.datetime) -> dict[int, tuple[float, float]]:
    """Per site: the lowest and highest utilization over the last ``SUSTAINED`` (its hourly
    series, census over staffed beds summed over its units) and now. Sites with no staffed
    bed at some point count that point as 100 % if any patient, else are left out."""
    series: dict[int, dict[dt.datetime, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    since = now - SUSTAINED
    for site_id, hour, census, staffed in UnitHour.objects.filter(
            unit__site__in=site_ids, hour__gte=since.replace(minute=0, second=0, microsecond=0),
            hour__lt=now).values("unit__site_id", "hour").annotate(
            c=Sum("census"), s=Sum("staffed_beds")).values_list("unit__site_id", "hour", "c", "s"):
        series[site_id][hour] = [census, staffed]
    sites = Site.objects.filter(pk__in=site_ids)
    for status in site_statuses(sites, Unit.objects.filter(site__in=site_ids).select_related("site"), now):
        series[status.site_id][now] = [status.census, status.staffed_beds]
    out: dict[int, tuple[float, float]] = {}
    for site_id, points in series.items():
        values = [100.0 * c / s if s else (100.0 if c else None) for c, s in points.values()]
        known = [v for v in values if v is not None]
        if known and len(known) == len(values):
            out[site_id] = (min(known), max(known))
    return out


def propose(now: dt.datetime | None = None) -> list[MutualAidRequest]:
    """Proposals for each (lender, borrower) pair that qualifies and has nothing open."""
    now = now or timezone.now()
    site_ids = list(Site.objects.values_list("pk", flat=True))
    spans = sustained_utilization(site_ids, now)
    lenders = [s for s, (_lo, hi) in spans.items() if hi < LENDER_BELOW]
    borrowers = [s for s, (lo, _hi) in spans.items() if lo > BORROWER_ABOVE]
    made = []
    names = dict(Site.objects.values_list("pk", "name"))
    for borrower in sorted(borrowers, key=lambda s: -spans[s][0]):
        for lender in sorted(lenders, key=lambda s: spans[s][1]):
            if MutualAidRequest.objects.filter(site=borrower, lender=lender, status__in=OPEN).exists():
                continue
            basis = (f"{names[borrower]} has been over {BORROWER_ABOVE:.0f}% utilized (at least "
                     f"{spans[borrower][0]:.0f}%) and {names[lender]} under {LENDER_BELOW:.0f}% (at most "
                     f"{spans[lender][1]:.0f}%) for the last {SUSTAINED.total_seconds() / 3600:g} h.")
            with transaction.atomic():
                loan = MutualAidRequest.objects.create(
                    site_id=borrower, lender_id=lender, resource="RN", quantity=1, hours=DEFAULT_HOURS,
                    status=S.PROPOSED, basis=basis, proposed_at=now)
                _audit(None, "propose", loan, basis)
                _tell(_coordinators_of(borrower), f"Mutual aid proposed: {basis}", loan)
            made.append(loan)
    return made


# --- the steps ---------------------------------------------------------------------

def _check_fields(resource: str, quantity: Any, hours: Any, rate: Any) -> tuple[str, int, int, Decimal]:
    resource = (resource or "").strip()
    if not resource or len(resource) > 60:
        raise DomainError("Name the resource type (at most 60 characters).", field="resource")
    try:
        q = int(quantity)
    except (TypeError, ValueError):
        raise DomainError("The quantity is a whole number.", field="quantity") from None
    if not 1 <= q <= 500:
        raise DomainError("The quantity is between 1 and 500.", field="quantity")
    try:
        h = int(hours)
    except (TypeError, ValueError):
        raise DomainError("The duration is a whole number of hours.", field="hours") from None
    if not 1 <= h <= 24 * 14:
        raise DomainError("The duration is between 1 hour and 14 days.", field="hours")
    try:
        r = Decimal(str(rate))
    except Exception:
        raise DomainError("The rate is a number.", field="rate") from None
    if not r.is_finite() or not Decimal(0) <= r <= Decimal(100000):
        raise DomainError("The rate is between 0 and 100000.", field="rate")
    return resource, q, h, r.quantize(Decimal("0.01"))


def request(*, actor: Any, lender: Site, borrower: Site, resource: str, quantity: Any, hours: Any,
            rate: Any = 0, note: str = "", proposal: MutualAidRequest | None = None,
            now: dt.datetime | None = None) -> MutualAidRequest:
    """The borrower's formal request; the lender's clock starts now."""
    now = now or timezone.now()
    if lender.pk == borrower.pk:
        raise DomainError("A site cannot borrow from itself.", field="lender")
    if not coordinates(actor, borrower.pk):
        raise NotAllowed("Only the borrowing site's coordinator may request aid.", field="site")
    resource, q, h, r = _check_fields(resource, quantity, hours, rate)
    if len(note or "") > 400:
        raise DomainError("The note is at most 400 characters.", field="note")
    with transaction.atomic():
        if proposal is not None:
            loan = _locked(proposal)
            if loan.status != S.PROPOSED or loan.site_id != borrower.pk or loan.lender_id != lender.pk:
                raise Conflict("This proposal is no longer open.", field="proposal")
        else:
            loan = MutualAidRequest(site=borrower, lender=lender, proposed_at=now)
        loan.resource, loan.quantity, loan.hours, loan.rate, loan.note = resource, q, h, r, note or ""
        loan.status, loan.requested_at, loan.ack_due_at = S.REQUESTED, now, now + ACK_WINDOW
        loan.requested_by = actor
        loan.save()
        _audit(actor, "request", loan, note)
        _tell(_coordinators_of(lender.pk), f"{borrower} asks {lender} for {q} {resource} for {h} h: acknowledge "
              f"by {loan.ack_due_at:%H:%M} UTC.", loan, skip=actor)
        _queue_at(REMIND, loan.pk, now + REMIND_AFTER)
        _queue_at(ESCALATE, loan.pk, loan.ack_due_at)
    return loan


def _step(*, actor: Any, loan: MutualAidRequest, side: str, allowed: Sequence[str], target: str,
          reason: str = "", reason_required: bool = False, now: dt.datetime | None = None) -> MutualAidRequest:
    now = now or timezone.now()
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise DomainError("Give the reason.", field="reason")
    if len(reason) > 400:
        raise DomainError("The reason is at most 400 characters.", field="reason")
    with transaction.atomic():
        locked = _locked(loan)
        ends = {"lender": [locked.lender_id], "borrower": [locked.site_id],
                "either": [locked.lender_id, locked.site_id]}[side]
        if not any(coordinates(actor, s) for s in ends):
            raise NotAllowed(f"Only the {'lending' if side == 'lender' else 'borrowing'} site's coordinator "
                             "may do this." if side != "either" else "Only the two sites' coordinators may do this.",
                             field="site")
        if locked.status not in allowed:
            raise Conflict(f"This request is {locked.get_status_display().lower()}.", field="status")
        if target == S.RECONCILED:
            locked.reconciliation = reconciliation(locked, now)
        locked.status = target
        if target == S.ACKNOWLEDGED:
            locked.acknowledged_at = now
        elif target == S.DEPLOYED:
            locked.deployed_at = now
        elif target in (S.RECALLED, S.ENDED, S.DECLINED):
            locked.ended_at = now
        if reason:
            locked.note = reason
        locked.save()
        _audit(actor, target, locked, reason)
        other = locked.site_id if actor is None or coordinates(actor, locked.lender_id) else locked.lender_id
        _tell(_coordinators_of(other), f"Mutual aid {locked.lender} → {locked.site}: "
              f"{locked.get_status_display().lower()}" + (f" ({reason})" if reason else "") + ".", locked, skip=actor)
    return locked


def acknowledge(*, actor: Any, loan: MutualAidRequest, now: dt.datetime | None = None) -> MutualAidRequest:
    return _step(actor=actor, loan=loan, side="lender", allowed=[S.REQUESTED], target=S.ACKNOWLEDGED, now=now)


def decline(*, actor: Any, loan: MutualAidRequest, reason: str, now: dt.datetime | None = None) -> MutualAidRequest:
    return _step(actor=actor, loan=loan, side="either", allowed=[S.PROPOSED, S.REQUESTED], target=S.DECLINED,
                 reason=reason, reason_required=True, now=now)


def deploy(*, actor: Any, loan: MutualAidRequest, now: dt.datetime | None = None) -> MutualAidRequest:
    return _step(actor=actor, loan=loan, side="lender", allowed=[S.ACKNOWLEDGED], target=S.DEPLOYED, now=now)


def recall(*, actor: Any, loan: MutualAidRequest, reason: str, now: dt.datetime | None = None) -> MutualAidRequest:
    """The lender takes its resources back for its own emergency."""
    return _step(actor=actor, loan=loan, side="lender", allowed=[S.DEPLOYED], target=S.RECALLED, reason=reason,
                 reason_required=True, now=now)


def end(*, actor: Any, loan: MutualAidRequest, now: dt.datetime | None = None) -> MutualAidRequest:
    return _step(actor=actor, loan=loan, side="either", allowed=[S.DEPLOYED], target=S.ENDED, now=now)


def reconcile(*, actor: Any, loan: MutualAidRequest, now: dt.datetime | None = None) -> MutualAidRequest:
    return _step(actor=actor, loan=loan, side="either", allowed=[S.RECALLED, S.ENDED], target=S.RECONCILED,
                 now=now)


ACTIONS = {"acknowledge": acknowledge, "deploy": deploy, "end": end, "reconcile": reconcile}
ACTIONS_WITH_REASON = {"decline": decline, "recall": recall}


def reconciliation(loan: MutualAidRequest, now: dt.datetime) -> dict[str, Any]:
    """What was lent, for how long, at what rate, and the amount."""
    start, stop = loan.deployed_at, loan.ended_at or now
    hours = round((stop - start).total_seconds() / 3600, 2) if start else 0.0
    amount = (Decimal(str(hours)) * loan.quantity * loan.rate).quantize(Decimal("0.01"))
    return {"resource": loan.resource, "quantity": loan.quantity, "from": start.isoformat() if start else None,
            "to": stop.isoformat(), "hours": hours, "rate": str(loan.rate), "amount": str(amount),
            "recalled": loan.status == S.RECALLED or loan.reconciliation.get("recalled", False)}


# --- the clock ----------------------------------------------------------------------

def remind(loan_id: int, now: dt.datetime | None = None) -> bool:
    """The lender is reminded once while the request waits (a duplicate run does nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        loan = MutualAidRequest.objects.select_for_update(of=("self",)).select_related("site", "lender").filter(
            pk=loan_id).first()
        if loan is None or loan.status != S.REQUESTED or loan.reminded_at is not None:
            return False
        if loan.requested_at is not None and now < loan.requested_at + REMIND_AFTER:
            return False
        loan.reminded_at = now
        loan.save(update_fields=["reminded_at"])
        left = max(0, int((loan.ack_due_at - now).total_seconds() // 60)) if loan.ack_due_at else 0
        _tell(_coordinators_of(loan.lender_id), f"Reminder: {loan.site} is waiting for your acknowledgement of "
              f"{loan.quantity} {loan.resource} ({left} min left).", loan)
        _audit(None, "remind", loan, f"{left} min left to acknowledge")
    return True


def escalate(loan_id: int, now: dt.datetime | None = None) -> bool:
    """Past the window and still not acknowledged: the regional coordinators are told."""
    now = now or timezone.now()
    with transaction.atomic():
        loan = MutualAidRequest.objects.select_for_update(of=("self",)).select_related("site", "lender").filter(
            pk=loan_id).first()
        if loan is None or loan.status != S.REQUESTED or loan.escalated_at is not None:
            return False
        if loan.ack_due_at is None or now < loan.ack_due_at:
            return False
        loan.escalated_at = now
        loan.save(update_fields=["escalated_at"])
        text = (f"Escalated: {loan.lender} has not acknowledged {loan.site}'s request for {loan.quantity} "
                f"{loan.resource} within {int(ACK_WINDOW.total_seconds() // 60)} minutes.")
        _tell(list(_regional()) + list(_coordinators_of(loan.lender_id)), text, loan)
        _audit(None, "escalate", loan, text)
    return True


def scan(now: dt.datetime | None = None) -> dict[str, int]:
    """Each minute (beat): proposals, missed reminders and escalations, loans run out."""
    now = now or timezone.now()
    made = propose(now)
    reminded = sum(remind(pk, now) for pk in MutualAidRequest.objects.filter(
        status=S.REQUESTED, reminded_at__isnull=True, requested_at__lte=now - REMIND_AFTER).values_list("pk", flat=True))
    escalated = sum(escalate(pk, now) for pk in MutualAidRequest.objects.filter(
        status=S.REQUESTED, escalated_at__isnull=True, ack_due_at__lte=now).values_list("pk", flat=True))
    ended = 0
    for loan in MutualAidRequest.objects.filter(status=S.DEPLOYED, deployed_at__isnull=False):
        if loan.deployed_at and now >= loan.deployed_at + dt.timedelta(hours=loan.hours):
            _run_out(loan, now)
            ended += 1
    return {"proposed": len(made), "reminded": reminded, "escalated": escalated, "ended": ended}


def _run_out(loan: MutualAidRequest, now: dt.datetime) -> None:
    with transaction.atomic():
        locked = _locked(loan)
        if locked.status != S.DEPLOYED:
            return
        locked.status = S.ENDED
        locked.ended_at = (locked.deployed_at or now) + dt.timedelta(hours=locked.hours)
        locked.save(update_fields=["status", "ended_at"])
        _audit(None, "ended", locked, "the loan's duration ran out")


# --- for crisis escalation -------------------------------------------------------------

def mutual_aid_state(site_ids: Sequence[int]) -> dict[int, str]:
    """Each site's position in mutual aid, the most pressing first: ``"overdue"`` (a
    request to or from it past its acknowledgement window), ``"requested"`` (waiting for
    a lender), ``"borrowing"``, ``"lending"`` (a loan deployed), ``"proposed"``, or
    ``"none"``. One query."""
    rank = ["overdue", "requested", "borrowing", "lending", "proposed", "none"]
    state = dict.fromkeys(site_ids, "none")
    now = timezone.now()
    wanted = set(site_ids)

    def put(site_id: int, value: str) -> None:
        if site_id in wanted and rank.index(value) < rank.index(state[site_id]):
            state[site_id] = value

    for loan in MutualAidRequest.objects.filter(Q(site__in=site_ids) | Q(lender__in=site_ids), status__in=OPEN):
        if loan.status == S.REQUESTED:
            late = loan.ack_due_at is not None and now > loan.ack_due_at
            put(loan.site_id, "overdue" if late else "requested")
            put(loan.lender_id, "overdue" if late else "requested")
        elif loan.status in (S.DEPLOYED, S.ACKNOWLEDGED):
            put(loan.site_id, "borrowing")
            put(loan.lender_id, "lending")
        else:
            put(loan.site_id, "proposed")
            put(loan.lender_id, "proposed")
    return state
