"""The generator of hourly arrivals with a known rate (no database)."""

from __future__ import annotations

import csv
import datetime as dt
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from allocation.arrivals import (
    ArrivalSeries,
    FloatArray,
    default_holidays,
    easter_sunday,
    generate_arrivals,
    hourly_times,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def year() -> ArrivalSeries:
    return generate_arrivals(mean_rate=6.5, days=365, seed=11, surges=0)


def test_the_same_seed_gives_the_same_series() -> None:
    first = generate_arrivals(days=14, seed=5)
    again = generate_arrivals(days=14, seed=5)
    other = generate_arrivals(days=14, seed=6)
    assert np.array_equal(first.counts, again.counts)
    assert np.array_equal(first.rate, again.rate)
    assert not np.array_equal(first.counts, other.counts)


def test_the_rate_averages_what_was_asked(year: ArrivalSeries) -> None:
    assert len(year) == 365 * 24
    assert year.rate.mean() == pytest.approx(6.5, rel=0.03)
    assert year.counts.mean() == pytest.approx(year.rate.mean(), rel=0.02)


def test_the_small_hours_are_quiet_and_late_morning_busy(year: ArrivalSeries) -> None:
    hours = np.array([t.hour for t in year.times])
    assert year.rate[hours == 11].mean() > 2.5 * year.rate[hours == 4].mean()
    assert year.counts[hours == 11].mean() > 2.5 * year.counts[hours == 4].mean()


def test_mondays_are_busier_than_sundays(year: ArrivalSeries) -> None:
    weekday = np.array([t.weekday() for t in year.times])
    holiday = np.array([t.date() in year.holidays for t in year.times])
    monday = year.rate[(weekday == 0) & ~holiday].mean()
    sunday = year.rate[(weekday == 6) & ~holiday].mean()
    assert monday > 1.1 * sunday


def test_a_holiday_has_the_rate_of_a_sunday(year: ArrivalSeries) -> None:
    def day_rate(day: dt.date) -> FloatArray:
        return np.asarray([r for t, r in zip(year.times, year.rate, strict=True)
                           if t.date() == day])

    christmas = day_rate(dt.date(2025, 12, 25))  # a Thursday
    sunday_before = day_rate(dt.date(2025, 12, 21))
    thursday_before = day_rate(dt.date(2025, 12, 18))
    # Same shape as the Sunday (only the season and growth moved in four days) …
    assert christmas / sunday_before == pytest.approx(np.full(24, christmas[0] / sunday_before[0]),
                                                      rel=1e-3)
    assert christmas.sum() == pytest.approx(sunday_before.sum(), rel=0.01)
    # … and fewer arrivals than an ordinary Thursday.
    assert christmas.sum() < 0.97 * thursday_before.sum()


def test_a_surge_raises_the_rate_by_its_peak() -> None:
    calm = generate_arrivals(days=60, seed=3, surges=0)
    surging = generate_arrivals(days=60, seed=3, surges=1)
    (surge,) = surging.surges
    ratio = surging.rate / calm.rate
    assert ratio.max() == pytest.approx(surge.peak, rel=0.02)
    assert np.all(ratio[: surge.start] == 1.0)
    assert np.all(ratio >= 1.0)


def test_three_surges_a_year_by_default(year: ArrivalSeries) -> None:
    assert len(generate_arrivals(days=365, seed=2).surges) == 3
    assert year.surges == ()


def test_a_period_across_a_clock_change_counts_real_hours() -> None:
    spring = generate_arrivals(days=2, seed=1, start=dt.datetime(2025, 3, 30, tzinfo=LONDON))
    assert len(spring) == 47


def test_days_when_the_clocks_change_have_23_and_25_hours(year: ArrivalSeries) -> None:
    per_day: dict[dt.date, int] = {}
    for t in year.times:
        per_day[t.date()] = per_day.get(t.date(), 0) + 1
    assert per_day[dt.date(2025, 3, 30)] == 23
    assert per_day[dt.date(2025, 10, 26)] == 25
    assert per_day[dt.date(2025, 6, 1)] == 24


def test_consecutive_hours_are_one_real_hour_apart() -> None:
    times = hourly_times(dt.datetime(2025, 10, 25, 22, tzinfo=LONDON), 8)
    utc = [t.astimezone(dt.UTC) for t in times]
    gaps = {(b - a).total_seconds() for a, b in pairwise(utc)}
    assert gaps == {3600.0}
    assert [t.hour for t in times] == [22, 23, 0, 1, 1, 2, 3, 4]


def test_the_holiday_calendar_follows_easter() -> None:
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert default_holidays([2025]) == {
        dt.date(2025, 1, 1), dt.date(2025, 4, 18), dt.date(2025, 4, 21), dt.date(2025, 5, 5),
        dt.date(2025, 5, 26), dt.date(2025, 8, 25), dt.date(2025, 12, 25),
        dt.date(2025, 12, 26),
    }


def test_the_csv_has_one_row_an_hour_with_offsets(tmp_path: Path) -> None:
    series = generate_arrivals(days=2, seed=1)
    path = tmp_path / "ed.csv"
    series.write_csv(path)
    with path.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["timestamp", "count", "rate"]
    assert len(rows) == 49
    assert rows[1][0] == "2025-01-01T00:00:00+00:00"
    assert int(rows[1][1]) == series.counts[0]
    assert float(rows[1][2]) == pytest.approx(series.rate[0], abs=1e-6)
    series.write_csv(path, with_rate=False)
    assert path.read_text().splitlines()[0] == "timestamp,count"


def test_the_start_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        hourly_times(dt.datetime(2025, 1, 1), 3)
