"""Stored forecasts per unit (and per site): arrivals, the census derived from them, the
staff they call for at a chosen quantile, and their accuracy as actuals come in.

What is forecast, and how:

* **Arrivals** (admissions, ED arrivals and transfers in) are a flow: each unit's
  arrivals forecaster (``allocation.forecasting``: Poisson GLM shape, discounted level,
  negative binomial quantiles) is fitted daily on up to a year of its hourly arrivals
  (:func:`fit_units`, kept in ``ForecastModel``) and read every hour against the latest
  arrivals (:func:`refresh_forecasts`), for each of the next 14 days' hours.
* **The census** is a stock, so it is *derived* from the flows, never forecast as a
  series of its own: the census at the end of hour k is the patients present now who
  are still there, plus the forecast arrivals still there. Departures follow a
  discharge rate per local clock hour (patients leaving in that clock hour over the
  patients present at its start, over the fit's history: morning ward rounds and
  evening ED peaks show), applied to every patient alike. Its mean is
  c₀·S(k) + Σⱼ λⱼ·S(j→k) and its variance the binomial variance of who of today's
  patients stays plus the thinned arrivals' (Poisson, plus the level's own uncertainty,
  times the over-dispersion measured at the fit). When that variance exceeds the mean
  the census quantiles are negative binomial (as the arrivals'); when it is below (in
  the next few hours today's patients dominate and little is uncertain) they are normal
  with the continuity correction of the continuous-count scale. A patient's length of
  stay is not tracked per patient: the events carry no patient identity.
* **Windows** — the totals of arrivals over the product's horizons (1–4 h, 12 h,
  14 days) — are stored as issued (``ForecastWindow``) and their actuals filled in once
  they have passed; accuracy (:func:`accuracy_of`) is computed from those rows.

Staff required at a quantile (:func:`required_at`) apply the ratio rules in force at
each hour (``roster.coverage``) to the census at that quantile, taken as a whole count
(the smallest count whose probability reaches the quantile).

Reads take a fixed number of queries whatever the number of units. Times are UTC hour
starts; a forecast point's census is the census at the end of its hour, like
``UnitHour``; its arrivals are those during the hour.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncHour
from django.utils import timezone
from scipy import stats

from roster.coverage import ratio_rules_in_force, staff_needed
from roster.errors import DomainError
from roster.models import RatioRule, ShiftType, Unit

from .arrivals import default_holidays
from .census import census_at
from .forecasting import (
    HOURS_PER_WEEK,
    PRODUCT_HORIZONS,
    Calendar,
    FittedForecaster,
    LevelFilter,
    count_quantiles,
    fit,
    poisson_mean_absolute_deviation,
)
from .forecasting import accuracy as accuracy_figures
from .models import CensusEvent
from .models.forecasts import ForecastModel, ForecastWindow, HourForecast
from .staffing import HOUR, _in_progress, hour_of

FloatArray = npt.NDArray[np.float64]

QUANTILES: tuple[float, ...] = (0.5, 0.85, 0.9)
STORED_HOURS = 14 * 24  # how far ahead the hourly forecasts reach
WINDOW_HOURS: tuple[int, ...] = PRODUCT_HORIZONS  # totals kept for accuracy
FIT_HOURS = 52 * HOURS_PER_WEEK
MIN_FIT_HOURS = 48  # a unit with less history than this is not forecast yet
KEEP_HOUR_FORECASTS = dt.timedelta(days=90)  # past hours' forecasts kept for charts
DEFAULT_ACCURACY_HOURS = 4
ARRIVAL_KINDS = (CensusEvent.Kind.ADMIT, CensusEvent.Kind.ED_ARRIVAL)
DEPARTURE_KINDS = (CensusEvent.Kind.DISCHARGE, CensusEvent.Kind.ED_DEPARTURE, CensusEvent.Kind.TRANSFER)


@dataclass(frozen=True)
class ForecastPoint:
    """One hour's forecast: quantiles of the census at the end of the hour, or of the
    arrivals during it (continuous scale: see ``allocation.forecasting``)."""

    hour: dt.datetime
    median: float
    q85: float
    q90: float


# --------------------------------------------------------------------------- reads


def _span(start: dt.datetime, hours: int) -> tuple[dt.datetime, dt.datetime]:
    first = hour_of(start)
    return first, first + max(hours, 0) * HOUR


def _read(unit_ids: Sequence[int], start: dt.datetime, hours: int, what: str) -> dict[int, list[ForecastPoint]]:
    first, end = _span(start, hours)
    out: dict[int, list[ForecastPoint]] = defaultdict(list)
    if hours <= 0 or not unit_ids:
        return {}
    fields = ("unit_id", "hour", f"{what}_median", f"{what}_q85", f"{what}_q90")
    for unit_id, hour, median, q85, q90 in HourForecast.objects.filter(
            unit__in=list(unit_ids), hour__gte=first, hour__lt=end).order_by("unit", "hour").values_list(*fields):
        out[unit_id].append(ForecastPoint(hour=hour, median=median, q85=q85, q90=q90))
    return dict(out)


def census_forecast(unit_ids: Sequence[int], start: dt.datetime, hours: int) -> dict[int, list[ForecastPoint]]:
    """Each unit's hourly census forecast (at the end of each hour) from the hour of
    ``start`` for ``hours`` hours, from the stored forecasts; one query. Units with no
    forecast yet are absent; hours not forecast (beyond 14 days, or before the first
    forecast) are left out."""
    return _read(unit_ids, start, hours, "census")


def arrivals_forecast(unit_ids: Sequence[int], start: dt.datetime, hours: int) -> dict[int, list[ForecastPoint]]:
    """The same as :func:`census_forecast` for the arrivals during each hour."""
    return _read(unit_ids, start, hours, "arrivals")


def whole_count(quantile_value: float) -> int:
    """The census at a quantile as a whole number of patients: the smallest count whose
    probability reaches the quantile (on the continuous scale, q − ½ rounded up)."""
    return max(0, math.ceil(quantile_value - 0.5 - 1e-9))


def check_quantile(quantile: float) -> str:
    """The stored field of a quantile, or a DomainError naming ``quantile``."""
    fields = {0.5: "median", 0.85: "q85", 0.9: "q90"}
    for tau, name in fields.items():
        if math.isclose(quantile, tau):
            return name
    raise DomainError("Choose the quantile 0.5, 0.85 or 0.9.", field="quantile")


def required_at(unit_ids: Sequence[int], start: dt.datetime, hours: int, quantile: float) -> dict[int, list[int]]:
    """Staff required per hour (all roles together) if the census reaches its
    ``quantile`` forecast (0.5, 0.85 or 0.9): the ratio rules in force in that hour
    (``roster.coverage.ratio_rules_in_force``) applied to the census at the quantile
    taken as a whole count. One list entry per forecast hour, in the order of
    :func:`census_forecast`; units with no forecast are absent; four queries."""
    name = check_quantile(quantile)
    points = census_forecast(unit_ids, start, hours)
    if not points:
        return {}
    needs = requirements(points, name)
    return {unit_id: [sum(roles.values()) for roles in hours_] for unit_id, hours_ in needs.items()}


def requirements(points: dict[int, list[ForecastPoint]], quantile_field: str) -> dict[int, list[dict[str, int]]]:
    """Staff required by role for each forecast point at ``quantile_field``
    (``median``, ``q85`` or ``q90``); three queries."""
    units = {u.pk: u for u in Unit.objects.select_related("site").filter(pk__in=list(points))}
    rules: dict[int, list[RatioRule]] = defaultdict(list)
    for rule in RatioRule.objects.filter(unit__in=list(units)):
        rules[rule.unit_id].append(rule)
    types: dict[int, list[ShiftType]] = defaultdict(list)
    for shift_type in ShiftType.objects.filter(site__in={u.site_id for u in units.values()}):
        types[shift_type.site_id].append(shift_type)
    out: dict[int, list[dict[str, int]]] = {}
    for unit_id, series in points.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        tz = ZoneInfo(unit.site.timezone)
        row = []
        for point in series:
            # Staff needed for the census at the end of the hour, under the rules of the
            # shifts running in it (read at its middle).
            running = _in_progress(types.get(unit.site_id, ()), point.hour + HOUR / 2, tz)
            in_force = ratio_rules_in_force(rules.get(unit_id, ()), running)
            patients = whole_count(getattr(point, quantile_field))
            row.append({role: staff_needed(patients, rule.patients_per_staff)
                        for role, rule in sorted(in_force.items())})
        out[unit_id] = row
    return out


def accuracy_of(unit_ids: Sequence[int], since: dt.datetime, hours: int = DEFAULT_ACCURACY_HOURS
                ) -> dict[int, dict[str, float | int | None]]:
    """Per unit, the accuracy of its arrivals forecasts for windows of ``hours`` hours
    (1, 2, 3, 4, 12 or 336) issued since ``since`` whose actuals are in: ``mae`` and
    ``mape`` of the median (MAPE as a fraction, over the windows with arrivals; None
    when none had any), ``bias`` of the mean (positive: forecasts ran high),
    ``pinball_90`` and ``coverage_90`` (share of windows at or under the 90 % quantile),
    ``windows``, and ``noise_floor``: the MAE a forecast knowing the true rate would
    still make if arrivals are Poisson (taken at the forecast means). Units with no
    such window are absent; one query."""
    rows: dict[int, list[tuple[float | None, float, float, float]]] = defaultdict(list)
    for unit_id, actual, median, q90, mean in ForecastWindow.objects.filter(
            unit__in=list(unit_ids), hours=hours, start__gte=since, actual__isnull=False).order_by(
            "unit", "start").values_list("unit_id", "actual", "median", "q90", "mean"):
        rows[unit_id].append((actual, median, q90, mean))
    out: dict[int, dict[str, float | int | None]] = {}
    for unit_id, values in rows.items():
        table = np.asarray(values, dtype=np.float64)
        figures = accuracy_figures(hours, table[:, 0], table[:, 1], table[:, 2], mean=table[:, 3])
        out[unit_id] = {
            "hours": hours, "windows": figures.windows, "mae": figures.mae,
            "mape": None if math.isnan(figures.mape) else figures.mape, "bias": figures.bias,
            "pinball_90": figures.pinball_90, "coverage_90": figures.coverage_90,
            "noise_floor": float(np.mean(poisson_mean_absolute_deviation(table[:, 3]))),
        }
    return out


# --------------------------------------------------------------------------- sites


@dataclass(frozen=True)
class SitePoint:
    hour: dt.datetime
    median: float
    q85: float
    q90: float
    units: int


def site_forecast(units_by_site: Mapping[int, Sequence[int]], start: dt.datetime, hours: int, what: str = "census"
                  ) -> dict[int, list[SitePoint]]:
    """Per site, the forecast of its units' total (census or arrivals) per hour: means
    and variances add (units taken as independent), quantiles as for a unit. Only the
    hours every forecast unit of the site covers; sites with no forecast unit are
    absent. One query."""
    if what not in ("census", "arrivals"):
        raise ValueError("census or arrivals")
    first, end = _span(start, hours)
    site_of = {u: s for s, units in units_by_site.items() for u in units}
    if hours <= 0 or not site_of:
        return {}
    sums: dict[tuple[int, dt.datetime], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    units_seen: dict[int, set[int]] = defaultdict(set)
    for unit_id, hour, mean, var in HourForecast.objects.filter(
            unit__in=list(site_of), hour__gte=first, hour__lt=end).values_list(
            "unit_id", "hour", f"{what}_mean", f"{what}_var"):
        site = site_of[unit_id]
        cell = sums[(site, hour)]
        cell[0] += mean
        cell[1] += var
        cell[2] += 1
        units_seen[site].add(unit_id)
    out: dict[int, list[SitePoint]] = defaultdict(list)
    keys = sorted(k for k in sums if sums[k][2] == len(units_seen[k[0]]))
    if not keys:
        return {}
    table = continuous_quantiles([sums[k][0] for k in keys], [sums[k][1] for k in keys])
    for i, (site, hour) in enumerate(keys):
        out[site].append(SitePoint(hour=hour, median=float(table[0, i]), q85=float(table[1, i]),
                                   q90=float(table[2, i]), units=int(sums[(site, hour)][2])))
    return dict(out)


# --------------------------------------------------------------------------- distribution


def continuous_quantiles(mean: npt.ArrayLike, variance: npt.ArrayLike,
                         quantiles: Sequence[float] = QUANTILES) -> FloatArray:
    """Quantiles (one row per quantile) of counts with this mean and variance:
    negative binomial (``count_quantiles``) where the variance reaches the mean, normal
    with the continuous scale's 1/12 where it is below (a census hours ahead, mostly of
    patients already in their beds). Never below −½, the scale's floor."""
    mu = np.maximum(np.asarray(mean, dtype=np.float64), 0.0)
    var = np.maximum(np.asarray(variance, dtype=np.float64), 0.0)
    over = var >= mu
    counts = count_quantiles(mu, var, quantiles)
    z = stats.norm.ppf(np.asarray(quantiles))[:, None]
    normal = mu[None, :] + z * np.sqrt(var + 1.0 / 12.0)[None, :]
    table = np.where(over[None, :], counts, normal)
    return np.asarray(np.maximum(table, -0.5), dtype=np.float64)


