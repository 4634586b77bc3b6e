"""The daily scan on a real Celery worker, and its idempotence."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from assets import maintenance
from assets.models import WorkOrder
from assets.states import State
from assets.tasks import maintenance_scan_item_task, maintenance_scan_task
from roster.models import Notification
from tests.assets import factories as af

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_the_daily_scan_runs_on_a_worker_and_a_retry_opens_nothing_twice(world, celery_worker_process):
    today = timezone.localdate()
    t = af.asset_type(service_interval_days=30, service_interval_hours=None)
    due = af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=30))
    overdue = af.item(t, site=world.north, unit=None, last_service_on=today - dt.timedelta(days=45))
    af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=29))

    assert maintenance_scan_task.delay().get(timeout=60) == 2
    assert set(WorkOrder.objects.values_list("item", flat=True)) == {due.pk, overdue.pk}
    overdue.refresh_from_db()
    assert overdue.state == State.MAINTENANCE
    told = Notification.objects.filter(recipient=world.coordinator).count()
    assert told == 2

    # A retried (or duplicated) task opens nothing and tells nobody again.
    assert maintenance_scan_task.delay().get(timeout=60) == 0
    assert maintenance_scan_task.apply_async().get(timeout=60) == 0
    assert WorkOrder.objects.count() == 2
    assert Notification.objects.filter(recipient=world.coordinator).count() == told


def test_usage_recorded_is_checked_by_the_worker_once_it_commits(world, celery_worker_process):
    t = af.asset_type(service_interval_days=None, service_interval_hours=100)
    pump = af.item(t, site=world.north, unit=world.icu, usage_hours=90, hours_at_service=0, state=State.DEPLOYED)
    maintenance.usage_record(actor=world.manager, item=pump, hours=Decimal(10))
    deadline = time.monotonic() + 30
    while not pump.work_orders.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pump.work_orders.get().kind == "usage"
    # Queued again (a retry): nothing more; an item gone: quietly nothing.
    assert maintenance_scan_item_task.delay(pump.pk).get(timeout=60) == 0
    assert maintenance_scan_item_task.delay(10**9).get(timeout=60) == 0
    assert pump.work_orders.count() == 1


def test_each_reading_is_followed_by_a_scan_of_its_item_on_the_worker(world, celery_worker_process):
    t = af.asset_type(service_interval_days=None, service_interval_hours=100)
    af.limit(t, "battery", 20, 100)
    pump = af.item(t, site=world.north, unit=world.icu, usage_hours=100, hours_at_service=0, state=State.DEPLOYED)
    # In range: nothing happens at once; the scan that follows finds the hours run.
    reading = maintenance.reading_record(actor=world.manager, item=pump, measure="battery", value=Decimal(80))
    assert reading.in_range
    deadline = time.monotonic() + 30
    while not pump.work_orders.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(pump.work_orders.values_list("kind", flat=True)) == ["usage"]
