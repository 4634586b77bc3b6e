"""Seeded hourly arrival series whose true rate is known.

An emergency department's arrivals are close to Poisson given the hour's rate, and the
rate itself moves on a few clocks at once: the time of day (a trough before dawn, a
late-morning peak), the day of the week (Mondays busiest, weekends quieter and later),
the season (winter respiratory illness), slow growth, public holidays (which look like
a Sunday) and the odd surge (an outbreak over weeks, a heat wave over a few days).
:func:`generate_arrivals` builds such a rate hour by hour and draws the counts from it,
so a forecaster can be judged against the noise it can never beat: the counts of a
series whose rate is known exactly.

Nothing here imports Django: the demo data, the tests and ``bench/`` all use it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Share of the day's mean rate per clock hour on a weekday (00:00–00:59 first), after
# the published ED arrival curves: fewest arrivals around 04:00, a steep rise from
# 07:00, a peak late in the morning and a long afternoon plateau.
WEEKDAY_PROFILE: tuple[float, ...] = (
    0.70, 0.58, 0.48, 0.42, 0.38, 0.40, 0.50, 0.72, 1.00, 1.28, 1.45, 1.50,
    1.45, 1.40, 1.36, 1.32, 1.30, 1.28, 1.25, 1.18, 1.08, 0.98, 0.88, 0.78,
)
# Weekends (and holidays) start later, peak lower and keep busier small hours.
WEEKEND_PROFILE: tuple[float, ...] = (
    0.88, 0.78, 0.66, 0.56, 0.48, 0.45, 0.48, 0.58, 0.78, 1.05, 1.28, 1.38,
    1.40, 1.38, 1.34, 1.30, 1.28, 1.26, 1.24, 1.18, 1.10, 1.02, 0.95, 0.90,
)
# Relative volume per weekday, Monday first: Monday is the busiest day in most EDs.
WEEKDAY_FACTOR: tuple[float, ...] = (1.10, 1.03, 1.00, 0.99, 1.00, 0.94, 0.94)
SUNDAY = 6


@dataclass(frozen=True)
class Surge:
    """A temporary rise of the rate: ``peak`` times the usual rate at its height.

    The rate rises over ``ramp_hours`` (a half-cosine, so without a step), stays at
    the peak for ``plateau_hours`` and falls back over ``decay_hours``.
    """

    start: int  # index of the first hour affected
    ramp_hours: int
    plateau_hours: int
    decay_hours: int
    peak: float
    kind: str

    @property
    def hours(self) -> int:
        return self.ramp_hours + self.plateau_hours + self.decay_hours

    def factors(self) -> FloatArray:
        """The multiplier for each of the surge's hours."""
        up = 0.5 - 0.5 * np.cos(np.pi * (np.arange(self.ramp_hours) + 0.5) / self.ramp_hours)
        down = 0.5 + 0.5 * np.cos(np.pi * (np.arange(self.decay_hours) + 0.5) / self.decay_hours)
        shape = np.concatenate([up, np.ones(self.plateau_hours), down])
        return np.asarray(1.0 + (self.peak - 1.0) * shape, dtype=np.float64)


@dataclass(frozen=True)
class ArrivalSeries:
    """Hourly counts with the rate they were drawn from.

    ``times[i]`` is the aware local start of hour ``i``; hours are consecutive in real
    time, so a day on which the clocks change has 23 or 25 of them.
    """

    times: tuple[dt.datetime, ...]
    counts: IntArray
    rate: FloatArray
    holidays: frozenset[dt.date]
    surges: tuple[Surge, ...]

    def __len__(self) -> int:
        return len(self.times)

    def write_csv(self, path: str | Path, *, with_rate: bool = True) -> None:
        """Write ``timestamp,count[,rate]``, one row per hour, ISO local timestamps
        with their UTC offset (unambiguous in the repeated hour of autumn)."""
        with Path(path).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["timestamp", "count", "rate"] if with_rate else ["timestamp", "count"])
            for when, count, rate in zip(self.times, self.counts, self.rate, strict=True):
                row = [when.isoformat(), str(int(count))]
                if with_rate:
                    row.append(f"{rate:.6f}")
                writer.writerow(row)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def default_holidays(years: Iterable[int]) -> frozenset[dt.date]:
    """A generic public-holiday calendar (the bank holidays of England and Wales,
    without substitute days): New Year's Day, Good Friday, Easter Monday, the first and
    last Mondays of May, the last Monday of August, Christmas Day and Boxing Day."""
    days: set[dt.date] = set()
    for year in years:
        easter = easter_sunday(year)
        days |= {dt.date(year, 1, 1), easter - dt.timedelta(days=2),
                 easter + dt.timedelta(days=1), dt.date(year, 12, 25), dt.date(year, 12, 26)}
        may_first = dt.date(year, 5, 1)
        days.add(may_first + dt.timedelta(days=(7 - may_first.weekday()) % 7))
        for month in (5, 8):
            last = dt.date(year, month, 31)
            days.add(last - dt.timedelta(days=last.weekday()))
    return frozenset(days)


