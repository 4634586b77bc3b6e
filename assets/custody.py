"""Who has an item and where it is: check-out and check-in, to a unit or an operator,
and label scans. Each writes a location record, so an item's whereabouts have a history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from roster import access
from roster.audit import audit_record
from roster.models import Certification, Staff, Unit

from . import queue
from .errors import Conflict, DomainError, NotAllowed, NotFound
from .lifecycle import item_transition, site_today
from .maintenance import Kind, work_order_open
from .models import Item, LocationRecord
from .permissions import can_act, can_scan, visible_items
from .states import GROUPS, Group, State, label

_CAN_CHECK_OUT = (State.READY, State.STANDBY, State.RESERVED)


def operator_refusal(item: Item, operator: Staff, *, today: dt.date) -> str:
    """Why ``operator`` may not be handed ``item`` today, or "" (active, and holding the
    certification the type requires, valid on the day)."""
    if not operator.active:
        return f"{operator} is no longer active."
    needed = item.asset_type.certification_type
    if needed is None:
        return ""
    held = Certification.objects.filter(staff=operator, type=needed)
    if any(c.valid_on(today) for c in held):
        return ""
    if held.exists():
        return f"{operator}'s {needed.name} is not valid on {today:%d %b %Y}; operating a {item.asset_type} requires it."
    return f"{operator} does not hold {needed.name}, which operating a {item.asset_type} requires."


def _record(item: Item, *, event: str, actor: Any, now: dt.datetime, note: str = "") -> LocationRecord:
    return LocationRecord.objects.create(item=item, at=now, event=event, site_id=item.site_id, unit=item.unit,
                                         operator=item.operator, actor=actor, note=note[:200])


def item_check_out(
    *,
    actor: Any,
    item: Item,
    unit: Unit | None = None,
    operator: Staff | None = None,
    hazardous: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> Item:
    """Hand an available item to a unit, an operator, or both; it becomes deployed.

    The operator must be active and hold the type's certification, valid today. Without
    a unit it goes to the operator's home unit (or stays where it is). ``hazardous``
    marks a deployment to a hazardous environment: the item must be decontaminated when
    it comes back. The destination must be a unit ``actor`` manages.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (Item.objects.select_for_update(of=("self",))
                  .select_related("asset_type__certification_type", "site").get(pk=item.pk))
        today = site_today(locked, now)
        if not can_act(actor, locked):
            raise NotAllowed("You may not check this item out.", field="item")
        if locked.state not in _CAN_CHECK_OUT:
            raise Conflict(f"{locked} is {label(locked.state)}: only a ready, standby or reserved item can be "
                           "checked out.", field="state")
        if unit is None and operator is None:
            raise DomainError("Check it out to a unit or an operator.", field="unit")
        if operator is not None:
            refusal = operator_refusal(locked, operator, today=today)
            if refusal:
                raise DomainError(refusal, field="operator")
        destination = unit or (operator.home_unit if operator is not None else None) or locked.unit
        if destination is not None:
            if actor is not None and not access.can_manage_unit(actor, destination.pk):
                raise NotAllowed(f"You may not send equipment to {destination}.", field="unit")
            if not locked.asset_type.movable and destination.site_id != locked.site_id:
                raise DomainError(f"A {locked.asset_type} does not move between sites.", field="unit")
        where = destination or locked.site
        who = f" for {operator}" if operator else ""
        reason = f"Checked out to {where}{who}" + (" (hazardous environment)" if hazardous else "") + (
            f": {note}" if note else ".")
        item_transition(actor=actor, item=locked, target=State.DEPLOYED, reason=reason, now=now)
        before = {"site": locked.site_id, "unit": locked.unit_id, "operator": locked.operator_id}
        if destination is not None:
            locked.unit = destination
            locked.site_id = destination.site_id
        locked.operator = operator
        locked.hazard_exposed = hazardous
        locked.last_seen_at, locked.last_seen_by = now, actor
        locked.save(update_fields=["unit", "site", "operator", "hazard_exposed", "last_seen_at", "last_seen_by"])
        _record(locked, event=LocationRecord.Event.CHECK_OUT, actor=actor, now=now, note=note)
        audit_record(actor=actor, action="asset.check_out", obj=locked, before=before,
                     after={"site": locked.site_id, "unit": locked.unit_id, "operator": locked.operator_id,
                            "hazardous": hazardous}, rationale=reason)
    item.refresh_from_db()
    return item


