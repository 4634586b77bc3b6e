"""The demo's census history: a year of movements with the daily and weekly rhythm,
holidays and surges, written as census events, with forecasts and accuracy at seed time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from allocation import forecasts
from allocation.census import census_at
from allocation.demo import SENDER, build_history, simulate
from allocation.models import CensusEvent, UnitHour
from allocation.models.forecasts import ForecastWindow
from allocation.staffing import hour_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 21, 30, tzinfo=dt.UTC)


def test_a_year_of_an_emergency_department_has_its_daily_and_weekly_rhythm(world):
    sim = simulate(world.ed, now=NOW, seed=3)
    assert NOW - sim.first >= dt.timedelta(days=365)
    assert len(sim.arrivals) == len(sim.census) >= 365 * 24
    hours = [(sim.first + k * dt.timedelta(hours=1)) for k in range(len(sim.arrivals))]
    by_clock = np.bincount([h.hour for h in hours], weights=sim.arrivals, minlength=24)
    assert by_clock[11] > 2.5 * by_clock[4]  # late morning against the small hours
    days = np.asarray([h.weekday() for h in hours])
    monday, sunday = sim.arrivals[days == 0].mean(), sim.arrivals[days == 6].mean()
    assert monday > 1.05 * sunday
    # Christmas Day looks like a Sunday, not like the Friday it is.
    christmas = np.asarray([h.date() == dt.date(2026, 12, 25) for h in hours])
    fridays = (days == 4) & ~christmas
    assert sim.arrivals[christmas].sum() < sim.arrivals[fridays].reshape(-1, 24).sum(axis=1).mean()
    # The census never exceeds the beds and the unit is neither empty nor always full.
    assert sim.census.max() <= world.ed.beds and 0.3 < sim.census.mean() / world.ed.beds < 0.95


def test_the_history_is_written_as_events_with_forecasts_and_accuracy_at_seed_time(world):
    result = build_history(now=NOW, days=40, units=[world.ward])
    events = CensusEvent.objects.filter(unit=world.ward, sender=SENDER)
    assert events.count() == result.events > 0
    series = UnitHour.objects.filter(unit=world.ward)
    assert series.count() >= 40 * 24
    # The census now is what the events say, and the last hour of the series agrees.
    assert census_at([world.ward.pk], NOW)[world.ward.pk] == result.census[world.ward.name]
    assert series.order_by("-hour").first().census == result.census[world.ward.name]
    points = forecasts.census_forecast([world.ward.pk], NOW, 24)[world.ward.pk]
    assert len(points) == 24 and points[0].hour == hour_of(NOW)
    # Two weeks of past windows with their actuals.
    figures = forecasts.accuracy_of([world.ward.pk], NOW - dt.timedelta(days=15), hours=4)[world.ward.pk]
    assert figures["windows"] > 300 and 0.6 < figures["coverage_90"] <= 1
    assert ForecastWindow.objects.filter(unit=world.ward, actual__isnull=True).count() == 6
    # Seeding again replaces the history rather than adding to it.
    again = build_history(now=NOW, days=40, units=[world.ward])
    assert CensusEvent.objects.filter(unit=world.ward).count() == again.events
