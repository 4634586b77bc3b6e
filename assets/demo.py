"""Demo equipment: a few hundred items across the demo network, with history.

``build_assets_demo()`` runs after ``roster.demo.build_demo()`` (from ``seed_demo``). It
is a bulk loader like that one: it writes straight to the tables (no audit rows: the
seed run is recorded once by the roster's loader) and is idempotent — types are matched
on their code and items on their serial, and an item that already exists is left as it
is, history and all, so a second run adds nothing.

What it makes: ventilators, infusion pumps, monitors, portable ultrasound, defibrillators
and ambulances in every unit and site store, most ready, some deployed (with their
check-out), a few in maintenance or repair, a few due for service soon or overdue (with
their work orders), past faults with their repairs (so MTBF and MTTR mean something),
two surplus items and one condemned.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from roster.models import CertificationType, Site, Unit

from .models import AssetType, ConditionLimit, Item, LocationRecord, StateChange, WorkOrder
from .states import State

SEED = "headroom-assets-1"
DEMO_SITES = ("riverside", "northgate", "st-aidans")


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    category: str
    manufacturer: str
    model_number: str
    certification: str | None
    days: int | None
    hours: int | None
    limits: tuple[tuple[str, str, Decimal | None, Decimal | None], ...]
    prefix: str


TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("vent-servo", "Ventilator (Servo-class)", AssetType.Category.VENTILATOR, "Maquet", "SV-300", "acls",
             180, 5000, (("oxygen-cell", "%", Decimal(18), Decimal(100)), ("battery", "%", Decimal(30), Decimal(100))),
             "VEN"),
    TypeSpec("pump-volumetric", "Infusion pump (volumetric)", AssetType.Category.INFUSION_PUMP, "Baxter",
             "VP-8", None, 365, 8000,
             (("flow-error", "%", Decimal(-5), Decimal(5)), ("battery", "%", Decimal(20), Decimal(100))), "PMP"),
    TypeSpec("monitor-bedside", "Patient monitor (bedside)", AssetType.Category.MONITOR, "Philips", "MX-450",
             None, 365, None, (("battery", "%", Decimal(20), Decimal(100)),), "MON"),
    TypeSpec("ultrasound-portable", "Portable ultrasound", AssetType.Category.ULTRASOUND, "GE", "VS-Air",
             None, 365, None, (), "USS"),
    TypeSpec("defib-aed", "Defibrillator (manual/AED)", AssetType.Category.DEFIBRILLATOR, "Zoll", "R-Series",
             "acls", 90, None, (("battery", "%", Decimal(40), Decimal(100)),), "DEF"),
    TypeSpec("ambulance-a", "Ambulance (type A)", AssetType.Category.AMBULANCE, "Fiat", "Ducato-A", None,
             120, 2000, (("tyre-tread", "mm", Decimal(2), None),), "AMB"),
)

# Items per unit kind: (type code, how many).
PER_UNIT: dict[str, tuple[tuple[str, int], ...]] = {
    Unit.Kind.ICU: (("vent-servo", 8), ("pump-volumetric", 20), ("monitor-bedside", 10),
                    ("ultrasound-portable", 1), ("defib-aed", 2)),
    Unit.Kind.ED: (("vent-servo", 2), ("pump-volumetric", 10), ("monitor-bedside", 8),
                   ("ultrasound-portable", 2), ("defib-aed", 2)),
    Unit.Kind.STEPDOWN: (("vent-servo", 2), ("pump-volumetric", 8), ("monitor-bedside", 8), ("defib-aed", 1)),
    Unit.Kind.THEATRES: (("pump-volumetric", 6), ("monitor-bedside", 4), ("ultrasound-portable", 1),
                         ("defib-aed", 1)),
}
DEFAULT_PER_UNIT: tuple[tuple[str, int], ...] = (("pump-volumetric", 12), ("monitor-bedside", 4), ("defib-aed", 1))
# Each site's equipment store (no unit), and its ambulances.
PER_STORE: tuple[tuple[str, int], ...] = (("pump-volumetric", 16), ("monitor-bedside", 6), ("vent-servo", 2),
                                          ("ambulance-a", 2))


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@transaction.atomic
def build_assets_demo(*, today: dt.date | None = None) -> int:
    """Load the demo equipment (items not there yet); returns how many items it added."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    certs = {c.code: c for c in CertificationType.objects.filter(code__in=["acls"])}
    types: dict[str, AssetType] = {}
    for spec in TYPES:
        t, _ = AssetType.objects.update_or_create(code=spec.code, defaults={
            "name": spec.name, "category": spec.category, "manufacturer": spec.manufacturer,
            "model_number": spec.model_number,
            "certification_type": certs.get(spec.certification) if spec.certification else None,
            "service_interval_days": spec.days, "service_interval_hours": spec.hours, "movable": True,
        })
        types[spec.code] = t
        for measure, unit_label, low, high in spec.limits:
            ConditionLimit.objects.update_or_create(asset_type=t, measure=measure, defaults={
                "unit_label": unit_label, "minimum": low, "maximum": high})
    prefixes = {spec.code: spec.prefix for spec in TYPES}

    # Where: every unit of the demo sites, then each site's store.
    places: list[tuple[Site, Unit | None, tuple[tuple[str, int], ...]]] = []
    for site in Site.objects.filter(code__in=DEMO_SITES).order_by("code"):
        for u in Unit.objects.filter(site=site).order_by("code"):
            places.append((site, u, PER_UNIT.get(u.kind, DEFAULT_PER_UNIT)))
        places.append((site, None, PER_STORE))

    existing = set(Item.objects.values_list("serial", flat=True))
    items: list[Item] = []
    plans: list[dict[str, Any]] = []
    for site, unit, contents in places:
        for code, count in contents:
            for n in range(1, count + 1):
                place = unit.code if unit else "store"
                serial = f"{prefixes[code]}-{site.code[:3].upper()}-{place.upper()[:5]}-{n:02d}"
                plan = _plan(rng, types[code], today)
                if serial in existing:
                    continue
                items.append(Item(
                    asset_type=types[code], serial=serial, site=site, unit=unit, state=plan["state"],
                    previous_state=plan["previous"], state_changed_at=plan["changed_at"],
                    condition=plan["condition"], usage_hours=plan["usage"], last_service_on=plan["last_service"],
                    hours_at_service=plan["hours_at_service"], last_seen_at=plan["seen"],
                    commissioned_on=plan["commissioned"],
                ))
                plans.append(plan)
    # The network's one condemned item: an old ventilator that failed its repair.
    for item, plan in zip(items, plans, strict=True):
        if item.asset_type.code == "vent-servo" and item.unit is None and item.state == State.READY:
            plan["story"] = "condemned"
            item.state, item.previous_state = State.CONDEMNED, State.REPAIR
            break
    Item.objects.bulk_create(items, batch_size=500)
    _history(items, plans, today)
    return len(items)


