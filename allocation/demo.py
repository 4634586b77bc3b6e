"""A year of census history for the demo network, and its forecasts fitted at seed time.

Each demo unit's arrivals are drawn hour by hour from ``allocation.arrivals`` (daily and
weekly seasonality, winter, public holidays, three surges a year), at the rate that
keeps its beds at the demo's usual occupancy for its typical stay (Little's law). Each
patient stays a gamma-distributed time around the unit kind's typical stay; patients
staying a day or more leave in the daytime (ward discharges happen between 10:00 and
18:00). A full unit turns an arrival away. The movements are written as census events
from the sender ``demo-history`` (the census is computed from them, as from any
sender's), so the census now is what the history says; nobody still in a bed has a
discharge yet.

The hourly series (``UnitHour``) of the history is written directly: the census and
beds as they were, each hour staffed to exactly what the ratio rules required (the
history predates the demo roster); the last two days are recomputed from the roster
like any live hour.

The forecasts are then fitted: first on the history up to two weeks ago, replayed hour
by hour over those two weeks (the level filter as it runs live, the shape as fitted
before them) so that accuracy has two weeks of windows with actuals; then on the whole
year, and the next 14 days are forecast. Re-running replaces all of it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from roster.coverage import ratio_rules_in_force, staff_needed
from roster.demo import SITES, UNITS
from roster.models import RatioRule, ShiftType, Staff, Unit

from . import forecasts
from .arrivals import generate_arrivals
from .forecasting import Calendar, FittedForecaster, LevelFilter, count_quantiles
from .models import CensusEvent, UnitHour
from .models.forecasts import ForecastModel, ForecastWindow, HourForecast
from .staffing import HOUR, _in_progress, hour_of, unit_hours_record
from .zones import utilization_of, zone_for

SENDER = "demo-history"
DAYS = 371  # 53 weeks: the fit's year, plus a week for the census to settle
LIVE_HOURS = 48  # recomputed from the roster like live hours
REPLAY_DAYS = 14  # windows replayed with their actuals, for accuracy at seed time
# Typical stay in hours by unit kind.
STAY_HOURS: dict[str, float] = {
    Unit.Kind.ICU: 96, Unit.Kind.ED: 4, Unit.Kind.MEDSURG: 110, Unit.Kind.STEPDOWN: 60, Unit.Kind.THEATRES: 3,
    Unit.Kind.MATERNITY: 50, Unit.Kind.PAEDIATRICS: 40, Unit.Kind.OTHER: 72,
}
DEFAULT_OCCUPANCY = 0.8


@dataclass
class HistoryResult:
    units: int = 0
    events: int = 0
    hours: int = 0
    turned_away: int = 0
    seconds: float = 0.0
    fit_seconds: float = 0.0
    census: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Simulated:
    """One unit's simulated movements: (time, +1 in / −1 out) in time order; per hour
    from ``first`` the arrivals and departures in it and the census at its end; and the
    patients already in at ``first``."""

    first: dt.datetime
    moves: list[tuple[dt.datetime, int]]
    arrivals: np.ndarray
    departures: np.ndarray
    census: np.ndarray
    start_census: int
    turned_away: int

    def flows(self, start: dt.datetime, hours: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Arrivals and departures of ``hours`` hours from ``start``, and the census just
        before it (as ``forecasts.fit_unit`` takes them)."""
        k = int((start - self.first) / HOUR)
        before = self.start_census + int(self.arrivals[:k].sum() - self.departures[:k].sum())
        return (self.arrivals[k:k + hours].astype(np.float64), self.departures[k:k + hours].astype(np.float64),
                before)


def occupancy_of(unit: Unit) -> float:
    site_codes = {s.code for s in SITES}
    for spec in UNITS:
        if spec.site in site_codes and spec.site == unit.site.code and spec.code == unit.code:
            return spec.base_occupancy
    return DEFAULT_OCCUPANCY


