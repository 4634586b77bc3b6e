"""The same event sent by two requests at once is stored once, whatever the timing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from allocation.census import census_events_record
from allocation.models import CensusEvent
from roster.errors import Conflict

from .helpers import T, ev

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_requests_sending_the_same_event_at_once_store_it_once(world):
    event = ev(world.icu, "admit", T, event_id="race")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def send() -> None:
        try:
            start.wait()
            result = census_events_record(actor=world.coordinator, events=[event])
            outcomes.append("accepted" if result.accepted else "duplicate")
        except Conflict:
            outcomes.append("conflict")  # lost the race: told to send again
        finally:
            connection.close()

    for _ in range(5):
        CensusEvent.objects.all().delete()
        outcomes.clear()
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert CensusEvent.objects.filter(event_id="race").count() == 1
        assert outcomes.count("accepted") == 1, outcomes
    # Sent again after the race: a duplicate.
    assert not census_events_record(actor=world.coordinator, events=[event]).accepted