def _plan(rng: random.Random, t: AssetType, today: dt.date) -> dict[str, Any]:
    """An item's state and dates (drawn whether or not the item is created, so the same
    serial always gets the same story)."""
    commissioned = today - dt.timedelta(days=rng.randint(200, 2500))
    interval = t.service_interval_days or 365
    roll = rng.random()
    story = "ready"
    since_service = rng.randint(5, max(6, interval - 20))
    if roll < 0.04:
        story, since_service = "overdue", interval + rng.randint(1, 10)
    elif roll < 0.08:
        story, since_service = "due_soon", interval - rng.randint(1, 10)
    elif roll < 0.28:
        story = "deployed"
    elif roll < 0.34:
        story = "standby"
    elif roll < 0.37:
        story = "repair"
    elif roll < 0.39:
        story = "surplus"
    usage = Decimal(rng.randint(200, 6000))
    if t.service_interval_hours:
        hours_since = Decimal(rng.randint(0, int(t.service_interval_hours * 0.8)))
    else:
        hours_since = Decimal(rng.randint(0, 400))
    hours_since = min(hours_since, usage)
    state, previous = {
        "ready": (State.READY, State.DEPLOYED), "overdue": (State.MAINTENANCE, State.READY),
        "due_soon": (State.READY, State.DEPLOYED), "deployed": (State.DEPLOYED, State.READY),
        "standby": (State.STANDBY, State.READY), "repair": (State.REPAIR, State.DEPLOYED),
        "surplus": (State.SURPLUS, State.READY),
    }[story]
    changed = _aware(today - dt.timedelta(days=rng.randint(0, 6)), rng.randint(7, 20))
    return {
        "story": story, "state": state, "previous": previous, "changed_at": changed,
        "condition": rng.choice(["good", "good", "good", "fair"]), "usage": usage,
        "last_service": today - dt.timedelta(days=since_service), "hours_at_service": usage - hours_since,
        "seen": changed + dt.timedelta(hours=rng.randint(0, 30)), "commissioned": commissioned,
        "faults": rng.choice([0, 0, 0, 1, 1, 2]), "rng": rng.random(),
    }


