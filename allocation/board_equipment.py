"""Equipment on the status board: what each site has ready per type, what is in use or on
its way somewhere, and what cannot be used.

An item counts as *available* only when it is ready or on standby **and** inside its
service interval (days and operating hours) **and** not under an open recall: an item
past its service date must never reach a patient, so the board counts it with the
unavailable ones (maintenance, repair, decontamination, inspection), whatever its state
says. Retired items are not counted. Reserved, deployed and setup/teardown are *in
use*; in transit is shown apart (it is neither here nor there until it arrives).

Everything here costs a fixed number of queries whatever the number of sites or items:
one read of the items of the sites asked for, grouped in Python (the service rules are
the item's own methods, not re-written in SQL).

``movable_available`` is the figure the redeployment problem reads: available items of
movable types per (site, type).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assets.models import Item
from assets.states import GROUPS, Group, State

from . import board
from .models.redeploy import Recommendation

_AVAILABLE = (State.READY, State.STANDBY)
_IN_USE = (State.RESERVED, State.DEPLOYED, State.SETUP_TEARDOWN)


@dataclass
class EquipmentCount:
    """One site's items of one type, as the board counts them."""

    site_id: int
    asset_type_id: int
    asset_type: str
    movable: bool
    available: int = 0
    in_use: int = 0
    in_transit: int = 0
    unavailable: int = 0
    past_service: int = 0  # ready or on standby but past service: counted in ``unavailable`` too

    @property
    def total(self) -> int:
        return self.available + self.in_use + self.in_transit + self.unavailable


def past_service(item: Item, today: dt.date) -> bool:
    """Past its service date or its operating hours since the last service (the type's
    plan), or pulled by a recall: not to be used on a patient."""
    if item.recall_id is not None:
        return True
    due_on = item.service_due_on()
    if due_on is not None and due_on < today:
        return True
    hours = item.asset_type.service_interval_hours
    return hours is not None and hours > 0 and item.hours_since_service() >= Decimal(hours)


def _items(site_ids: Sequence[int], unit_ids: Iterable[int] | None) -> QuerySet[Item]:
    items = (Item.objects.filter(site_id__in=list(site_ids)).exclude(state__in=GROUPS[Group.RETIRED])
             .select_related("asset_type")
             .only("pk", "site_id", "unit_id", "state", "recall_id", "last_service_on", "usage_hours",
                   "hours_at_service", "asset_type__name", "asset_type__movable",
                   "asset_type__service_interval_days", "asset_type__service_interval_hours"))
    if unit_ids is not None:
        items = items.filter(unit_id__in=list(unit_ids))
    return items


def equipment_by_site(site_ids: Sequence[int], *, today: dt.date | None = None,
                      unit_ids: Iterable[int] | None = None) -> dict[int, list[EquipmentCount]]:
    """Per site, its counts per type ordered by type name, in one query. ``unit_ids``
    limits the count to items located in those units (what a unit manager sees)."""
    today = today or timezone.localdate()
    rows: dict[tuple[int, int], EquipmentCount] = {}
    for item in _items(site_ids, unit_ids):
        key = (item.site_id, item.asset_type_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = EquipmentCount(item.site_id, item.asset_type_id, item.asset_type.name,
                                             item.asset_type.movable)
        if item.state in _AVAILABLE:
            if past_service(item, today):
                row.past_service += 1
                row.unavailable += 1
            else:
                row.available += 1
        elif item.state == State.IN_TRANSIT:
            row.in_transit += 1
        elif item.state in _IN_USE:
            row.in_use += 1
        else:
            row.unavailable += 1
    by_site: dict[int, list[EquipmentCount]] = {}
    for row in sorted(rows.values(), key=lambda r: (r.site_id, r.asset_type)):
        by_site.setdefault(row.site_id, []).append(row)
    return by_site


def movable_available(site_ids: Sequence[int] | None = None, *,
                      today: dt.date | None = None) -> dict[tuple[int, int], int]:
    """Available items of movable types per (site id, asset type id): what a redeployment
    may move. ``site_ids`` None: every site."""
    if site_ids is None:
        from roster.models import Site

        site_ids = list(Site.objects.values_list("pk", flat=True))
    return {(row.site_id, row.asset_type_id): row.available
            for rows in equipment_by_site(site_ids, today=today).values() for row in rows
            if row.movable and row.available}


# --- what the board's registry shows ---------------------------------------------------

def equipment_transfers(site_ids: Sequence[int], now: dt.datetime) -> list[board.TransferItem]:
    """Items in transit from or to the sites: one query."""
    # A device moved by an approved redeployment is shown by redeployment's own source,
    # with its ETA: not twice.
    moved = Recommendation.objects.filter(status=Recommendation.Status.APPROVED, item__isnull=False).values("item_id")
    items = (Item.objects.filter(state=State.IN_TRANSIT)
             .filter(Q(site_id__in=list(site_ids)) | Q(destination__site_id__in=list(site_ids)))
             .exclude(pk__in=moved)
             .select_related("asset_type", "site", "unit", "destination", "destination__site")
             .order_by("state_changed_at"))
    found = []
    for item in items:
        origin = f"{item.unit.name}" if item.unit else f"{item.site.name} store"
        dest = item.destination
        found.append(board.TransferItem(
            kind="equipment", what=f"{item.asset_type.name} {item.serial}", origin=origin,
            destination=dest.name if dest else "", status="In transit", departs=item.state_changed_at,
            site_ids=tuple(sorted({item.site_id, *([dest.site_id] if dest else [])})),
            url=reverse("assets:item-detail", args=[item.pk]),
        ))
    return found


def equipment_alerts(site_ids: Sequence[int], now: dt.datetime) -> list[board.Alert]:
    """A warning per site holding ready items that are past their service (they are
    counted unavailable until serviced): one query."""
    today = timezone.localdate(now)
    counts: dict[int, int] = {}
    for item in _items(site_ids, None).filter(state__in=_AVAILABLE):
        if past_service(item, today):
            counts[item.site_id] = counts.get(item.site_id, 0) + 1
    return [board.Alert(severity="warning", at=now, site_id=site_id,
                        text=f"{n} item{'s' if n != 1 else ''} of equipment past service or recalled: "
                             "counted unavailable until serviced.",
                        url=reverse("assets:maintenance"))
            for site_id, n in sorted(counts.items())]


def register() -> None:
    board.register_transfer_source("equipment", equipment_transfers)
    board.register_alert_source("equipment", equipment_alerts)
