"""Re-allocation on a real Celery worker: queued after a victim's registration commits,
and every sensing interval by the beat scan; repeating it changes nothing."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from triage import incident as ops
from triage.models import Allocation, Incident
from triage.tasks import reallocate_incident, sensing_scan

from .conftest import RED, YELLOW

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_registered_victim_is_allocated_by_the_worker_once_the_registration_commits(
        world, scene, celery_worker_process):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    assert _wait_for(lambda: Allocation.objects.filter(victim=victim, current=True).exists())
    row = Allocation.objects.get(victim=victim, current=True)
    assert row.hospital == scene.near and row.source == "recommended"
    # A retried (or duplicated) task changes nothing.
    assert reallocate_incident.delay(scene.incident.pk).get(timeout=60) == {"locked": 0, "changed": 0}
    assert Allocation.objects.get(victim=victim, current=True).pk == row.pk
    # An incident gone is quietly nothing.
    assert reallocate_incident.delay(10**9).get(timeout=60) is None


def test_the_sensing_scan_reallocates_incidents_whose_interval_has_passed_and_locks_what_is_due(
        world, scene, celery_worker_process):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=YELLOW)
    assert _wait_for(lambda: Allocation.objects.filter(current=True).exists())
    # Nothing is due: the interval has not passed and the buffer runs.
    assert sensing_scan.delay().get(timeout=60) == []
    # The buffer and the interval pass.
    past = timezone.now() - dt.timedelta(minutes=10)
    Allocation.objects.filter(current=True).update(proposed_at=past, locks_at=past + dt.timedelta(minutes=2))
    Incident.objects.filter(pk=scene.incident.pk).update(allocated_at=past)
    assert sensing_scan.delay().get(timeout=60) == [scene.incident.pk]
    row = Allocation.objects.get(current=True)
    assert row.locked
    assert sensing_scan.delay().get(timeout=60) == []
