"""Maintenance: the four kinds of trigger, work orders with an SLA, completion, recalls.

Triggers:
- time: an item is due its service ``service_interval_days`` after its last one. On the
  due date a work order opens; once the date has passed the item may not reach a patient,
  and a ready or standby one is taken into maintenance by the scan.
- usage: after ``service_interval_hours`` of operation since its last service, a work
  order opens and the item may not reach a patient until serviced.
- condition: a reading outside its type's range sends the item to inspection at once
  (in the reading's own transaction) with a work order.
- event: an item deployed to a hazardous environment goes to decontamination when it
  comes back, with a work order; it cannot be reused before that is done.

Idempotence is settled in the database: a work order is unique per item and trigger
(``trigger_key``: the due date, the hours threshold, the reading, the deployment…), and
there is at most one open work order of a kind per item. Opening one that exists is a
quiet no-op, so a retried or duplicated scan opens nothing twice.

Notices go, through the inbox, to the people who handle the site's maintenance: its site
coordinators (or, for a site with none, the regional coordinators).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from roster.audit import audit_record
from roster.models import Access, Site
from roster.notifications import notify

from . import queue
from .errors import Conflict, DomainError, NotAllowed
from .lifecycle import item_transition, site_today
from .models import AssetType, ConditionLimit, Item, Reading, RecallCampaign, WorkOrder
from .permissions import can_act, can_recall
from .states import GROUPS, Group, State

Kind = WorkOrder.Kind

# How long each kind of work may take before it is late. Scheduled services use the
# type's own SLA; what keeps an item away from patients is urgent.
SLA_HOURS: dict[str, int] = {
    Kind.CONDITION: 24,
    Kind.DECONTAMINATION: 24,
    Kind.RECALL: 48,
    Kind.REPAIR: 72,
}
_RETIRED = GROUPS[Group.RETIRED]
_UNAVAILABLE = GROUPS[Group.UNAVAILABLE]


def maintenance_contacts(site: Site) -> QuerySet[Any]:
    """The logins told about a site's maintenance: its site coordinators, else the
    regional coordinators."""
    users = get_user_model().objects.filter(is_active=True)
    coordinators = users.filter(access__level=Access.Level.SITE_COORDINATOR, access__sites=site)
    if coordinators.exists():
        return coordinators.distinct()
    return users.filter(access__level=Access.Level.REGIONAL_COORDINATOR).distinct()


def sla_hours(kind: str, asset_type: AssetType) -> int:
    return SLA_HOURS.get(kind, asset_type.service_sla_hours)


def work_order_open(
    *, actor: Any, item: Item, kind: str, trigger_key: str, reason: str, now: dt.datetime,
    recall: RecallCampaign | None = None,
) -> WorkOrder | None:
    """Open a work order for ``item`` unless this trigger (or an open one of this kind)
    already has one; tell the site's maintenance people. Returns it, or None if it existed.

    Call it inside the change's transaction: the notice is filed in it, and its e-mail
    queued after it commits.
    """
    due = now + dt.timedelta(hours=sla_hours(kind, item.asset_type))
    try:
        with transaction.atomic():  # a savepoint: the unique constraints decide
            order = WorkOrder.objects.create(item=item, kind=kind, trigger_key=trigger_key[:80], reason=reason,
                                             opened_at=now, due_at=due, recall=recall)
    except IntegrityError:
        return None
    audit_record(actor=actor, action="asset.work_order.open", obj=item, after={"work_order": order.pk, "kind": kind},
                 rationale=reason)
    link = reverse("assets:item-detail", args=[item.pk])
    text = f"{item} at {item.unit or item.site}: {order.get_kind_display()} due by {timezone.localtime(due):%d %b %H:%M}. {reason}"
    for user in maintenance_contacts(item.site):
        notify(user=user, text=text, link=link)
    return order


# --- time and usage ---------------------------------------------------------------

def _scan_locked(item: Item, *, today: dt.date, now: dt.datetime) -> int:
    """The time and usage triggers for one locked item; returns work orders opened."""
    opened = 0
    plan = item.asset_type
    due_on = item.service_due_on()
    if due_on is not None and due_on <= today:
        reason = f"Scheduled service due on {due_on:%d %b %Y} (every {plan.service_interval_days} days)."
        if work_order_open(actor=None, item=item, kind=Kind.TIME, trigger_key=f"time:{due_on.isoformat()}",
                           reason=reason, now=now):
            opened += 1
    usage_due = bool(plan.service_interval_hours and item.hours_since_service() >= plan.service_interval_hours)
    if usage_due:
        threshold = item.hours_at_service + Decimal(plan.service_interval_hours or 0)
        reason = f"{item.hours_since_service()} operating hours since the last service (every {plan.service_interval_hours} h)."
        if work_order_open(actor=None, item=item, kind=Kind.USAGE, trigger_key=f"usage:{threshold}",
                           reason=reason, now=now):
            opened += 1
    # Past its service and not with anyone: take it off the shelf, so nobody picks it up.
    if (usage_due or (due_on is not None and due_on < today)) and item.state in (State.READY, State.STANDBY):
        item_transition(actor=None, item=item, target=State.MAINTENANCE, now=now,
                        reason="Taken out of service by the maintenance scan: its service is overdue.")
    return opened


def maintenance_scan_item(item_id: int, *, now: dt.datetime | None = None) -> int:
    """Check one item's time and usage triggers (after a reading or new usage)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = (Item.objects.select_for_update(of=("self",)).select_related("asset_type", "site")
                .filter(pk=item_id).first())
        if item is None or item.state in _RETIRED:
            return 0
        return _scan_locked(item, today=site_today(item, now), now=now)


