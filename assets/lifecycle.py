"""Moving an item through its lifecycle: the one write function for every transition.

Every state change — by a person on a page or through the API, by check-out and
check-in, by a reading out of range, a recall or the maintenance scan — goes through
``item_transition``. It locks the item's row, refuses a move the table of legal
transitions does not have (naming both states), refuses to bring an item to a patient
when it is not safe to (recalled, past its service, contaminated, an open inspection or
repair), and writes the change, its history row and its audit row in one transaction.
The database refuses what it can express on one row as well (see ``Item.Meta``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from roster.audit import audit_record
from roster.models import Site, Unit
from roster.timeutil import local_date

from .errors import DomainError, IllegalTransition, NotAllowed, Unsafe
from .models import AssetType, Item, LocationRecord, StateChange, WorkOrder
from .permissions import can_act
from .states import GROUPS, INITIAL, PATIENT_FACING, Group, State, is_legal, label

# Open work orders of these kinds keep an item away from patients until they are done
# (a scheduled service does not: the item may work until its service date passes).
BLOCKING_KINDS = (
    WorkOrder.Kind.CONDITION, WorkOrder.Kind.DECONTAMINATION, WorkOrder.Kind.RECALL, WorkOrder.Kind.REPAIR,
)


def site_today(item: Item, now: dt.datetime) -> dt.date:
    """The day it is at the item's site (service dates and certificates are site days)."""
    return local_date(now, item.site.timezone)


def service_overdue(item: Item, *, today: dt.date) -> str:
    """Why ``item`` is past its service (its date has passed, or it has run its hours), or ""."""
    due_on = item.service_due_on()
    if due_on is not None and due_on < today:
        return f"its service was due on {due_on:%d %b %Y}"
    hours = item.asset_type.service_interval_hours
    if hours and item.hours_since_service() >= hours:
        return f"it has run {item.hours_since_service()} h since its service (every {hours} h)"
    return ""


def _unsafe_reason(item: Item, target: str, *, today: dt.date) -> str:
    towards_patient = target in PATIENT_FACING
    back_in_service = target in GROUPS[Group.AVAILABLE] or towards_patient
    if item.recall_id is not None and back_in_service:
        return f"it is recalled ({item.recall})"
    if item.hazard_exposed and back_in_service:
        return "it was deployed to a hazardous environment and has not been decontaminated"
    if back_in_service:
        blocking = item.work_orders.filter(status=WorkOrder.Status.OPEN, kind__in=BLOCKING_KINDS).first()
        if blocking is not None:
            return f"its work order '{blocking.get_kind_display()}' is still open"
    if towards_patient:
        overdue = service_overdue(item, today=today)
        if overdue:
            return overdue
    return ""


def item_transition(
    *, actor: Any, item: Item, target: str, reason: str, now: dt.datetime | None = None
) -> Item:
    """Move ``item`` to ``target``, or refuse.

    Guarantees: the move is in the table of legal transitions (else ``IllegalTransition``
    naming both states); a retired or unavailable item never goes straight to a
    patient-facing state, and no item reaches one (or comes back into service) while it
    is recalled, contaminated, past its service or under an open inspection or repair
    (``Unsafe``); ``actor`` may act on the item (``None`` is the system); a reason is
    given. The item row is locked, and the change, its ``StateChange`` row and its audit
    row are written in one transaction. Returns the item as stored.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the item changes state.", field="reason")
    if target not in State.values:
        raise DomainError(f"'{target}' is not a state.", field="state")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).select_related("asset_type", "recall", "site").get(
            pk=item.pk)
        if not can_act(actor, locked):
            raise NotAllowed("You may not change this item.", field="item")
        source = locked.state
        if not is_legal(source, target):
            raise IllegalTransition(source, target)
        why_not = _unsafe_reason(locked, target, today=site_today(locked, now))
        if why_not:
            raise Unsafe(f"{locked} cannot go from {label(source)} to {label(target)}: {why_not}.", field="state")
        locked.previous_state = source
        locked.state = target
        locked.state_changed_at = now
        # Leaving transit ends the journey, wherever it ends (arrival, a fault on the way).
        locked.destination = locked.destination if target == State.IN_TRANSIT else None
        locked.save(update_fields=["previous_state", "state", "state_changed_at", "destination"])
        StateChange.objects.create(item=locked, at=now, source=source, target=target, actor=actor, reason=reason)
        audit_record(actor=actor, action="asset.transition", obj=locked, before={"state": source},
                     after={"state": target}, rationale=reason)
    item.refresh_from_db()
    return item


def item_create(
    *,
    actor: Any,
    asset_type: AssetType,
    serial: str,
    site: Site,
    unit: Unit | None = None,
    state: str = State.READY,
    last_service_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Item:
    """Commission a new item: only where ``actor`` may act, in an initial state."""
    from roster import access

    now = now or timezone.now()
    serial = serial.strip()
    if not serial:
        raise DomainError("Give the serial number.", field="serial")
    if state not in INITIAL:
        raise DomainError(f"A new item starts as {', '.join(label(s) for s in INITIAL)}.", field="state")
    if unit is not None and unit.site_id != site.pk:
        raise DomainError(f"{unit} is not at {site}.", field="unit")
    if actor is not None and not (
        access.is_network_wide(actor)
        or access.managed_sites(actor).filter(pk=site.pk).exists()
        or (unit is not None and access.can_manage_unit(actor, unit.pk))
    ):
        raise NotAllowed("You may not add equipment there.", field="unit" if unit else "site")
    if Item.objects.filter(serial__iexact=serial).exists():
        raise DomainError(f"An item with serial {serial} already exists.", field="serial")
    today = local_date(now, site.timezone)
    with transaction.atomic():
        item = Item.objects.create(
            asset_type=asset_type, serial=serial, site=site, unit=unit, state=state, previous_state="",
            state_changed_at=now, last_service_on=last_service_on or today, commissioned_on=today,
            last_seen_at=now, last_seen_by=actor,
        )
        StateChange.objects.create(item=item, at=now, source="", target=state, actor=actor, reason="Commissioned.")
        LocationRecord.objects.create(item=item, at=now, event=LocationRecord.Event.COMMISSIONED, site=site,
                                      unit=unit, actor=actor)
        audit_record(actor=actor, action="asset.create", obj=item, after={"serial": serial, "state": state},
                     rationale="Commissioned.")
    return item
