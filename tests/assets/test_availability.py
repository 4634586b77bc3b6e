"""Availability per site and type: ready, in use, unavailable, due soon."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.selectors import availability
from assets.states import State
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


def test_availability_counts_each_site_and_type(world):
    today = timezone.localdate()
    t = af.asset_type(service_interval_days=100, due_soon_days=14, service_interval_hours=None)
    for state in (State.READY, State.READY, State.STANDBY, State.RESERVED, State.DEPLOYED, State.REPAIR,
                  State.CONDEMNED):
        af.item(t, site=world.north, unit=world.icu, state=state)
    af.item(t, site=world.north, unit=world.icu, last_service_on=today - dt.timedelta(days=90))  # due in 10 days
    af.item(t, site=world.south, unit=world.ed)

    rows = {r.site_name: r for r in availability(world.regional, today=today)}
    north = rows["North General"]
    assert (north.ready, north.in_use, north.unavailable, north.due_soon) == (3, 2, 1, 1)
    assert rows["South Infirmary"].ready == 1


def test_availability_shows_only_what_the_user_can_see(world):
    t = af.asset_type()
    af.item(t, site=world.north, unit=world.icu)
    af.item(t, site=world.north, unit=world.ward)
    af.item(t, site=world.south, unit=world.ed)
    (mine,) = availability(world.manager)
    assert mine.ready == 1
    assert sum(r.ready for r in availability(world.coordinator)) == 2
    assert availability(world.outsider.user)[0].site_name == "South Infirmary"


def test_availability_can_be_narrowed_to_sites_and_types(world):
    pumps, monitors = af.asset_type("p"), af.asset_type("m", name="Monitor")
    af.item(pumps, site=world.north, unit=world.icu)
    af.item(monitors, site=world.north, unit=world.icu)
    af.item(pumps, site=world.south, unit=world.ed)
    rows = availability(world.admin, site_ids=[world.north.pk], asset_type_ids=[pumps.pk])
    assert [(r.site_name, r.asset_type_name, r.ready) for r in rows] == [("North General", "Infusion pump", 1)]