# --------------------------------------------------------------------------- history


def hourly_flows(unit_ids: Sequence[int], start: dt.datetime, end: dt.datetime
                 ) -> dict[int, tuple[FloatArray, FloatArray]]:
    """Arrivals and departures per UTC hour in [start, end) for each unit (two
    aggregate queries): ``(arrivals, departures)``, one entry per hour."""
    first = hour_of(start)
    n = max(0, int((end - first) / HOUR))
    out = {u: (np.zeros(n), np.zeros(n)) for u in unit_ids}
    if n == 0:
        return out
    ids = list(unit_ids)
    in_window = {"occurred_at__gte": first, "occurred_at__lt": first + n * HOUR}
    for unit_id, kind, hour, count in (
            CensusEvent.objects.filter(unit__in=ids, **in_window)
            .annotate(h=TruncHour("occurred_at", tzinfo=dt.UTC))
            .values_list("unit_id", "kind", "h").annotate(n=Count("id")).order_by()):
        i = int((hour - first) / HOUR)
        arrivals, departures = out[unit_id]
        if kind in ARRIVAL_KINDS:
            arrivals[i] += count
        else:
            departures[i] += count
    for unit_id, hour, count in (
            CensusEvent.objects.filter(to_unit__in=ids, kind=CensusEvent.Kind.TRANSFER, **in_window)
            .annotate(h=TruncHour("occurred_at", tzinfo=dt.UTC))
            .values_list("to_unit_id", "h").annotate(n=Count("id")).order_by()):
        out[unit_id][0][int((hour - first) / HOUR)] += count
    return out


