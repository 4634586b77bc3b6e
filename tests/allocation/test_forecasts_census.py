"""The census derived from the arrivals forecast, on a process whose rates are known:
Poisson arrivals at a constant rate, each patient leaving with a fixed chance an hour."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from allocation.forecasting import fit
from allocation.forecasts import continuous_quantiles, outlook, whole_count

UTC = ZoneInfo("UTC")
RATE, LEAVE = 2.0, 0.1


def test_the_census_forecast_matches_a_simulation_of_the_same_process() -> None:
    rng = np.random.default_rng(5)
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    times = [(start + dt.timedelta(hours=k)).astimezone(UTC) for k in range(28 * 24)]
    counts = rng.poisson(RATE, size=len(times))
    forecaster = fit(times, counts)
    issued = start + dt.timedelta(hours=len(times))
    view = outlook(forecaster, [LEAVE] * 24, issued=issued, tz=UTC, recent_arrivals=counts.astype(float),
                   census_now=10, hours=24)
    # Simulated: today's 10 patients leave at 10 % an hour; arrivals come mid-hour.
    runs = 4000
    census = np.full(runs, 10)
    paths = np.empty((24, runs))
    for k in range(24):
        census = rng.binomial(census, 1 - LEAVE) + rng.binomial(rng.poisson(RATE, runs), np.sqrt(1 - LEAVE))
        paths[k] = census
    for k in (0, 3, 11, 23):
        assert abs(view.census_mean[k] - paths[k].mean()) < 0.08 * paths[k].mean() + 0.3, k
    table = continuous_quantiles(view.census_mean, view.census_var)
    for k in (0, 3, 11, 23):
        covered = np.mean(paths[k] <= whole_count(table[2, k]))
        assert 0.86 < covered < 0.99, (k, covered)
    # An hour ahead little is uncertain: the band is a few patients wide, not a Poisson one.
    assert table[2, 0] - table[0, 0] < 3
    # Towards the steady state (rate × stay ≈ 19) and wider with time.
    assert view.census_mean[23] > view.census_mean[0] and table[2, 23] - table[0, 23] > table[2, 0] - table[0, 0]


def test_quantiles_are_ordered_and_never_below_the_scale_floor() -> None:
    table = continuous_quantiles([0.0, 0.2, 5.0, 30.0], [0.0, 0.5, 1.0, 60.0])
    assert (table[0] <= table[1]).all() and (table[1] <= table[2]).all() and (table >= -0.5).all()
