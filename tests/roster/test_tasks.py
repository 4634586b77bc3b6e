"""Background work through a real Redis broker and a real Celery worker process."""

from __future__ import annotations

import datetime as dt

import pytest

from roster.models import CertificationAlert
from roster.tasks import certification_expiry_scan
from tests import factories as f

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_the_expiry_scan_runs_on_a_worker_and_flags_each_certification_once(world, celery_worker_process):
    today = dt.date(2026, 3, 1)
    soon = f.CertificationFactory(staff=world.nurse, issued=dt.date(2024, 3, 1), expires=today + dt.timedelta(days=10))
    f.CertificationFactory(staff=world.colleague, issued=dt.date(2024, 3, 1), expires=today + dt.timedelta(days=200))

    result = certification_expiry_scan.delay(today.isoformat())
    assert result.get(timeout=60) == 1
    assert list(CertificationAlert.objects.values_list("certification", flat=True)) == [soon.pk]

    # A retry (or tomorrow's run) flags nothing twice.
    assert certification_expiry_scan.delay(today.isoformat()).get(timeout=60) == 0
    assert CertificationAlert.objects.count() == 1