def items_due(*, now: dt.datetime) -> list[int]:
    """Items whose time or usage trigger has fired, on each one's site's day (read
    without locks)."""
    due = []
    for item in Item.objects.exclude(state__in=_RETIRED).select_related("asset_type", "site").only(
        "pk", "last_service_on", "usage_hours", "hours_at_service", "site__timezone",
        "asset_type__service_interval_days", "asset_type__service_interval_hours",
    ):
        today = site_today(item, now)
        due_on = item.service_due_on()
        hours = item.asset_type.service_interval_hours
        if (due_on is not None and due_on <= today) or (hours and item.hours_since_service() >= hours):
            due.append(item.pk)
    return due


def maintenance_scan(*, now: dt.datetime | None = None) -> int:
    """The daily scan: open the work orders the time and usage triggers call for.

    Idempotent (see the module's docstring); each item in its own transaction, so one
    item's trouble does not undo the others. Returns the number of work orders opened.
    """
    now = now or timezone.now()
    return sum(maintenance_scan_item(pk, now=now) for pk in items_due(now=now))


def _queue_scan(item_id: int) -> None:
    queue.after_commit(queue.MAINTENANCE_SCAN_ITEM, item_id)


# --- readings and usage -----------------------------------------------------------

def reading_record(
    *, actor: Any, item: Item, measure: str, value: Decimal, now: dt.datetime | None = None
) -> Reading:
    """Record a reading. Outside its range, the item goes to inspection at once with a
    work order (in this transaction); the item's other triggers are checked after."""
    now = now or timezone.now()
    limit = ConditionLimit.objects.filter(asset_type_id=item.asset_type_id, measure=measure).first()
    if limit is None:
        known = ", ".join(ConditionLimit.objects.filter(asset_type_id=item.asset_type_id)
                          .values_list("measure", flat=True)) or "none"
        raise DomainError(f"{item.asset_type} has no reading '{measure}' (it has: {known}).", field="measure")
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).select_related("asset_type").get(pk=item.pk)
        if not can_act(actor, locked):
            raise NotAllowed("You may not record readings for this item.", field="item")
        if locked.state in _RETIRED:
            raise Conflict(f"{locked} is retired.", field="item")
        ok = limit.in_range(value)
        reading = Reading.objects.create(item=locked, measure=measure, value=value, in_range=ok, at=now, actor=actor)
        if not ok:
            bounds = f"{limit.minimum if limit.minimum is not None else '—'}–{limit.maximum if limit.maximum is not None else '—'}"
            reason = f"Reading {measure} = {value}{limit.unit_label} is outside {bounds}{limit.unit_label}."
            if locked.state != State.INSPECTION:
                item_transition(actor=actor, item=locked, target=State.INSPECTION, reason=reason, now=now)
            work_order_open(actor=actor, item=locked, kind=Kind.CONDITION, trigger_key=f"reading:{reading.pk}",
                            reason=reason, now=now)
        _queue_scan(locked.pk)
    return reading


