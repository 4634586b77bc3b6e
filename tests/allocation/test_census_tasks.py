"""The recompute task on a real Celery worker: an accepted event's hours are written
once it commits; the task is idempotent and quiet about a unit that is gone."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from allocation.census import census_events_record
from allocation.models import UnitHour
from allocation.tasks import recompute_unit_hours
from roster.models import RatioRule, Staff

from .helpers import ev

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_an_accepted_event_has_its_hours_written_by_the_worker_after_commit(world, celery_worker_process):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    now = timezone.now()
    census_events_record(actor=world.coordinator, events=[
        ev(world.ward, "admit", now - dt.timedelta(hours=3)),
        ev(world.ward, "transfer", now - dt.timedelta(hours=2), to=world.icu),
    ], batch=True)
    deadline = time.monotonic() + 60
    # One task per unit, in either order: wait for both.
    while (UnitHour.objects.filter(unit=world.icu).count() < 3
           or UnitHour.objects.filter(unit=world.ward).count() < 4) and time.monotonic() < deadline:
        time.sleep(0.2)
    ward = list(UnitHour.objects.filter(unit=world.ward).order_by("hour").values_list("census", flat=True))
    icu = list(UnitHour.objects.filter(unit=world.icu).order_by("hour"))
    # (Four hours, or five if the clock turned an hour while the tasks ran.)
    assert ward[:2] == [1, 0] and set(ward[1:]) == {0} and len(ward) in (4, 5)
    assert {h.census for h in icu} == {1} and len(icu) in (3, 4)
    # No nurse on shift: a patient and no staffed bed.
    assert (icu[-1].staffed_beds, icu[-1].zone) == (0, "saturated")

    # Run again (a retry or a duplicate): the same rows, no more.
    since = (now - dt.timedelta(hours=3)).isoformat()
    written = UnitHour.objects.filter(unit=world.ward).count()
    assert recompute_unit_hours.delay(world.ward.pk, since).get(timeout=60) in (written, written + 1)
    assert UnitHour.objects.filter(unit=world.ward).count() in (written, written + 1)
    assert recompute_unit_hours.delay(10**9, since).get(timeout=60) == 0
