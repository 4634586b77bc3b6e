"""Reads: availability per site and type, lists, an item's timeline, reliability.

``availability`` is what the multi-site status board and the capacity assessment will
call: counts per (site, type) of items ready, in use, unavailable and due soon.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from .models import AssetType, Item, LocationRecord, Reading, StateChange, WorkOrder
from .permissions import visible_items, visible_work_orders
from .states import GROUPS, Group, State, label


@dataclass
class Availability:
    """One site's items of one type. ``ready``: ready or on standby, not due soon;
    ``due_soon``: ready or on standby but due a service within the type's warning days
    (or its hours within a tenth of the interval), or with a service work order open;
    ``in_use``: in use or reserved (spoken for); ``unavailable``: in maintenance, repair,
    decontamination or inspection. Retired items are not counted."""

    site_id: int
    site_name: str
    asset_type_id: int
    asset_type_name: str
    ready: int = 0
    in_use: int = 0
    unavailable: int = 0
    due_soon: int = 0

    @property
    def total(self) -> int:
        return self.ready + self.in_use + self.unavailable + self.due_soon


def is_due_soon(item: Item, *, today: dt.date, open_service: bool = False) -> bool:
    plan = item.asset_type
    due_on = item.service_due_on()
    if due_on is not None and due_on <= today + dt.timedelta(days=plan.due_soon_days):
        return True
    if plan.service_interval_hours:
        left = Decimal(plan.service_interval_hours) - item.hours_since_service()
        if left <= Decimal(plan.service_interval_hours) / 10:
            return True
    return open_service


def availability(
    user: Any, *, today: dt.date | None = None, site_ids: list[int] | None = None,
    asset_type_ids: list[int] | None = None,
) -> list[Availability]:
    """Counts per site and type of the items ``user`` can see, ordered by site and type."""
    today = today or timezone.localdate()
    items = visible_items(user).exclude(state__in=GROUPS[Group.RETIRED])
    if site_ids is not None:
        items = items.filter(site_id__in=site_ids)
    if asset_type_ids is not None:
        items = items.filter(asset_type_id__in=asset_type_ids)
    items = items.select_related("site", "asset_type").annotate(
        open_service=Count("work_orders", filter=Q(work_orders__status=WorkOrder.Status.OPEN,
                                                   work_orders__kind__in=(WorkOrder.Kind.TIME, WorkOrder.Kind.USAGE)))
    ).only("pk", "state", "site__name", "asset_type__name", "asset_type__service_interval_days",
           "asset_type__service_interval_hours", "asset_type__due_soon_days", "last_service_on",
           "usage_hours", "hours_at_service")
    rows: dict[tuple[int, int], Availability] = {}
    for item in items:
        key = (item.site_id, item.asset_type_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Availability(item.site_id, item.site.name, item.asset_type_id, item.asset_type.name)
        if item.state in (State.READY, State.STANDBY):
            if is_due_soon(item, today=today, open_service=bool(item.open_service)):
                row.due_soon += 1
            else:
                row.ready += 1
        elif item.state == State.RESERVED or item.state in GROUPS[Group.IN_USE]:
            row.in_use += 1
        else:
            row.unavailable += 1
    return sorted(rows.values(), key=lambda r: (r.site_name, r.asset_type_name))


def item_list(user: Any, *, site: int | None = None, unit: int | None = None, asset_type: int | None = None,
              group: str | None = None, state: str | None = None, q: str = "") -> QuerySet[Item]:
    items = visible_items(user).select_related("asset_type", "site", "unit", "operator", "last_seen_by")
    if site:
        items = items.filter(site_id=site)
    if unit:
        items = items.filter(unit_id=unit)
    if asset_type:
        items = items.filter(asset_type_id=asset_type)
    if group:
        items = items.filter(state__in=GROUPS[group])
    if state:
        items = items.filter(state=state)
    if q:
        items = items.filter(Q(serial__icontains=q) | Q(asset_type__name__icontains=q))
    return items.order_by("asset_type__name", "serial")


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    text: str
    who: str = ""
    tone: str = ""


def _who(user: Any) -> str:
    if user is None:
        return "Headroom"
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return name or user.get_username()


def timeline(item: Item, *, limit: int = 200) -> list[TimelineEntry]:
    """Everything that happened to ``item``, newest first: state changes, locations,
    readings and work orders."""
    entries: list[TimelineEntry] = []
    for c in StateChange.objects.filter(item=item).select_related("actor")[:limit]:
        text = f"{label(c.source)} → {label(c.target)}" if c.source else f"Entered service as {label(c.target)}"
        entries.append(TimelineEntry(c.at, "state", f"{text}. {c.reason}", _who(c.actor)))
    for loc in LocationRecord.objects.filter(item=item).select_related("unit", "site", "operator", "actor")[:limit]:
        where = loc.unit.name if loc.unit else f"{loc.site.name} store"
        extra = f", with {loc.operator}" if loc.operator else ""
        text = f"{loc.get_event_display()}: {where}{extra}" + (f". {loc.note}" if loc.note else "")
        entries.append(TimelineEntry(loc.at, "location", text, _who(loc.actor)))
    for r in Reading.objects.filter(item=item).select_related("actor")[:limit]:
        entries.append(TimelineEntry(r.at, "reading", f"Reading {r.measure} = {r.value}" +
                                     ("" if r.in_range else " (out of range)"), _who(r.actor),
                                     "" if r.in_range else "danger"))
    for w in WorkOrder.objects.filter(item=item).select_related("completed_by")[:limit]:
        entries.append(TimelineEntry(w.opened_at, "work_order", f"Work order opened: {w.get_kind_display()}. {w.reason}",
                                     "Headroom", "warning"))
        if w.completed_at:
            entries.append(TimelineEntry(w.completed_at, "work_order",
                                         f"Work order done ({w.get_outcome_display()}): {w.record}",
                                         _who(w.completed_by)))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def incoming(user: Any) -> QuerySet[Item]:
    """Items on their way to a unit ``user`` manages (theirs to receive)."""
    from roster import access

    return (Item.objects.filter(state=State.IN_TRANSIT, destination__in=access.managed_units(user))
            .select_related("asset_type", "site", "unit", "destination").order_by("state_changed_at"))


def maintenance_queue(user: Any, *, status: str = WorkOrder.Status.OPEN) -> QuerySet[WorkOrder]:
    return visible_work_orders(user).filter(status=status).select_related(
        "item__asset_type", "item__site", "item__unit").order_by("due_at", "id")


@dataclass
class Reliability:
    asset_type: AssetType
    failures: int
    operating_hours: Decimal
    mtbf_hours: Decimal | None
    mttr_hours: Decimal | None
    repairs_done: int = 0
    notes: list[str] = field(default_factory=list)


def reliability(asset_types: QuerySet[AssetType] | None = None) -> list[Reliability]:
    """Mean time between failures (operating hours of the type's items per reported
    fault) and mean time to repair (hours from a fault's report to its repair work
    order's completion), per type."""
    types = list((asset_types if asset_types is not None else AssetType.objects.all()).order_by("name"))
    hours = dict(Item.objects.values("asset_type").annotate(h=Sum("usage_hours")).values_list("asset_type", "h"))
    failures = dict(WorkOrder.objects.filter(kind=WorkOrder.Kind.REPAIR).values("item__asset_type")
                    .annotate(n=Count("id")).values_list("item__asset_type", "n"))
    repair = ExpressionWrapper(F("completed_at") - F("opened_at"), output_field=DurationField())
    repairs: dict[int, tuple[Any, int]] = defaultdict(lambda: (None, 0))
    for row in (WorkOrder.objects.filter(kind=WorkOrder.Kind.REPAIR, status=WorkOrder.Status.DONE)
                .values("item__asset_type").annotate(mean=Avg(repair), n=Count("id"))):
        repairs[row["item__asset_type"]] = (row["mean"], row["n"])
    out = []
    for t in types:
        total = Decimal(hours.get(t.pk) or 0)
        n = failures.get(t.pk, 0)
        mean, done = repairs[t.pk]
        mttr = Decimal(str(round(mean.total_seconds() / 3600, 1))) if mean is not None else None
        out.append(Reliability(t, n, total, (total / n).quantize(Decimal("0.1")) if n else None, mttr, done))
    return out