def usage_record(*, actor: Any, item: Item, hours: Decimal, now: dt.datetime | None = None) -> Item:
    """Add operating hours to an item (its hour meter); the usage trigger is checked after."""
    if hours <= 0:
        raise DomainError("Give a positive number of hours.", field="hours")
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).get(pk=item.pk)
        if not can_act(actor, locked):
            raise NotAllowed("You may not record usage for this item.", field="item")
        before = locked.usage_hours
        locked.usage_hours = before + hours
        locked.save(update_fields=["usage_hours"])
        audit_record(actor=actor, action="asset.usage", obj=locked, before={"usage_hours": str(before)},
                     after={"usage_hours": str(locked.usage_hours)}, rationale=f"{hours} h of use recorded.")
        _queue_scan(locked.pk)
    item.refresh_from_db()
    return item


def fault_report(*, actor: Any, item: Item, reason: str, now: dt.datetime | None = None) -> WorkOrder | None:
    """A failure: the item goes to repair with a repair work order (counted for MTBF/MTTR)."""
    now = now or timezone.now()
    with transaction.atomic():
        item_transition(actor=actor, item=item, target=State.REPAIR, reason=f"Fault: {reason}", now=now)
        change = item.state_changes.order_by("-at", "-id").first()
        return work_order_open(actor=actor, item=item, kind=Kind.REPAIR,
                               trigger_key=f"fault:{change.pk if change else now.isoformat()}",
                               reason=f"Fault reported: {reason}", now=now)


# --- completion -------------------------------------------------------------------