def simulate(unit: Unit, *, now: dt.datetime, days: int = DAYS, seed: int = 0) -> Simulated:
    """Draw ``days`` days of a unit's movements up to ``now`` (see the module)."""
    tz = ZoneInfo(unit.site.timezone)
    rng = np.random.default_rng(seed)
    stay = STAY_HOURS.get(unit.kind, 72.0)
    beds = max(unit.beds, 1)
    occupancy = occupancy_of(unit)
    start_local = (now.astimezone(tz) - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    series = generate_arrivals(mean_rate=occupancy * beds / stay, days=days + 1, seed=seed, start=start_local)
    first = hour_of(start_local)
    inside: list[dt.datetime] = []  # discharge times of the patients in beds (a heap)
    moves: list[tuple[dt.datetime, int]] = []

    # All draws at once (one call per array, not per patient): each arrival's second
    # within its hour, its stay, and for a stay of a day or more the daytime hour and
    # minute it leaves at.
    counts = series.counts
    total = int(counts.sum())
    hour_starts = np.repeat(np.asarray([t.astimezone(dt.UTC).timestamp() for t in series.times]), counts)
    arrived_at = np.sort(hour_starts + rng.integers(0, 3600, size=total))
    stays = rng.gamma(2.0, stay / 2.0, size=total) * 3600.0
    leave_hours = rng.integers(10, 18, size=total)
    leave_minutes = rng.integers(0, 60, size=total)

    # The unit starts near its usual occupancy, admitted just before the history.
    settled = first - dt.timedelta(minutes=1)
    for _ in range(round(occupancy * beds)):
        moves.append((settled, 1))
        heapq.heappush(inside, (settled + dt.timedelta(hours=float(rng.uniform(0.1, 2 * stay))))
                       .astimezone(dt.UTC))
    turned_away = 0
    limit = now.timestamp()
    four_hours = dt.timedelta(hours=4)
    for i, stamp in enumerate(arrived_at.tolist()):
        if stamp >= limit:
            break
        at = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
        while inside and inside[0] <= at:
            moves.append((heapq.heappop(inside), -1))
        if len(inside) >= beds:
            turned_away += 1
            continue
        moves.append((at, 1))
        leaves = dt.datetime.fromtimestamp(int(stamp + stays[i]), dt.UTC)
        if stay >= 24:
            day_time = leaves.astimezone(tz).replace(hour=int(leave_hours[i]), minute=int(leave_minutes[i]))
            leaves = (day_time if day_time > at + four_hours else day_time + dt.timedelta(days=1)).astimezone(dt.UTC)
        heapq.heappush(inside, leaves)
    while inside and inside[0] < now:
        moves.append((heapq.heappop(inside), -1))
    moves.sort()
    hours = int((hour_of(now) - first) / HOUR) + 1
    ins = np.zeros(hours, dtype=np.int64)
    outs = np.zeros(hours, dtype=np.int64)
    start_census = 0
    for at, step in moves:
        if at < first:
            start_census += step
            continue
        k = min(int((at - first) / HOUR), hours - 1)
        (ins if step > 0 else outs)[k] += 1
    census = np.maximum(start_census + np.cumsum(ins - outs), 0)
    return Simulated(first=first, moves=moves, arrivals=ins, departures=outs, census=census,
                     start_census=start_census, turned_away=turned_away)


def _history_rows(unit: Unit, sim: Simulated, until: dt.datetime, rules: list[RatioRule],
                  types: list[ShiftType]) -> list[tuple[Any, ...]]:
    """The hourly rows before ``until`` as ``UNIT_HOUR_COLUMNS``, each hour staffed to
    its requirement."""
    tz = ZoneInfo(unit.site.timezone)
    rows: list[tuple[Any, ...]] = []
    by_clock: dict[tuple[int, int], tuple[dict[str, RatioRule], list[tuple[str, RatioRule]]]] = {}
    prepared: dict[tuple[tuple[int, int], int], tuple[dict[str, int], object]] = {}
    json_field = UnitHour._meta.get_field("required")
    now = timezone.now()
    for k, census in enumerate(sim.census.tolist()):
        hour = sim.first + k * HOUR
        if hour >= until:
            break
        end = (hour + HOUR).astimezone(tz)
        key = (end.hour, end.minute)
        if key not in by_clock:
            in_force = ratio_rules_in_force(rules, _in_progress(types, hour + HOUR, tz))
            by_clock[key] = (in_force, sorted(in_force.items()))
        cell = (key, census)
        if cell not in prepared:
            need = {role: staff_needed(census, rule.patients_per_staff) for role, rule in by_clock[key][1]}
            prepared[cell] = (need, json_field.get_db_prep_save(need, connection))
        required, stored = prepared[cell]
        total = sum(required.values())
        zone = zone_for(census, unit.beds)
        rows.append((unit.pk, _when(hour), census, total, required.get(Staff.Role.RN, 0), stored, total,
                     unit.beds, unit.beds, utilization_of(census, unit.beds), zone.value if zone else "",
                     _when(now)))
    return rows


UNIT_HOUR_COLUMNS = ("unit_id", "hour", "census", "on_shift", "on_shift_rn", "required", "required_total", "beds",
                     "staffed_beds", "utilization", "zone", "computed_at")
WINDOW_COLUMNS = ("unit_id", "start", "hours", "mean", "median", "q85", "q90", "actual")
EVENT_COLUMNS = ("unit_id", "kind", "occurred_at", "acuity", "sender", "event_id", "received_at")


def _when(value: dt.datetime) -> object:
    """A time as the database takes it: SQLite stores naive UTC text (what Django's own
    adapter writes, without its per-value overhead); PostgreSQL takes the instant."""
    if connection.vendor == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _insert(model: type[UnitHour] | type[CensusEvent] | type[ForecastWindow], columns: tuple[str, ...],
            rows: list[tuple[Any, ...]]) -> None:
    """Many rows in one prepared statement, without building a model instance per row
    (a year of a network's movements; the ORM's bulk_create spends most of its time
    building and reading back instances)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i:i + 5000])


def _replay(unit: Unit, model: ForecastModel, sim: Simulated, now: dt.datetime
            ) -> tuple[list[ForecastWindow], list[HourForecast]]:
    """Windows issued at each hour of the last ``REPLAY_DAYS`` days, with their
    actuals, and the hour-ahead forecasts of the last two days (the charts' past
    bands): the level followed hour by hour as it is live; the shape is the one fitted
    at seed time, which saw those days."""
    forecaster = FittedForecaster.from_dict(model.arrivals)
    tz = ZoneInfo(unit.site.timezone)
    issued_last = hour_of(now)
    replay_from = issued_last - REPLAY_DAYS * 24 * HOUR
    warm_from = max(replay_from - forecaster.config.warmup_hours * HOUR, sim.first)
    replay_from = max(replay_from, warm_from + LIVE_HOURS * HOUR)
    hours = int((issued_last - warm_from) / HOUR)
    arrivals, departures, start_census = sim.flows(warm_from, hours)
    times = [(warm_from + k * HOUR).astimezone(tz) for k in range(hours)]
    expected = forecaster.shape.expected(Calendar.of(times, forecaster.holidays))
    config = forecaster.config
    level = LevelFilter((config.level_halflife, *config.watch_halflives), config.change_z)
    levels, evidence = np.empty(hours), np.empty(hours)
    for k in range(hours):
        levels[k], evidence[k] = level.level, level.evidence
        level.update(float(arrivals[k]), float(expected[k]))
    first = int((replay_from - warm_from) / HOUR)
    cum_e = np.concatenate([[0.0], np.cumsum(expected)])
    cum_y = np.concatenate([[0.0], np.cumsum(arrivals)])
    windows: list[ForecastWindow] = []
    for h in forecasts.WINDOW_HOURS:
        origins = np.arange(first, hours - h + 1)
        if not len(origins):
            continue
        mean = levels[origins] * (cum_e[origins + h] - cum_e[origins])
        var = (mean + mean * mean / np.maximum(evidence[origins], 1e-9)) * forecaster.variance_factor(h)
        table = count_quantiles(mean, var, forecasts.QUANTILES)
        actual = cum_y[origins + h] - cum_y[origins]
        windows += [ForecastWindow(unit=unit, start=warm_from + int(o) * HOUR, hours=h, mean=float(mean[i]),
                                   median=float(table[0, i]), q85=float(table[1, i]), q90=float(table[2, i]),
                                   actual=float(actual[i])) for i, o in enumerate(origins)]
    census_start = np.maximum(start_census + np.concatenate([[0.0], np.cumsum(arrivals - departures)[:-1]]), 0)
    past = np.arange(hours - LIVE_HOURS, hours)
    lam = levels[past] * expected[past]
    stay = 1.0 - np.asarray([model.discharge_rate[times[k].hour] for k in past])
    factor = forecaster.variance_factor(1)
    a_var = (lam + lam * lam / np.maximum(evidence[past], 1e-9)) * factor
    c_mean = census_start[past] * stay + lam * np.sqrt(stay)
    c_var = census_start[past] * stay * (1 - stay) + (lam * np.sqrt(stay)) * (1 + lam / evidence[past]) * factor
    a_q = forecasts.continuous_quantiles(lam, a_var)
    c_q = forecasts.continuous_quantiles(c_mean, c_var)
    rows = [HourForecast(unit=unit, hour=warm_from + int(k) * HOUR, issued_at=warm_from + int(k) * HOUR,
                         arrivals_mean=float(lam[i]), arrivals_var=float(a_var[i]),
                         arrivals_median=float(a_q[0, i]), arrivals_q85=float(a_q[1, i]),
                         arrivals_q90=float(a_q[2, i]), census_mean=float(c_mean[i]), census_var=float(c_var[i]),
                         census_median=float(c_q[0, i]), census_q85=float(c_q[1, i]), census_q90=float(c_q[2, i]))
            for i, k in enumerate(past)]
    return windows, rows


def build_history(*, now: dt.datetime | None = None, days: int = DAYS, seed: int = 17,
                  units: list[Unit] | None = None) -> HistoryResult:
    """Write (or rewrite) the demo units' history and fit their forecasts."""
    started = time.perf_counter()
    now = now or timezone.now()
    if units is None:
        units = list(Unit.objects.select_related("site").filter(site__code__in=[s.code for s in SITES])
                     .order_by("pk"))
    result = HistoryResult(units=len(units))
    ids = [u.pk for u in units]
    rules: dict[int, list[RatioRule]] = defaultdict(list)
    for rule in RatioRule.objects.filter(unit__in=ids):
        rules[rule.unit_id].append(rule)
    types: dict[int, list[ShiftType]] = defaultdict(list)
    for shift_type in ShiftType.objects.filter(site__in={u.site_id for u in units}):
        types[shift_type.site_id].append(shift_type)
    issued = hour_of(now)
    live_from = issued - LIVE_HOURS * HOUR
    received = _when(now)
    sims: dict[int, Simulated] = {}
    with transaction.atomic():
        CensusEvent.objects.filter(unit__in=ids, sender__in=[SENDER, SURGE_SENDER]).delete()
        UnitHour.objects.filter(unit__in=ids).delete()
        ForecastWindow.objects.filter(unit__in=ids).delete()
        HourForecast.objects.filter(unit__in=ids).delete()
        ForecastModel.objects.filter(unit__in=ids).delete()
        for unit in units:
            sim = sims[unit.pk] = simulate(unit, now=now, days=days, seed=seed * 1000 + unit.pk)
            kind_in, kind_out = (("ed_arrival", "ed_departure") if unit.kind == Unit.Kind.ED
                                 else ("admit", "discharge"))
            _insert(CensusEvent, EVENT_COLUMNS,
                    [(unit.pk, kind_in if step > 0 else kind_out, _when(at), "", SENDER, f"{unit.pk}-{i}", received)
                     for i, (at, step) in enumerate(sim.moves)])
            history = _history_rows(unit, sim, live_from, rules.get(unit.pk, []), types.get(unit.site_id, []))
            _insert(UnitHour, UNIT_HOUR_COLUMNS, history)
            result.events += len(sim.moves)
            result.hours += len(history)
            result.turned_away += sim.turned_away
            result.census[unit.name] = int(sim.census[-1])
    for unit in units:
        unit_hours_record(unit_id=unit.pk, since=live_from, now=now)
    fit_started = time.perf_counter()
    year_before = max(issued - forecasts.FIT_HOURS * HOUR, hour_of(now - dt.timedelta(days=days - 7)))
    fit_hours = int((issued - year_before) / HOUR)
    windows: list[ForecastWindow] = []
    past: list[HourForecast] = []
    for unit in units:
        sim = sims[unit.pk]
        model = forecasts.fit_unit(unit, year_before, fit_hours, flows=sim.flows(year_before, fit_hours))
        if model is not None:
            w, p = _replay(unit, model, sim, now)
            windows += w
            past += p
    _insert(ForecastWindow, WINDOW_COLUMNS, [(w.unit_id, _when(w.start), w.hours, w.mean, w.median, w.q85, w.q90,
                                             w.actual) for w in windows])
    HourForecast.objects.bulk_create(past, batch_size=5000)
    forecasts.refresh_forecasts(ids, now=now)
    result.fit_seconds = time.perf_counter() - fit_started
    result.seconds = time.perf_counter() - started
    return result


# The surge simulator's sender: its events are demo events too, removed on re-seeding.
SURGE_SENDER = "surge-simulator"
