"""The acknowledgement clock on a real Celery worker: the reminder and the escalation are
tasks with an ETA, run by the worker when due, and do nothing once acknowledged."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from allocation import mutual_aid as aid
from allocation.models.redeploy import MutualAidRequest
from allocation.redeploy_tasks import mutual_aid_escalate
from roster.models import Notification
from tests import factories as f

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_missed_window_is_reminded_and_escalated_by_the_worker(world, celery_worker_process):
    south_co = f.UserFactory(username="southco")
    f.grant(south_co, "site_coordinator", sites=[world.south])
    # Requested 16 minutes ago: both ETAs have passed, so the worker runs them at once.
    loan = aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="RN",
                       quantity=1, hours=4, now=timezone.now() - dt.timedelta(minutes=16))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        loan.refresh_from_db()
        if loan.escalated_at and loan.reminded_at:
            break
        time.sleep(0.2)
    assert loan.reminded_at is not None and loan.escalated_at is not None
    assert Notification.objects.filter(recipient=world.regional, text__startswith="Escalated").exists()
    assert Notification.objects.filter(recipient=south_co, text__startswith="Reminder").exists()

    # Acknowledged in time: the escalation, when it runs, does nothing.
    fresh = aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="HCA",
                        quantity=1, hours=4)
    aid.acknowledge(actor=south_co, loan=fresh)
    assert mutual_aid_escalate.delay(fresh.pk).get(timeout=60) is False
    assert MutualAidRequest.objects.get(pk=fresh.pk).escalated_at is None