def hourly_times(start: dt.datetime, hours: int) -> tuple[dt.datetime, ...]:
    """``hours`` consecutive real hours from the aware ``start``, in its timezone."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    zone = start.tzinfo
    first = start.astimezone(dt.UTC)
    return tuple((first + dt.timedelta(hours=i)).astimezone(zone) for i in range(hours))


def _surges(rng: np.random.Generator, hours: int, count: int) -> tuple[Surge, ...]:
    surges: list[Surge] = []
    for _ in range(count):
        if rng.random() < 0.5:
            # A respiratory outbreak: builds over days, lasts one to two weeks.
            surge = Surge(start=0, ramp_hours=int(rng.integers(48, 120)),
                          plateau_hours=int(rng.integers(72, 240)),
                          decay_hours=int(rng.integers(72, 168)),
                          peak=float(rng.uniform(1.15, 1.35)), kind="outbreak")
        else:
            # A heat wave or a local incident: a sharper rise over hours to a day or two.
            surge = Surge(start=0, ramp_hours=int(rng.integers(6, 24)),
                          plateau_hours=int(rng.integers(24, 96)),
                          decay_hours=int(rng.integers(12, 48)),
                          peak=float(rng.uniform(1.25, 1.6)), kind="heat wave")
        latest = max(1, hours - surge.hours)
        surges.append(Surge(start=int(rng.integers(0, latest)), ramp_hours=surge.ramp_hours,
                            plateau_hours=surge.plateau_hours, decay_hours=surge.decay_hours,
                            peak=surge.peak, kind=surge.kind))
    return tuple(sorted(surges, key=lambda s: s.start))


def seasonal_rate(
    times: Sequence[dt.datetime],
    *,
    mean_rate: float,
    holidays: Collection[dt.date] = frozenset(),
    winter_amplitude: float = 0.06,
    yearly_growth: float = 0.02,
) -> FloatArray:
    """The expected arrivals in each hour of ``times`` without surges.

    The daily profile and weekday factor are scaled so that an ordinary week averages
    ``mean_rate`` an hour; winter (mid-January) runs ``winter_amplitude`` above it and
    mid-July as much below; volume grows by ``yearly_growth`` a year from the first
    hour. A holiday takes the rate of a Sunday.
    """
    weekday_profile = np.asarray(WEEKDAY_PROFILE) / np.mean(WEEKDAY_PROFILE)
    weekend_profile = np.asarray(WEEKEND_PROFILE) / np.mean(WEEKEND_PROFILE)
    day_factor = np.asarray(WEEKDAY_FACTOR) / np.mean(WEEKDAY_FACTOR)
    origin = times[0].astimezone(dt.UTC) if times else None
    rate = np.empty(len(times), dtype=np.float64)
    for i, when in enumerate(times):
        day = when.date()
        weekday = SUNDAY if day in holidays else when.weekday()
        profile = weekend_profile if weekday >= 5 else weekday_profile
        assert origin is not None
        years = (when.astimezone(dt.UTC) - origin).total_seconds() / (365.25 * 86400.0)
        season = 1.0 + winter_amplitude * math.cos(2.0 * math.pi * (day.timetuple().tm_yday - 15)
                                                   / 365.25)
        rate[i] = (mean_rate * profile[when.hour] * day_factor[weekday] * season
                   * (1.0 + yearly_growth) ** years)
    return rate


def generate_arrivals(
    *,
    mean_rate: float = 6.5,
    days: int = 365,
    seed: int = 0,
    start: dt.datetime | None = None,
    surges: int | None = None,
    holidays: Collection[dt.date] | None = None,
    winter_amplitude: float = 0.06,
    yearly_growth: float = 0.02,
) -> ArrivalSeries:
    """Draw ``days`` days of hourly arrivals averaging about ``mean_rate`` an hour.

    ``start`` (aware, default 1 January 2025 00:00 in Europe/London) is the first hour.
    ``surges`` defaults to three a year, placed and shaped at random (outbreaks of one
    to three weeks peaking 15–35 % above the usual rate, or heat waves of a few days
    peaking 25–60 % above it). ``holidays`` defaults to :func:`default_holidays` for the
    years covered. The same arguments always give the same series.
    """
    if mean_rate < 0 or days <= 0:
        raise ValueError("mean_rate must be non-negative and days positive")
    rng = np.random.default_rng(seed)
    if start is None:
        start = dt.datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/London"))
    # Real hours between local midnights, so a daylight-saving day keeps its 23 or 25.
    zone = start.tzinfo
    assert zone is not None
    end_local = (start.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=zone)
    # Aware datetimes of one zone subtract on the wall clock; real hours need UTC.
    hours = round((end_local.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()
                  / 3600.0)
    times = hourly_times(start, hours)
    if holidays is None:
        holidays = default_holidays(range(times[0].year, times[-1].year + 1))
    rate = seasonal_rate(times, mean_rate=mean_rate, holidays=holidays,
                         winter_amplitude=winter_amplitude, yearly_growth=yearly_growth)
    count = round(3 * days / 365) if surges is None else surges
    placed = _surges(rng, hours, count)
    for surge in placed:
        stop = min(hours, surge.start + surge.hours)
        rate[surge.start:stop] *= surge.factors()[: stop - surge.start]
    counts = rng.poisson(rate).astype(np.int64)
    return ArrivalSeries(times=times, counts=counts, rate=rate,
                         holidays=frozenset(holidays), surges=placed)
