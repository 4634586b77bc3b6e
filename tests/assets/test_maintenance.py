"""Maintenance triggers of all four kinds, each at its boundary; work orders; notices;
reliability."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assets import custody, maintenance
from assets.models import WorkOrder
from assets.selectors import reliability
from assets.states import State
from roster.models import Notification
from tests.assets import factories as af

pytestmark = pytest.mark.django_db
Kind = WorkOrder.Kind


def _now(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(6, 0)))


# --- time -------------------------------------------------------------------------

def test_a_time_trigger_does_not_fire_the_day_before_the_service_date(world):
    t = af.asset_type(service_interval_days=30, service_interval_hours=None)
    today = timezone.localdate()
    pump = af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=29))
    assert maintenance.maintenance_scan(now=_now(today)) == 0
    assert not pump.work_orders.exists()


def test_a_time_trigger_opens_a_work_order_on_the_service_date(world):
    t = af.asset_type(service_interval_days=30, service_interval_hours=None, service_sla_hours=48)
    today = timezone.localdate()
    pump = af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=30))
    now = _now(today)
    assert maintenance.maintenance_scan(now=now) == 1
    order = pump.work_orders.get()
    assert order.kind == Kind.TIME and order.due_at == now + dt.timedelta(hours=48)
    pump.refresh_from_db()
    assert pump.state == State.READY  # usable until the date has passed


def test_an_item_past_its_service_date_is_taken_off_the_shelf(world):
    t = af.asset_type(service_interval_days=30, service_interval_hours=None)
    today = timezone.localdate()
    pump = af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=31))
    maintenance.maintenance_scan(now=_now(today))
    pump.refresh_from_db()
    assert pump.state == State.MAINTENANCE
    assert pump.state_changes.get().actor is None


def test_the_scan_opens_nothing_twice(world):
    t = af.asset_type(service_interval_days=30, service_interval_hours=None)
    today = timezone.localdate()
    af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=40))
    assert maintenance.maintenance_scan(now=_now(today)) == 1
    assert maintenance.maintenance_scan(now=_now(today) + dt.timedelta(hours=1)) == 0
    assert WorkOrder.objects.count() == 1


def test_the_database_refuses_a_second_work_order_for_one_trigger(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    now = timezone.now()
    fields = {"item": pump, "kind": Kind.TIME, "trigger_key": "time:2026-01-01", "reason": "Due.",
              "opened_at": now, "due_at": now + dt.timedelta(hours=1)}
    WorkOrder.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(**{**fields, "trigger_key": "time:2026-01-02"})  # one open per kind


# --- usage ------------------------------------------------------------------------

def test_a_usage_trigger_does_not_fire_just_under_its_hours(world):
    t = af.asset_type(service_interval_days=None, service_interval_hours=500)
    pump = af.item(t, site=world.north, unit=world.icu, usage_hours=Decimal("1499.9"),
                   hours_at_service=Decimal(1000))
    assert maintenance.maintenance_scan_item(pump.pk) == 0


def test_a_usage_trigger_fires_at_its_hours(world):
    t = af.asset_type(service_interval_days=None, service_interval_hours=500)
    pump = af.item(t, site=world.north, unit=world.icu, usage_hours=Decimal(1500), hours_at_service=Decimal(1000))
    assert maintenance.maintenance_scan_item(pump.pk) == 1
    order = pump.work_orders.get()
    assert order.kind == Kind.USAGE and order.trigger_key == "usage:1500.0"
    pump.refresh_from_db()
    assert pump.state == State.MAINTENANCE


def test_hours_used_at_check_in_count_towards_the_usage_trigger(world):
    t = af.asset_type(service_interval_days=None, service_interval_hours=500)
    pump = af.item(t, site=world.north, unit=world.icu, state=State.DEPLOYED, usage_hours=Decimal(400))
    custody.item_check_in(actor=world.manager, item=pump, hours_used=Decimal(100))
    pump.refresh_from_db()
    assert pump.usage_hours == Decimal(500)
    assert maintenance.maintenance_scan_item(pump.pk) == 1


# --- condition --------------------------------------------------------------------

@pytest.mark.parametrize("value", ["20", "100"])
def test_a_reading_at_the_edge_of_its_range_is_in_range(world, value):
    t = af.asset_type()
    af.limit(t, "battery", 20, 100)
    pump = af.item(t, site=world.north, unit=world.icu)
    reading = maintenance.reading_record(actor=world.manager, item=pump, measure="battery", value=Decimal(value))
    assert reading.in_range
    pump.refresh_from_db()
    assert pump.state == State.READY and not pump.work_orders.exists()


@pytest.mark.parametrize("value", ["19.99", "100.01"])
def test_a_reading_just_outside_its_range_sends_the_item_to_inspection_at_once(world, value):
    t = af.asset_type()
    af.limit(t, "battery", 20, 100)
    pump = af.item(t, site=world.north, unit=world.icu, state=State.DEPLOYED)
    reading = maintenance.reading_record(actor=world.manager, item=pump, measure="battery", value=Decimal(value))
    assert not reading.in_range
    pump.refresh_from_db()
    assert pump.state == State.INSPECTION
    order = pump.work_orders.get()
    assert order.kind == Kind.CONDITION and "outside" in order.reason


def test_a_reading_of_a_measure_the_type_does_not_have_is_refused_by_name(world):
    t = af.asset_type()
    af.limit(t, "battery", 20, 100)
    pump = af.item(t, site=world.north, unit=world.icu)
    with pytest.raises(Exception, match="no reading 'pressure'") as refused:
        maintenance.reading_record(actor=world.manager, item=pump, measure="pressure", value=Decimal(1))
    assert refused.value.field == "measure"  # type: ignore[attr-defined]


# --- event ------------------------------------------------------------------------

def test_a_hazardous_deployment_sends_the_item_to_decontamination_when_it_comes_back(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    custody.item_check_out(actor=world.manager, item=pump, unit=world.icu, hazardous=True)
    custody.item_check_in(actor=world.manager, item=pump)
    pump.refresh_from_db()
    assert pump.state == State.DECONTAMINATION and pump.hazard_exposed
    order = pump.work_orders.get()
    assert order.kind == Kind.DECONTAMINATION
    with pytest.raises(Exception, match="decontaminated"):
        from assets.lifecycle import item_transition

        item_transition(actor=world.manager, item=pump, target=State.READY, reason="Looks clean.")
    maintenance.work_order_complete(actor=world.manager, work_order=order, outcome="passed", record="Cleaned.")
    pump.refresh_from_db()
    assert pump.state == State.READY and not pump.hazard_exposed


def test_an_ordinary_deployment_comes_back_ready(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    custody.item_check_out(actor=world.manager, item=pump, unit=world.icu)
    custody.item_check_in(actor=world.manager, item=pump)
    pump.refresh_from_db()
    assert pump.state == State.READY and not pump.work_orders.exists()


# --- work orders ------------------------------------------------------------------

def test_a_passed_service_resets_the_service_date_and_hours_and_returns_the_item(world):
    t = af.asset_type(service_interval_days=30)
    today = timezone.localdate()
    pump = af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=31),
                   usage_hours=Decimal(50))
    maintenance.maintenance_scan(now=_now(today))
    order = pump.work_orders.get()
    done = maintenance.work_order_complete(actor=world.coordinator, work_order=order, outcome="passed",
                                           record="Serviced to schedule.")
    assert done.status == "done" and done.completed_by == world.coordinator and done.record
    pump.refresh_from_db()
    assert pump.state == State.READY and pump.last_service_on == today and pump.hours_at_service == Decimal(50)


def test_a_failed_inspection_sends_the_item_to_repair_with_a_repair_order(world):
    t = af.asset_type()
    af.limit(t)
    pump = af.item(t, site=world.north, unit=world.icu)
    maintenance.reading_record(actor=world.manager, item=pump, measure="battery", value=Decimal(5))
    order = pump.work_orders.get()
    maintenance.work_order_complete(actor=world.manager, work_order=order, outcome="failed", record="Cell dead.")
    pump.refresh_from_db()
    assert pump.state == State.REPAIR
    assert pump.work_orders.get(status="open").kind == Kind.REPAIR


def test_a_work_order_is_completed_once(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    order = maintenance.fault_report(actor=world.manager, item=pump, reason="Alarm.")
    maintenance.work_order_complete(actor=world.manager, work_order=order, outcome="passed", record="Fixed.")
    with pytest.raises(Exception, match="already done"):
        maintenance.work_order_complete(actor=world.manager, work_order=order, outcome="passed", record="Again.")


def test_the_sites_coordinators_are_told_when_a_work_order_opens(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    maintenance.fault_report(actor=world.manager, item=pump, reason="Cracked casing.")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"coordinator"}
    assert "Cracked casing" in Notification.objects.get().text


def test_a_site_without_coordinators_tells_the_regional_coordinators(world):
    pump = af.item(af.asset_type(), site=world.south, unit=world.ed)
    maintenance.fault_report(actor=world.regional, item=pump, reason="Cracked casing.")
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"regional"}


def test_reliability_gives_mean_time_between_failures_and_to_repair_per_type(world):
    t = af.asset_type()
    a = af.item(t, site=world.north, unit=world.icu, usage_hours=Decimal(600), hours_at_service=Decimal(600))
    af.item(t, site=world.north, unit=world.icu, usage_hours=Decimal(400), hours_at_service=Decimal(400))
    start = timezone.now() - dt.timedelta(days=2)
    first = maintenance.fault_report(actor=world.manager, item=a, reason="Alarm.", now=start)
    maintenance.work_order_complete(actor=world.manager, work_order=first, outcome="passed", record="Fixed.",
                                    now=start + dt.timedelta(hours=10))
    second = maintenance.fault_report(actor=world.manager, item=a, reason="Alarm.", now=start + dt.timedelta(hours=20))
    maintenance.work_order_complete(actor=world.manager, work_order=second, outcome="passed", record="Fixed.",
                                    now=start + dt.timedelta(hours=40))
    (row,) = reliability()
    assert row.failures == 2
    assert row.mtbf_hours == Decimal(500)  # 1000 operating hours, two faults
    assert row.mttr_hours == Decimal(15)  # 10 h and 20 h


def test_the_service_date_is_the_day_at_the_items_site(world):
    # 12:00 UTC on 1 December is already 2 December in Auckland (UTC+13 in summer).
    world.south.timezone = "Pacific/Auckland"
    world.south.save(update_fields=["timezone"])
    t = af.asset_type(service_interval_days=30, service_interval_hours=None)
    due_on = dt.date(2026, 12, 2)
    far = af.item(t, site=world.south, unit=world.ed, last_service_on=due_on - dt.timedelta(days=30))
    near = af.item(t, site=world.north, unit=world.icu, last_service_on=due_on - dt.timedelta(days=30))
    noon_utc = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert maintenance.maintenance_scan(now=noon_utc) == 1
    assert far.work_orders.count() == 1 and not near.work_orders.exists()
