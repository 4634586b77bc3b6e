"""A confirmed level's playbook acts through the other modules on a real worker: the
on-call staff are called in through backfill (a vacancy per place short, its first wave
of offers to whoever is on call) and mutual aid is requested from the least busy site."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from allocation.models.backfill import OnCall, Vacancy
from allocation.models.redeploy import MutualAidRequest
from roster.models import Access, RatioRule, Roster, Staff
from tests import factories as f
from tests.allocation.helpers import admit
from triage import escalation
from triage.models import CrisisPosition, PlaybookTask

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def settled():
    """After the test, revoke what the test left scheduled on the shared worker (offer
    deadlines, the mutual-aid clock) and wait until it is idle, so nothing of this test
    runs while the database is emptied for the next one."""
    yield
    from config.celery import app

    inspect = app.control.inspect(timeout=2)
    waiting = [*((inspect.scheduled() or {}).values()), *((inspect.reserved() or {}).values())]
    ids = [(t.get("request") or t)["id"] for tasks in waiting for t in tasks]
    if ids:
        app.control.revoke(ids)
    wait(lambda: not any((inspect.active() or {}).values()), seconds=30)


def wait(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)
    return predicate()


def test_level_3_calls_in_on_call_staff_and_requests_mutual_aid(world, celery_worker_process, settled):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    admit(world.icu, 4, at=timezone.now() - dt.timedelta(hours=1))  # 2 RNs needed, none on shift
    today = timezone.localdate()
    Roster.objects.create(unit=world.icu, start_date=today - dt.timedelta(days=7),
                          end_date=today + dt.timedelta(days=20), version=1, status=Roster.Status.PUBLISHED)
    OnCall.objects.create(staff=world.colleague, date=today)
    ops = f.UserFactory(username="ops")
    f.grant(ops, Access.Level.SITE_COORDINATOR, sites=[world.north])
    CrisisPosition.objects.create(site=world.north, user=ops, position="operations_manager",
                                  starts_at=timezone.now() - dt.timedelta(hours=1))

    change = escalation.level_declare(actor=ops, site=world.north, level=3, reason="Surge after the coach crash")

    call_in = PlaybookTask.objects.get(change=change, action="call_in")
    assert wait(lambda: PlaybookTask.objects.get(pk=call_in.pk).status != "to_do")
    call_in.refresh_from_db()
    assert call_in.status == "done", call_in.result
    assert "2 place(s)" in call_in.result
    vacancies = Vacancy.objects.filter(unit=world.icu, source=Vacancy.Source.ON_CALL)
    assert vacancies.count() == 2 and set(vacancies.values_list("role", flat=True)) == {Staff.Role.RN}
    # The backfill waves (on the worker) offer the place to the colleague on call.
    assert wait(lambda: world.colleague.backfill_offers.exists())

    aid = PlaybookTask.objects.get(change=change, action="mutual_aid")
    assert wait(lambda: PlaybookTask.objects.get(pk=aid.pk).status != "to_do")
    aid.refresh_from_db()
    assert aid.status == "done", aid.result
    loan = MutualAidRequest.objects.get(site=world.north)
    assert (loan.lender, loan.resource, loan.quantity, loan.status) == (world.south, "RN", 2, "requested")
    # Hand-tracked steps wait for a person.
    assert PlaybookTask.objects.filter(change=change, action="", status="to_do").count() >= 2
