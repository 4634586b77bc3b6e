"""The live census (the board's reading): the stored hourly snapshot plus the events
since reads exactly what every event gives, late and out-of-order events included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from allocation.census import census_at, census_events_record, census_live
from allocation.models import CensusEvent, UnitHour
from allocation.staffing import unit_hours_record

from .helpers import T, ev

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def _received_as_they_happened() -> None:
    """As on a live network: each event so far arrived when it happened."""
    CensusEvent.objects.update(received_at=F("occurred_at"))


def test_the_snapshot_and_the_events_since_read_as_every_event_does(world):
    census_events_record(actor=world.coordinator, events=[
        ev(world.icu, "admit", T - 5 * H), ev(world.icu, "admit", T - 4 * H), ev(world.ward, "admit", T - 4 * H),
        ev(world.ward, "admit", T - 3 * H), ev(world.icu, "discharge", T - 150 * M),
        ev(world.ward, "transfer", T - 2 * H, to=world.icu),
    ], batch=True)
    _received_as_they_happened()
    for unit in (world.icu, world.ward):
        unit_hours_record(unit_id=unit.pk, since=T - 3 * H, now=T - 30 * M)
    assert UnitHour.objects.filter(census_as_of=T - H).count() == 2  # the end of each past hour
    # Received since the snapshots: one at the instant of the latest, more after it.
    census_events_record(actor=world.coordinator, events=[
        ev(world.icu, "admit", T - 30 * M), ev(world.icu, "discharge", T - 10 * M),
        ev(world.icu, "transfer", T - 5 * M, to=world.ward),
    ], batch=True)
    ids = [world.icu.pk, world.ward.pk]
    for at in (T - 30 * M, T - 20 * M, T - 5 * M, T, T + H):
        with CaptureQueriesContext(connection) as ctx:
            live = census_live(ids, at)
        assert live == census_at(ids, at), at
        assert len(ctx.captured_queries) == 3, at  # the snapshots read: no pass over the history
    assert census_live(ids, T) == {world.icu.pk: 1, world.ward.pk: 2}


def test_a_late_event_before_the_snapshot_is_counted_at_once(world):
    census_events_record(actor=world.coordinator, events=[
        ev(world.icu, "admit", T - 4 * H), ev(world.icu, "admit", T - 3 * H)], batch=True)
    _received_as_they_happened()
    unit_hours_record(unit_id=world.icu.pk, since=T - 3 * H, now=T - 30 * M)
    assert census_live([world.icu.pk], T) == {world.icu.pk: 2}
    # Received now, happened before every stored snapshot: read from the events until
    # the recompute has rewritten the rows, and after it.
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "discharge", T - 2 * H)])
    assert census_live([world.icu.pk], T) == census_at([world.icu.pk], T) == {world.icu.pk: 1}
    unit_hours_record(unit_id=world.icu.pk, since=T - 2 * H, now=T - 30 * M)
    assert census_live([world.icu.pk], T) == {world.icu.pk: 1}
    # A late transfer into the unit counts for the unit receiving it too.
    census_events_record(actor=world.coordinator, events=[
        ev(world.ward, "admit", T - 6 * H), ev(world.ward, "transfer", T - 90 * M, to=world.icu)], batch=True)
    assert census_live([world.icu.pk, world.ward.pk], T) == {world.icu.pk: 2, world.ward.pk: 0}


def test_a_snapshot_at_zero_is_not_trusted_to_hide_a_discharge_ahead_of_its_admission(world):
    # The discharge has arrived and its admission not yet: the unit reads zero, and the
    # running total is minus one.
    census_events_record(actor=world.coordinator, events=[ev(world.ward, "discharge", T - 3 * H)])
    _received_as_they_happened()
    unit_hours_record(unit_id=world.ward.pk, since=T - 3 * H, now=T - 30 * M)
    census_events_record(actor=world.coordinator, events=[ev(world.ward, "admit", T - 20 * M)])
    _received_as_they_happened()
    assert census_live([world.ward.pk], T) == census_at([world.ward.pk], T) == {world.ward.pk: 0}