def item_check_in(
    *,
    actor: Any,
    item: Item,
    unit: Unit | None = None,
    hours_used: Decimal | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Item:
    """Take an item back from use: ready again, or — after a hazardous deployment —
    to decontamination with a work order (event trigger). Operating hours add to its
    meter, and its time and usage triggers are checked after the commit."""
    now = now or timezone.now()
    if hours_used is not None and hours_used < 0:
        raise DomainError("Hours used cannot be negative.", field="hours_used")
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).select_related("asset_type").get(pk=item.pk)
        if not can_act(actor, locked):
            raise NotAllowed("You may not check this item in.", field="item")
        if locked.state not in GROUPS[Group.IN_USE]:
            raise Conflict(f"{locked} is {label(locked.state)}, not in use: there is nothing to check in.",
                           field="state")
        if unit is not None and actor is not None and not access.can_manage_unit(actor, unit.pk):
            raise NotAllowed(f"You may not send equipment to {unit}.", field="unit")
        if hours_used:
            locked.usage_hours += hours_used
            locked.save(update_fields=["usage_hours"])
        exposed = locked.hazard_exposed
        target = State.DECONTAMINATION if exposed else State.READY
        reason = "Checked in" + (" from a hazardous environment: decontamination before reuse" if exposed else "") + (
            f": {note}" if note else ".")
        item_transition(actor=actor, item=locked, target=target, reason=reason, now=now)
        if exposed:
            checkout = locked.locations.filter(event=LocationRecord.Event.CHECK_OUT).order_by("-at", "-id").first()
            work_order_open(actor=actor, item=locked, kind=Kind.DECONTAMINATION,
                            trigger_key=f"hazard:{checkout.pk if checkout else now.isoformat()}",
                            reason="Deployed to a hazardous environment: decontaminate before reuse.", now=now)
        if unit is not None:
            locked.unit, locked.site_id = unit, unit.site_id
        locked.operator = None
        locked.last_seen_at, locked.last_seen_by = now, actor
        locked.save(update_fields=["unit", "site", "operator", "last_seen_at", "last_seen_by"])
        _record(locked, event=LocationRecord.Event.CHECK_IN, actor=actor, now=now,
                note=(f"{hours_used} h used. " if hours_used else "") + note)
        audit_record(actor=actor, action="asset.check_in", obj=locked,
                     after={"unit": locked.unit_id, "hours_used": str(hours_used or 0)}, rationale=reason)
        queue.after_commit(queue.MAINTENANCE_SCAN_ITEM, locked.pk)
    item.refresh_from_db()
    return item


def item_scan(
    *, actor: Any, serial: str, unit: Unit | None = None, now: dt.datetime | None = None
) -> Item:
    """A label scanned (the serial typed, or its QR page opened): the item was seen now,
    by ``actor``, and — when a unit is given — there.

    Anyone with a login may record a sighting of an item they can see; a unit given must
    be one they can see too (their own unit for staff).
    """
    now = now or timezone.now()
    serial = (serial or "").strip()
    if not serial:
        raise DomainError("Type the serial number on the label.", field="serial")
    if not can_scan(actor):
        raise NotAllowed("Log in to scan equipment.", field="serial")
    with transaction.atomic():
        locked = visible_items(actor).select_for_update(of=("self",)).filter(serial__iexact=serial).first()
        if locked is None:
            raise NotFound(f"No item you can see has the serial {serial}.", field="serial")
        if unit is not None:
            if not access.visible_units(actor).filter(pk=unit.pk).exists():
                raise NotAllowed(f"You may not record equipment at {unit}.", field="unit")
            if not locked.asset_type.movable and unit.site_id != locked.site_id:
                raise DomainError(f"A {locked.asset_type} does not move between sites.", field="unit")
            locked.unit, locked.site_id = unit, unit.site_id
        locked.last_seen_at, locked.last_seen_by = now, actor
        locked.save(update_fields=["unit", "site", "last_seen_at", "last_seen_by"])
        _record(locked, event=LocationRecord.Event.SCAN, actor=actor, now=now)
    return locked