def _history(items: list[Item], plans: list[dict[str, Any]], today: dt.date) -> None:
    changes: list[StateChange] = []
    locations: list[LocationRecord] = []
    orders: list[WorkOrder] = []
    for item, plan in zip(items, plans, strict=True):
        start = _aware(plan["commissioned"], 9)
        changes.append(StateChange(item=item, at=start, source="", target=State.READY, reason="Commissioned."))
        locations.append(LocationRecord(item=item, at=start, event=LocationRecord.Event.COMMISSIONED,
                                        site=item.site, unit=item.unit))
        # Past faults and their repairs (for MTBF and MTTR).
        for k in range(plan["faults"]):
            failed = _aware(plan["commissioned"] + dt.timedelta(days=60 + 90 * k), 10)
            mended = failed + dt.timedelta(hours=12 + int(plan["rng"] * 60) + 10 * k)
            changes += [
                StateChange(item=item, at=failed, source=State.READY, target=State.REPAIR,
                            reason="Fault: alarm on self-test."),
                StateChange(item=item, at=mended, source=State.REPAIR, target=State.READY,
                            reason="Repair work order done: part replaced, tested."),
            ]
            orders.append(WorkOrder(item=item, kind=WorkOrder.Kind.REPAIR, trigger_key=f"demo-fault:{k}",
                                    reason="Fault reported: alarm on self-test.", opened_at=failed,
                                    due_at=failed + dt.timedelta(hours=72), status=WorkOrder.Status.DONE,
                                    completed_at=mended, outcome=WorkOrder.Outcome.PASSED,
                                    record="Part replaced, tested to the maker's procedure."))
        changed = plan["changed_at"]
        before = changed - dt.timedelta(days=1)
        story = plan["story"]
        if story in ("ready", "due_soon"):
            changes += [
                StateChange(item=item, at=before, source=State.READY, target=State.DEPLOYED, reason="Checked out."),
                StateChange(item=item, at=changed, source=State.DEPLOYED, target=State.READY, reason="Checked in."),
            ]
            locations += [
                LocationRecord(item=item, at=before, event=LocationRecord.Event.CHECK_OUT, site=item.site,
                               unit=item.unit),
                LocationRecord(item=item, at=changed, event=LocationRecord.Event.CHECK_IN, site=item.site,
                               unit=item.unit),
            ]
        elif story == "deployed":
            changes.append(StateChange(item=item, at=changed, source=State.READY, target=State.DEPLOYED,
                                       reason=f"Checked out to {item.unit or item.site}."))
            locations.append(LocationRecord(item=item, at=changed, event=LocationRecord.Event.CHECK_OUT,
                                            site=item.site, unit=item.unit))
        elif story == "standby":
            changes.append(StateChange(item=item, at=changed, source=State.READY, target=State.STANDBY,
                                       reason="Kept on standby for the surge plan."))
        elif story == "surplus":
            changes.append(StateChange(item=item, at=changed, source=State.READY, target=State.SURPLUS,
                                       reason="Surplus after the ward's refit."))
        elif story == "overdue":
            due_on = item.last_service_on + dt.timedelta(days=item.asset_type.service_interval_days or 365)
            opened = _aware(due_on, 6)
            changes.append(StateChange(item=item, at=changed, source=State.READY, target=State.MAINTENANCE,
                                       reason="Taken out of service by the maintenance scan: its service is overdue."))
            orders.append(WorkOrder(item=item, kind=WorkOrder.Kind.TIME, trigger_key=f"time:{due_on.isoformat()}",
                                    reason=f"Scheduled service due on {due_on:%d %b %Y}.", opened_at=opened,
                                    due_at=opened + dt.timedelta(hours=item.asset_type.service_sla_hours)))
        elif story == "repair":
            changes += [
                StateChange(item=item, at=before, source=State.READY, target=State.DEPLOYED, reason="Checked out."),
                StateChange(item=item, at=changed, source=State.DEPLOYED, target=State.REPAIR,
                            reason="Fault: occlusion alarm will not clear."),
            ]
            orders.append(WorkOrder(item=item, kind=WorkOrder.Kind.REPAIR, trigger_key="demo-fault:open",
                                    reason="Fault reported: occlusion alarm will not clear.", opened_at=changed,
                                    due_at=changed + dt.timedelta(hours=72)))
        elif story == "condemned":
            changes += [
                StateChange(item=item, at=before, source=State.READY, target=State.REPAIR,
                            reason="Fault: turbine failure."),
                StateChange(item=item, at=changed, source=State.REPAIR, target=State.CONDEMNED,
                            reason="Beyond economic repair: turbine and board failed."),
            ]
            orders.append(WorkOrder(item=item, kind=WorkOrder.Kind.REPAIR, trigger_key="demo-fault:condemned",
                                    reason="Fault reported: turbine failure.", opened_at=before,
                                    due_at=before + dt.timedelta(hours=72), status=WorkOrder.Status.DONE,
                                    completed_at=changed, outcome=WorkOrder.Outcome.CONDEMNED,
                                    record="Beyond economic repair: turbine and board failed."))
    StateChange.objects.bulk_create(changes, batch_size=1000)
    LocationRecord.objects.bulk_create(locations, batch_size=1000)
    WorkOrder.objects.bulk_create(orders, batch_size=1000)