def work_order_complete(
    *, actor: Any, work_order: WorkOrder, outcome: str, record: str, now: dt.datetime | None = None
) -> WorkOrder:
    """Close a work order with what was done and found.

    Passed: a scheduled service resets the item's service date and hours, a
    decontamination clears its hazard, a recall releases it; the item returns to ready
    once nothing else keeps it out. Failed: it goes to repair, with a repair work order.
    Condemned: it is condemned and its other open work orders close with it.
    """
    now = now or timezone.now()
    record = (record or "").strip()
    if outcome not in WorkOrder.Outcome.values:
        raise DomainError(f"'{outcome}' is not an outcome.", field="outcome")
    if not record:
        raise DomainError("Record what was done and found.", field="record")
    with transaction.atomic():
        # The item's row first, then the work order's, in the order every write here takes
        # them: the scan holds the item while it inserts a work order, so taking the work
        # order first could deadlock with it.
        item_id = WorkOrder.objects.values_list("item_id", flat=True).get(pk=work_order.pk)
        item = Item.objects.select_for_update(of=("self",)).select_related("asset_type", "site").get(pk=item_id)
        order = WorkOrder.objects.select_for_update(of=("self",)).get(pk=work_order.pk)
        if not can_act(actor, item):
            raise NotAllowed("You may not complete work on this item.", field="work_order")
        if order.status != WorkOrder.Status.OPEN:
            raise Conflict("This work order is already done.", field="work_order")
        order.status = WorkOrder.Status.DONE
        order.completed_at = now
        order.completed_by = actor
        order.outcome = outcome
        order.record = record
        order.save(update_fields=["status", "completed_at", "completed_by", "outcome", "record"])
        audit_record(actor=actor, action="asset.work_order.complete", obj=item,
                     after={"work_order": order.pk, "kind": order.kind, "outcome": outcome}, rationale=record)
        Outcome = WorkOrder.Outcome
        if outcome == Outcome.CONDEMNED:
            for other in item.work_orders.filter(status=WorkOrder.Status.OPEN):
                other.status, other.completed_at, other.completed_by = WorkOrder.Status.DONE, now, actor
                other.outcome, other.record = Outcome.CONDEMNED, f"Item condemned ({record})"
                other.save(update_fields=["status", "completed_at", "completed_by", "outcome", "record"])
            if item.state not in _RETIRED:
                item_transition(actor=actor, item=item, target=State.CONDEMNED, now=now, reason=record)
        elif outcome == Outcome.FAILED:
            if item.state != State.REPAIR:
                item_transition(actor=actor, item=item, target=State.REPAIR, now=now,
                                reason=f"{order.get_kind_display()} failed: {record}")
            work_order_open(actor=actor, item=item, kind=Kind.REPAIR, trigger_key=f"failed:{order.pk}",
                            reason=f"{order.get_kind_display()} failed: {record}", now=now)
        else:
            changed: list[str] = []
            if order.kind in (Kind.TIME, Kind.USAGE, Kind.REPAIR):
                item.last_service_on = site_today(item, now)
                item.hours_at_service = item.usage_hours
                changed += ["last_service_on", "hours_at_service"]
            if order.kind == Kind.DECONTAMINATION:
                item.hazard_exposed = False
                changed.append("hazard_exposed")
            if order.kind == Kind.RECALL:
                item.recall = None
                changed.append("recall")
            if changed:
                item.save(update_fields=changed)
            # Scheduled work done on the shelf closes the other scheduled kind too.
            if order.kind in (Kind.TIME, Kind.USAGE):
                item.work_orders.filter(status=WorkOrder.Status.OPEN, kind__in=(Kind.TIME, Kind.USAGE)).update(
                    status=WorkOrder.Status.DONE, completed_at=now, completed_by=actor, outcome=Outcome.PASSED,
                    record=f"Serviced with work order {order.pk}.")
            still_open = item.work_orders.filter(status=WorkOrder.Status.OPEN).exists()
            if item.state in _UNAVAILABLE and not still_open and not item.recall_id and not item.hazard_exposed:
                item_transition(actor=actor, item=item, target=State.READY, now=now,
                                reason=f"{order.get_kind_display()} done: {record}")
    order.refresh_from_db()
    return order


# --- recalls ----------------------------------------------------------------------

def recall_open(
    *, actor: Any, asset_type: AssetType, reference: str, reason: str, now: dt.datetime | None = None
) -> RecallCampaign:
    """Pull every item of a model at once: each one not retired goes to inspection (from
    wherever it is, a patient's bedside included) with a recall work order, and cannot
    come back into service until that work order passes."""
    now = now or timezone.now()
    if not can_recall(actor):
        raise NotAllowed("Only regional coordinators and administrators open recalls.", field="asset_type")
    reference, reason = reference.strip(), reason.strip()
    if not reference:
        raise DomainError("Give the recall's reference.", field="reference")
    if not reason:
        raise DomainError("Say why the model is recalled.", field="reason")
    if RecallCampaign.objects.filter(reference=reference).exists():
        raise DomainError(f"Recall {reference} already exists.", field="reference")
    with transaction.atomic():
        campaign = RecallCampaign.objects.create(asset_type=asset_type, reference=reference, reason=reason,
                                                 opened_at=now, opened_by=actor)
        audit_record(actor=actor, action="asset.recall", obj=campaign, after={"asset_type": asset_type.pk,
                     "reference": reference}, rationale=reason)
        items = Item.objects.select_for_update(of=("self",)).filter(asset_type=asset_type).exclude(state__in=_RETIRED)
        for item in items.order_by("pk"):
            why = f"Recall {reference}: {reason}"
            if item.state not in _UNAVAILABLE:
                item_transition(actor=actor, item=item, target=State.INSPECTION, reason=why, now=now)
            Item.objects.filter(pk=item.pk, recall__isnull=True).update(recall=campaign)
            work_order_open(actor=actor, item=item, kind=Kind.RECALL, trigger_key=f"recall:{campaign.pk}",
                            reason=why, now=now, recall=campaign)
    return campaign