# --- transfers --------------------------------------------------------------------
# A move between units or sites (what an approved redeployment asks for): the item is
# in transit, with its destination, until someone at either end records its arrival.

_CAN_TRANSFER = (State.READY, State.STANDBY)


def item_transfer_dispatch(
    *, actor: Any, item: Item, unit: Unit, note: str = "", now: dt.datetime | None = None
) -> Item:
    """Send an available item to ``unit``: it is in transit until it arrives.

    ``actor`` acts for the sending end (may act on the item); a unit manager sends only to
    units they manage, a coordinator anywhere in their sites, a regional coordinator
    anywhere. A type that does not move between sites stays at its site.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).select_related("asset_type", "site").get(pk=item.pk)
        if not can_act(actor, locked):
            raise NotAllowed("You may not send this item anywhere.", field="item")
        if locked.state not in _CAN_TRANSFER:
            raise Conflict(f"{locked} is {label(locked.state)}: only a ready or standby item is sent on.",
                           field="state")
        if unit.pk == locked.unit_id:
            raise DomainError(f"{locked} is already at {unit}.", field="unit")
        if actor is not None and not (
            access.is_network_wide(actor) or access.can_manage_unit(actor, unit.pk)
            or access.managed_sites(actor).filter(pk=unit.site_id).exists()
        ):
            raise NotAllowed(f"You may not send equipment to {unit}.", field="unit")
        if not locked.asset_type.movable and unit.site_id != locked.site_id:
            raise DomainError(f"A {locked.asset_type} does not move between sites.", field="unit")
        reason = f"Sent to {unit}" + (f": {note}" if note else ".")
        item_transition(actor=actor, item=locked, target=State.IN_TRANSIT, reason=reason, now=now)
        locked.destination = unit
        locked.last_seen_at, locked.last_seen_by = now, actor
        locked.save(update_fields=["destination", "last_seen_at", "last_seen_by"])
        _record(locked, event=LocationRecord.Event.TRANSFER_OUT, actor=actor, now=now, note=f"To {unit}. {note}")
        audit_record(actor=actor, action="asset.transfer", obj=locked, after={"destination": unit.pk},
                     rationale=reason)
    item.refresh_from_db()
    return item


def item_transfer_arrive(*, actor: Any, item: Item, now: dt.datetime | None = None) -> Item:
    """Record that an item in transit reached its destination: it is ready there.

    Either end may record it: someone who may act on the item, or a manager of the
    destination unit (the one who unpacks it).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Item.objects.select_for_update(of=("self",)).select_related("destination").get(pk=item.pk)
        destination = locked.destination
        if locked.state != State.IN_TRANSIT or destination is None:
            raise Conflict(f"{locked} is not on its way anywhere.", field="state")
        if actor is not None and not (can_act(actor, locked) or access.can_manage_unit(actor, destination.pk)):
            raise NotAllowed("You may not receive this item.", field="item")
        # The receiving manager may not act on the item until it is theirs: move it
        # first, then make the transition as the system would (the actor is recorded).
        locked.unit, locked.site_id, locked.destination = destination, destination.site_id, None
        locked.operator = None
        locked.last_seen_at, locked.last_seen_by = now, actor
        locked.save(update_fields=["unit", "site", "destination", "operator", "last_seen_at", "last_seen_by"])
        item_transition(actor=actor, item=locked, target=State.READY, reason=f"Arrived at {destination}.", now=now)
        _record(locked, event=LocationRecord.Event.TRANSFER_IN, actor=actor, now=now)
    item.refresh_from_db()
    return item