def _local_times(first: dt.datetime, hours: int, tz: ZoneInfo) -> list[dt.datetime]:
    return [(first + k * HOUR).astimezone(tz) for k in range(hours)]


def _holidays(times: Sequence[dt.datetime]) -> frozenset[dt.date]:
    if not times:
        return frozenset()
    return default_holidays(range(times[0].year - 1, times[-1].year + 2))


# --------------------------------------------------------------------------- fit (daily)


def discharge_rates(census_start: FloatArray, arrivals: FloatArray, departures: FloatArray,
                    clock_hours: Sequence[int]) -> list[float]:
    """Per local clock hour: departures in it over the patients present in it (those
    at its start plus half of those arriving during it), over the history; a clock hour
    never occupied borrows the overall rate."""
    present = census_start + 0.5 * arrivals
    clock = np.asarray(clock_hours, dtype=np.int64)
    left = np.bincount(clock, weights=departures, minlength=24)
    at_risk = np.bincount(clock, weights=present, minlength=24)
    overall = float(departures.sum()) / max(float(present.sum()), 1.0)
    rates = np.where(at_risk > 0, left / np.maximum(at_risk, 1e-9), overall)
    return [float(r) for r in np.clip(rates, 1e-4, 0.95)]


def fit_units(unit_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> list[ForecastModel]:
    """Refit each unit's forecaster on up to a year of its history before the current
    hour (all units by default); a unit with less than two days of history, or no
    arrival in it, is skipped. Each unit's row is replaced in its own transaction."""
    now = now or timezone.now()
    issued = hour_of(now)
    units = list(Unit.objects.select_related("site").filter(
        **({} if unit_ids is None else {"pk__in": list(unit_ids)})).order_by("pk"))
    firsts = dict(CensusEvent.objects.filter(unit__in=units).values_list("unit_id").annotate(
        first=Min("occurred_at")).order_by())
    fitted = []
    for unit in units:
        first_event = firsts.get(unit.pk)
        if first_event is None:
            continue
        history_from = max(hour_of(first_event), issued - FIT_HOURS * HOUR)
        hours = int((issued - history_from) / HOUR)
        if hours < MIN_FIT_HOURS:
            continue
        row = fit_unit(unit, history_from, hours)
        if row is not None:
            fitted.append(row)
    return fitted


def fit_unit(unit: Unit, history_from: dt.datetime, hours: int, *,
             flows: tuple[FloatArray, FloatArray, int] | None = None) -> ForecastModel | None:
    """Fit one unit on ``hours`` hours of history from ``history_from`` and store it.
    ``flows`` (arrivals and departures per hour, and the census just before the first
    hour) spare reading them back when the caller already holds them."""
    started = time.perf_counter()
    if flows is None:
        arrivals, departures = hourly_flows([unit.pk], history_from, history_from + hours * HOUR)[unit.pk]
        start_census = census_at([unit.pk], history_from - dt.timedelta(microseconds=1))[unit.pk]
    else:
        arrivals, departures, start_census = flows
    if arrivals.sum() <= 0:
        return None
    tz = ZoneInfo(unit.site.timezone)
    times = _local_times(history_from, hours, tz)
    holidays = _holidays(times)
    forecaster = fit(times, arrivals, holidays=holidays)
    census_start = np.maximum(start_census + np.concatenate([[0.0], np.cumsum(arrivals - departures)[:-1]]), 0.0)
    rates = discharge_rates(census_start, arrivals, departures, [t.hour for t in times])
    values = {
        "fitted_at": timezone.now(), "history_from": history_from, "history_hours": hours,
        "arrivals": forecaster.to_dict(), "discharge_rate": rates,
        "mean_arrivals": float(arrivals.mean()), "seconds": time.perf_counter() - started,
    }
    # An upsert: two refits of the same unit at once both succeed, the last one kept.
    ForecastModel.objects.bulk_create([ForecastModel(unit=unit, **values)], update_conflicts=True,
                                      unique_fields=["unit"], update_fields=list(values))
    return ForecastModel.objects.get(unit=unit)


# --------------------------------------------------------------------------- forecast (hourly)


@dataclass(frozen=True)
class UnitOutlook:
    """One unit's forecast of the next hours from ``issued``: per hour the arrivals'
    and the census's mean and variance; the level's evidence for windows."""

    issued: dt.datetime
    arrivals_mean: FloatArray
    arrivals_var: FloatArray
    census_mean: FloatArray
    census_var: FloatArray
    evidence: float
    forecaster: FittedForecaster


def outlook(forecaster: FittedForecaster, rates: Sequence[float], *, issued: dt.datetime, tz: ZoneInfo,
            recent_arrivals: FloatArray, census_now: float, hours: int = STORED_HOURS) -> UnitOutlook:
    """The next ``hours`` hours from ``issued`` given the arrivals of the hours just
    before it (the level is read from them) and the census at ``issued``."""
    keep = len(recent_arrivals)
    times = _local_times(issued - keep * HOUR, keep + hours, tz)
    expected = forecaster.shape.expected(Calendar.of(times, forecaster.holidays))
    config = forecaster.config
    level = LevelFilter((config.level_halflife, *config.watch_halflives), config.change_z)
    level.run(np.asarray(recent_arrivals, dtype=np.float64), expected[:keep])
    evidence = max(level.evidence, 1e-9)
    lam = level.level * expected[keep:]
    factor1 = forecaster.variance_factor(1)
    arrivals_var = (lam + lam * lam / evidence) * factor1
    leave = np.asarray([rates[t.hour] for t in times[keep:]], dtype=np.float64)
    stay = 1.0 - leave
    survival = np.cumprod(stay)  # of a patient present at ``issued`` to the end of hour k
    carried = np.empty(hours)
    total = 0.0
    for k in range(hours):
        # Arrivals come mid-hour on average: half an hour of their first hour's risk.
        total = total * stay[k] + lam[k] * math.sqrt(stay[k])
        carried[k] = total
    factors = np.asarray([forecaster.variance_factor(k + 1) for k in range(hours)])
    census_mean = census_now * survival + carried
    census_var = census_now * survival * (1.0 - survival) + (carried + carried * carried / evidence) * factors
    return UnitOutlook(issued=issued, arrivals_mean=lam, arrivals_var=arrivals_var, census_mean=census_mean,
                       census_var=census_var, evidence=evidence, forecaster=forecaster)


def window_rows(unit_id: int, view: UnitOutlook) -> list[ForecastWindow]:
    """The arrivals totals of the product's horizons from ``view.issued``."""
    horizons = [h for h in WINDOW_HOURS if h <= len(view.arrivals_mean)]
    cumulative = np.cumsum(view.arrivals_mean)
    means = np.asarray([cumulative[h - 1] for h in horizons])
    variances = np.asarray([(m + m * m / view.evidence) * view.forecaster.variance_factor(h)
                            for m, h in zip(means, horizons, strict=True)])
    table = count_quantiles(means, variances, QUANTILES)
    return [ForecastWindow(unit_id=unit_id, start=view.issued, hours=h, mean=float(means[i]),
                           median=float(table[0, i]), q85=float(table[1, i]), q90=float(table[2, i]))
            for i, h in enumerate(horizons)]


def hour_rows(unit_id: int, view: UnitOutlook) -> list[HourForecast]:
    arrivals = continuous_quantiles(view.arrivals_mean, view.arrivals_var)
    census = continuous_quantiles(view.census_mean, view.census_var)
    return [
        HourForecast(
            unit_id=unit_id, hour=view.issued + k * HOUR, issued_at=view.issued,
            arrivals_mean=float(view.arrivals_mean[k]), arrivals_var=float(view.arrivals_var[k]),
            arrivals_median=float(arrivals[0, k]), arrivals_q85=float(arrivals[1, k]),
            arrivals_q90=float(arrivals[2, k]),
            census_mean=float(view.census_mean[k]), census_var=float(view.census_var[k]),
            census_median=float(census[0, k]), census_q85=float(census[1, k]), census_q90=float(census[2, k]))
        for k in range(len(view.arrivals_mean))
    ]


HOUR_FIELDS = ["issued_at", "arrivals_mean", "arrivals_var", "arrivals_median", "arrivals_q85", "arrivals_q90",
               "census_mean", "census_var", "census_median", "census_q85", "census_q90"]


def refresh_forecasts(unit_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Forecast the next 14 days of every fitted unit from the start of the current
    hour, store them (rewriting the hours already forecast), and fill in the actuals of
    the windows that have passed. Units never fitted are fitted first. Returns the
    number of units forecast. Safe to repeat within the hour (rows are upserted)."""
    now = now or timezone.now()
    issued = hour_of(now)
    units = {u.pk: u for u in Unit.objects.select_related("site").filter(
        **({} if unit_ids is None else {"pk__in": list(unit_ids)}))}
    models_ = {m.unit_id: m for m in ForecastModel.objects.filter(unit__in=list(units))}
    missing = [pk for pk in units if pk not in models_]
    if missing:
        models_.update({m.unit_id: m for m in fit_units(missing, now=now)})
    if not models_:
        return 0
    ids = sorted(models_)
    forecasters = {pk: FittedForecaster.from_dict(models_[pk].arrivals) for pk in ids}
    warmup = max(f.config.warmup_hours for f in forecasters.values())
    unfilled = list(ForecastWindow.objects.filter(unit__in=ids, actual__isnull=True, start__lt=issued))
    ended = [w for w in unfilled if w.start + w.hours * HOUR <= issued]
    load_from = min([issued - warmup * HOUR, *(w.start for w in ended)])
    load_from = max(load_from, issued - FIT_HOURS * HOUR)
    flows = hourly_flows(ids, load_from, issued)
    census_now = census_at(ids, issued)
    hour_rows_: list[HourForecast] = []
    window_rows_: list[ForecastWindow] = []
    for pk in ids:
        forecaster = forecasters[pk]
        arrivals = flows[pk][0][-forecaster.config.warmup_hours:]
        view = outlook(forecaster, models_[pk].discharge_rate, issued=issued,
                       tz=ZoneInfo(units[pk].site.timezone), recent_arrivals=arrivals,
                       census_now=float(census_now[pk]))
        hour_rows_ += hour_rows(pk, view)
        window_rows_ += window_rows(pk, view)
    for window in ended:
        offset = int((window.start - load_from) / HOUR)
        if offset >= 0:
            window.actual = float(flows[window.unit_id][0][offset:offset + window.hours].sum())
    with transaction.atomic():
        HourForecast.objects.bulk_create(hour_rows_, batch_size=1000, update_conflicts=True,
                                         unique_fields=["unit", "hour"], update_fields=HOUR_FIELDS)
        ForecastWindow.objects.bulk_create(window_rows_, batch_size=1000, update_conflicts=True,
                                           unique_fields=["unit", "start", "hours"],
                                           update_fields=["mean", "median", "q85", "q90"])
        ForecastWindow.objects.bulk_update([w for w in ended if w.actual is not None], ["actual"], batch_size=1000)
        HourForecast.objects.filter(unit__in=ids, hour__lt=issued - KEEP_HOUR_FORECASTS).delete()
    return len(ids)


