"""Forecasts of hourly counts (arrivals, admissions), as quantiles, and their accuracy.

The model, chosen by measurement on series whose true rate is known
(``bench/forecast_benchmark.py``):

* **Shape** — a Poisson GLM (statsmodels) of the hourly counts on the calendar,
  fitted on up to a year of history with the slowly moving level as an offset, so an
  outbreak or a winter does not bend the weekly shape. Several designs are fitted —
  one rate, the clock hour, clock hour plus weekday, separate weekday and weekend
  profiles plus weekday, a rate for each hour of the week — and the lowest AIC kept,
  so every parameter rests on enough arrivals. A public holiday counts as a Sunday,
  with its own multiplier when the history holds enough of them.
* **Level** — a multiplier on the shape, updated every hour without refitting: the
  Poisson–gamma discounted filter (Harvey and Fernandes, 1989), i.e. the ratio of
  exponentially weighted arrivals to expected arrivals with a one-week half-life.
  A week is long enough that the level's own noise costs almost nothing against the
  Poisson noise of the counts, and short enough to follow the seasons. A surge would
  take days to show through a week-long memory, so faster filters (half-lives of 6 h,
  1 day and 3 days) watch the same stream; when one of them departs from the slow
  level by more than chance allows (a z-score above 4 under Poisson noise), the slow
  filter restarts from it — a change point.
* **Distribution** — the total of the next h hours is Poisson given the level and the
  level is gamma-distributed, so the total is negative binomial. Its variance is then
  multiplied by a factor estimated at each refit from the model's own causal forecasts
  over the fit window (at least 1): real counts are often over-dispersed, generated
  ones are not.

Quantiles of a count are reported on a continuous scale: the τ-quantile of N + U with
U uniform on (−½, ½). An integer quantile of a Poisson count covers more than τ of the
windows (up to 93 % for the "90 %" quantile of 6.5 arrivals an hour), so staffing to it
would quietly overshoot; the continuous one covers τ on average and its pinball loss is
comparable across horizons.

Refit daily (:func:`fit`, a fraction of a second for a year of hours) and call
:meth:`FittedForecaster.forecast` whenever a new hour arrives; :func:`rolling_forecasts`
does exactly that over a stretch of history, for evaluation. The linear algebra is
small: run it with ``OPENBLAS_NUM_THREADS=1`` — on a busy machine OpenBLAS's threads
fight each other and one fit takes seconds instead of a tenth of one.

The model takes each hour's count as a fresh Poisson draw, which suits flows
(arrivals, admissions, departures). A census is a stock that carries over from hour to
hour: its forecast of "the total of the next h hours" is census-hours, and its
quantiles come out too narrow; forecast the flows and derive the census from them.

Accuracy (:func:`accuracy`) is judged against the Poisson noise floor
(:func:`poisson_noise_floor`): the mean absolute error that a forecast knowing the true
hourly rate would still make, because the counts themselves are Poisson.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy import stats
from scipy.special import gammaln

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_QUANTILES: tuple[float, ...] = (0.5, 0.85, 0.9)
# Horizons the product shows: the next 1–4 h, the next 12 h and the next 14 days.
PRODUCT_HORIZONS: tuple[int, ...] = (1, 2, 3, 4, 12, 14 * 24)
SUNDAY = 6
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class ForecastConfig:
    """How the forecaster fits and follows a series (defaults chosen by measurement)."""

    fit_hours: int = 52 * HOURS_PER_WEEK  # history used by one refit
    refit_hours: int = 24  # how often rolling_forecasts refits the shape
    level_halflife: float = 168.0  # hours; the slow level filter
    watch_halflives: tuple[float, ...] = (6.0, 24.0, 72.0)  # change-point watchers
    change_z: float = 4.0
    warmup_hours: int = 6 * HOURS_PER_WEEK  # level history replayed before a forecast
    min_holidays: int = 3  # holiday days in the fit window before they get a multiplier


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    """What the shape needs to know about each hour: its local clock hour, its weekday
    (Monday 0) and whether it falls on a holiday."""

    hour: IntArray
    weekday: IntArray
    holiday: BoolArray

    @classmethod
    def of(cls, times: Sequence[dt.datetime],
           holidays: Collection[dt.date] = frozenset()) -> Calendar:
        """The calendar of ``times``, read on their own clocks (local wall time)."""
        hour = np.fromiter((t.hour for t in times), dtype=np.int64, count=len(times))
        weekday = np.fromiter((t.weekday() for t in times), dtype=np.int64, count=len(times))
        holiday = np.fromiter((t.date() in holidays for t in times), dtype=np.bool_,
                              count=len(times))
        return cls(hour=hour, weekday=weekday, holiday=holiday)

    def __len__(self) -> int:
        return len(self.hour)

    def part(self, start: int, stop: int) -> Calendar:
        return Calendar(self.hour[start:stop], self.weekday[start:stop], self.holiday[start:stop])

    def day_type(self) -> IntArray:
        """The weekday, with a holiday counted as a Sunday."""
        return np.where(self.holiday, SUNDAY, self.weekday).astype(np.int64)


def future_times(last: dt.datetime, hours: int) -> list[dt.datetime]:
    """The ``hours`` real hours after ``last``, on its clock: with a ZoneInfo they cross
    daylight-saving changes correctly; a fixed UTC offset stays fixed, and a naive
    ``last`` is taken as a clock without changes."""
    if last.tzinfo is None:
        return [last + dt.timedelta(hours=k) for k in range(1, hours + 1)]
    zone = last.tzinfo
    base = last.astimezone(dt.UTC)
    return [(base + dt.timedelta(hours=k)).astimezone(zone) for k in range(1, hours + 1)]


# --------------------------------------------------------------------------- shape


@dataclass(frozen=True)
class SeasonalShape:
    """Expected counts per hour at level 1, from a fitted Poisson GLM.

    ``design`` is one of :data:`DESIGNS`; ``holiday_effect`` is the log multiplier of a
    holiday on top of its Sunday shape (0 when the history held too few holidays to
    tell); ``log_level`` scales the shape to the level at the end of its history.
    """

    design: str
    coef: tuple[float, ...]
    holiday_effect: float = 0.0
    log_level: float = 0.0

    def expected(self, calendar: Calendar) -> FloatArray:
        matrix = _design_matrix(self.design, calendar)
        log_rate = (matrix @ np.asarray(self.coef) + self.holiday_effect * calendar.holiday
                    + self.log_level)
        return np.asarray(np.exp(log_rate), dtype=np.float64)


# Seasonal designs, simplest first; fit_shape keeps the one with the lowest AIC.
DESIGNS: tuple[str, ...] = ("flat", "hour", "day", "split", "week")


def _design_matrix(design: str, calendar: Calendar) -> FloatArray:
    """Indicator columns: ``flat`` one rate; ``hour`` the clock hour; ``day`` the clock
    hour plus the weekday; ``split`` the clock hour separately on weekdays and weekends
    plus the weekday; ``week`` the hour of the week. A holiday counts as a Sunday."""
    n = len(calendar)
    rows = np.arange(n)
    day = calendar.day_type()
    if design == "flat":
        return np.ones((n, 1))
    if design == "hour":
        matrix = np.zeros((n, 24))
        matrix[rows, calendar.hour] = 1.0
        return matrix
    if design == "day":
        matrix = np.zeros((n, 24 + 6))
        matrix[rows, calendar.hour] = 1.0
        other = day > 0  # Monday is the reference day
        matrix[rows[other], 23 + day[other]] = 1.0
        return matrix
    if design == "split":
        weekend = day >= 5
        matrix = np.zeros((n, 48 + 5))
        matrix[rows, calendar.hour + 24 * weekend] = 1.0
        # Monday is the reference weekday and Saturday the reference weekend day.
        column = {1: 48, 2: 49, 3: 50, 4: 51, 6: 52}
        for weekday, col in column.items():
            matrix[day == weekday, col] = 1.0
        return matrix
    if design == "week":
        matrix = np.zeros((n, HOURS_PER_WEEK))
        matrix[rows, day * 24 + calendar.hour] = 1.0
        return matrix
    raise ValueError(f"unknown design {design!r}")


def _poisson_glm(y: FloatArray, x: FloatArray, offset: FloatArray, groups: IntArray
                 ) -> tuple[FloatArray, float]:
    """Maximum-likelihood coefficients of a log-link Poisson GLM (statsmodels, IRLS)
    and its log-likelihood, up to a constant that depends only on ``groups``.

    The designs here are indicators, so all hours of one of ``groups`` share a row of
    ``x``; the Poisson likelihood depends on a group only through its total count and
    its total exposure (Σ exp(offset)), so the fit runs on one row per group — a few
    hundred instead of thousands, with the same estimates.
    """
    used, first, group = np.unique(groups, return_index=True, return_inverse=True)
    totals = np.asarray(np.bincount(group, weights=y, minlength=len(used)), dtype=np.float64)
    exposure = np.bincount(group, weights=np.exp(offset), minlength=len(used))
    x, offset = x[first], np.log(exposure)
    with warnings.catch_warnings():
        # An hour that never saw an arrival drives its coefficient towards minus
        # infinity; the fitted rate (≈ 0) is still the right one.
        warnings.simplefilter("ignore")
        result = sm.GLM(totals, x, family=sm.families.Poisson(), offset=offset,
                        hasconst=True).fit(maxiter=50)
    return np.asarray(result.params, dtype=np.float64), float(result.llf)


def centred_level(counts: FloatArray, expected: FloatArray, window: int = HOURS_PER_WEEK
                  ) -> FloatArray:
    """Arrivals over expected arrivals in a centred window (a whole week by default, so
    the weekly shape cancels out): the slowly moving level, seen with hindsight."""
    kernel = np.ones(window)
    num = np.convolve(counts, kernel, mode="same")
    den = np.convolve(expected, kernel, mode="same")
    total = float(counts.sum()) / max(float(expected.sum()), 1e-12)
    level = np.where(den > 0, (num + 1.0 * total) / (den + 1.0), total)
    return np.asarray(np.maximum(level, 1e-6), dtype=np.float64)


def fit_shape(calendar: Calendar, counts: npt.ArrayLike, config: ForecastConfig | None = None
              ) -> SeasonalShape:
    """Fit the seasonal shape to ``counts`` (one per hour of ``calendar``).

    A first fit of the hour-of-day-plus-weekday shape gives the level seen with
    hindsight (:func:`centred_level`); with that level as an offset, so that weeks of
    surge or of winter do not leak into the shape of the hours they happened to cover,
    every design the history covers is fitted and the one with the lowest AIC (the
    criterion that estimates out-of-sample fit) kept: a year of an emergency
    department's arrivals carries separate weekday and weekend profiles or a rate for
    each hour of the week, a few weeks of a quiet unit only a daily profile.
    """
    config = config or ForecastConfig()
    y = np.asarray(counts, dtype=np.float64)
    if len(y) != len(calendar):
        raise ValueError("one count per hour of the calendar")
    if len(y) == 0 or y.sum() <= 0:
        return SeasonalShape(design="flat", coef=(math.log(1e-6),))
    # About 24 holiday hours a holiday (23 or 25 when the clocks change that day).
    holiday = calendar.holiday.astype(np.float64)
    with_holiday = int(calendar.holiday.sum()) >= 23 * config.min_holidays
    groups = (calendar.day_type() * 24 + calendar.hour) * 2 + calendar.holiday
    matrices: dict[str, FloatArray] = {}
    for design in DESIGNS:
        x = _design_matrix(design, calendar)
        if x.any(axis=0).all():  # every column seen at least once
            matrices[design] = np.column_stack([x, holiday]) if with_holiday else x
    offset = np.zeros(len(y))
    if len(y) >= 2 * HOURS_PER_WEEK:
        rough = next(d for d in ("day", "hour", "flat") if d in matrices)
        coef, _ = _poisson_glm(y, matrices[rough], offset, groups)
        offset = np.log(centred_level(y, np.exp(matrices[rough] @ coef)))
    best: tuple[float, str, FloatArray] | None = None
    for design, x in matrices.items():
        coef, loglik = _poisson_glm(y, x, offset, groups)
        aic = -2.0 * loglik + 2.0 * x.shape[1]
        if math.isfinite(aic) and (best is None or aic < best[0]):
            best = (aic, design, coef)
    if best is None:
        raise ValueError("no seasonal design could be fitted")
    _, design, coef = best
    coef = np.maximum(coef, -30.0)  # keep exp() finite for hours never seen busy
    holiday_effect = float(coef[-1]) if with_holiday else 0.0
    base = coef[:-1] if with_holiday else coef
    # Expressed at the latest level the hindsight pass saw.
    return SeasonalShape(design=design, coef=tuple(float(c) for c in base),
                         holiday_effect=holiday_effect, log_level=float(offset[-1]))


# --------------------------------------------------------------------------- level


class LevelFilter:
    """The multiplicative level of a series over its shape, followed hour by hour.

    Each filter keeps exponentially discounted sums of arrivals (``a``) and expected
    arrivals (``b``): under the Poisson–gamma model the level is Gamma(a, b), so its
    mean is a / b and it rests on about ``a`` arrivals' worth of evidence. ``s`` is the
    discounted sum of squared weights times expected arrivals, for the watchers' test.
    The first half-life is the slow level's; the others are the watchers'. (Plain
    floats: this runs once per hour per series, thousands of times in an evaluation.)
    """

    def __init__(self, halflives: Sequence[float], change_z: float) -> None:
        self.discount = [0.5 ** (1.0 / h) for h in halflives]
        self.longer = [[0] + [j for j in range(1, len(halflives)) if halflives[j] > h]
                       for h in halflives]
        self.change_z = change_z
        # A weak prior: level 1 on a couple of expected arrivals' worth of evidence.
        self.a = [2.0] * len(self.discount)
        self.b = [2.0] * len(self.discount)
        self.s = [2.0] * len(self.discount)
        self.changes = 0

    @property
    def level(self) -> float:
        return self.a[0] / self.b[0]

    @property
    def evidence(self) -> float:
        return self.a[0]

    def update(self, count: float, expected: float) -> None:
        a, b, s = self.a, self.b, self.s
        for i, w in enumerate(self.discount):
            a[i] = w * a[i] + count
            b[i] = w * b[i] + expected
            s[i] = w * w * s[i] + expected
        level = a[0] / b[0]
        # Under an unchanged level each watcher's discounted count has mean level·b and
        # variance level·s; a departure of more than change_z standard deviations is a
        # change of level, and the slow filter restarts from the watcher that saw it.
        worst, best = self.change_z, 0
        for i in range(1, len(a)):
            z = abs(a[i] - level * b[i]) / math.sqrt(max(level * s[i], 1e-12))
            if z > worst:
                worst, best = z, i
        if best:
            # Every filter with a longer memory than the one that saw the change still
            # averages over it: all of them restart from the witness (otherwise a
            # longer watcher would at once "detect" the gap and undo the restart).
            for i in self.longer[best]:
                a[i], b[i], s[i] = a[best], b[best], s[best]
            self.changes += 1

    def run(self, counts: FloatArray, expected: FloatArray) -> None:
        for count, exp in zip(counts.tolist(), expected.tolist(), strict=True):
            self.update(count, exp)


# --------------------------------------------------------------------------- distribution


def count_quantiles(mean: npt.ArrayLike, variance: npt.ArrayLike,
                    quantiles: Sequence[float]) -> FloatArray:
    """Continuous quantiles of counts with the given mean and variance (negative
    binomial, Poisson when the variance does not exceed the mean), one row per
    quantile: the τ-quantile of N + U, U uniform on (−½, ½)."""
    mu = np.maximum(np.asarray(mean, dtype=np.float64), 1e-9)
    var = np.maximum(np.asarray(variance, dtype=np.float64), mu)
    extra = var - mu
    over = extra > 1e-9 * mu
    n_param = np.where(over, mu * mu / np.where(over, extra, 1.0), 1.0)
    p_param = np.where(over, n_param / (n_param + mu), 1.0)
    rows = []
    for tau in quantiles:
        if not 0.0 < tau < 1.0:
            raise ValueError("quantiles lie strictly between 0 and 1")
        k = np.where(over, stats.nbinom.ppf(tau, n_param, p_param), stats.poisson.ppf(tau, mu))
        below = np.where(over, stats.nbinom.cdf(k - 1, n_param, p_param),
                         stats.poisson.cdf(k - 1, mu))
        mass = np.where(over, stats.nbinom.pmf(k, n_param, p_param), stats.poisson.pmf(k, mu))
        rows.append(k - 0.5 + (tau - below) / np.maximum(mass, 1e-300))
    return np.asarray(rows, dtype=np.float64)


# --------------------------------------------------------------------------- forecasts


@dataclass(frozen=True)
class Forecast:
    """The total count over ``hours`` hours from ``start`` (the first hour's start)."""

    start: dt.datetime
    hours: int
    mean: float
    quantiles: Mapping[float, float]

    @property
    def median(self) -> float:
        return self.quantiles[0.5]

    def quantile(self, tau: float) -> float:
        return self.quantiles[tau]


@dataclass(frozen=True)
class FittedForecaster:
    """A fitted shape and variance factors; the level is read from recent history at
    each forecast, so forecasts stay current between refits."""

    shape: SeasonalShape
    inflation: tuple[tuple[int, float], ...]  # (horizon hours, variance factor ≥ 1)
    config: ForecastConfig
    holidays: frozenset[dt.date]

    def variance_factor(self, hours: int) -> float:
        """The variance factor at ``hours``, interpolated in log hours between those
        measured at the fit (constant beyond them)."""
        if not self.inflation:
            return 1.0
        known = np.log([h for h, _ in self.inflation])
        return float(np.interp(math.log(hours), known, [f for _, f in self.inflation]))

    def forecast(
        self,
        times: Sequence[dt.datetime],
        counts: npt.ArrayLike,
        *,
        horizons: Sequence[int] = PRODUCT_HORIZONS,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> list[Forecast]:
        """Forecast the totals of the next ``horizons`` hours after the last of
        ``times`` from the counts observed up to it (the last few weeks are enough:
        ``config.warmup_hours`` are used)."""
        if not times:
            raise ValueError("forecasting needs at least one observed hour")
        keep = min(len(times), self.config.warmup_hours)
        recent = list(times[-keep:])
        y = np.asarray(counts, dtype=np.float64)[-keep:]
        ahead = future_times(recent[-1], max(horizons))
        calendar = Calendar.of(recent + ahead, self.holidays)
        expected = self.shape.expected(calendar)
        level = LevelFilter((self.config.level_halflife, *self.config.watch_halflives),
                            self.config.change_z)
        level.run(y, expected[:keep])
        future = np.cumsum(expected[keep:])
        forecasts = []
        for hours in horizons:
            mean = level.level * float(future[hours - 1])
            variance = self._variance(mean, level.evidence, hours)
            values = count_quantiles([mean], [variance], quantiles)[:, 0]
            forecasts.append(Forecast(start=ahead[0], hours=hours, mean=mean,
                                      quantiles=dict(zip(quantiles, values.tolist(),
                                                         strict=True))))
        return forecasts

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for keeping a refit in a model row."""
        return {
            "design": self.shape.design, "coef": list(self.shape.coef),
            "holiday_effect": self.shape.holiday_effect, "log_level": self.shape.log_level,
            "inflation": [list(pair) for pair in self.inflation],
            "config": {name: list(value) if isinstance(value, tuple) else value
                       for name, value in asdict(self.config).items()},
            "holidays": sorted(day.isoformat() for day in self.holidays),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FittedForecaster:
        """The forecaster :meth:`to_dict` described."""
        config: dict[str, Any] = {name: tuple(value) if isinstance(value, list) else value
                                  for name, value in data["config"].items()}
        return cls(
            shape=SeasonalShape(design=str(data["design"]),
                                coef=tuple(float(c) for c in data["coef"]),
                                holiday_effect=float(data["holiday_effect"]),
                                log_level=float(data["log_level"])),
            inflation=tuple((int(h), float(f)) for h, f in data["inflation"]),
            config=ForecastConfig(**config),
            holidays=frozenset(dt.date.fromisoformat(day) for day in data["holidays"]),
        )

    def _variance(self, mean: float, evidence: float, hours: int) -> float:
        return (mean + mean * mean / max(evidence, 1e-9)) * self.variance_factor(hours)


def fit(
    times: Sequence[dt.datetime],
    counts: npt.ArrayLike,
    *,
    config: ForecastConfig | None = None,
    holidays: Collection[dt.date] = frozenset(),
    horizons: Sequence[int] = PRODUCT_HORIZONS,
) -> FittedForecaster:
    """Fit the shape on the last ``config.fit_hours`` of history and measure, for each
    of ``horizons``, how much more the totals varied than the model said (the variance
    factor; never below 1)."""
    config = config or ForecastConfig()
    holidays = frozenset(holidays)
    y = np.asarray(counts, dtype=np.float64)
    if len(y) != len(times):
        raise ValueError("one count per hour")
    start = max(0, len(y) - config.fit_hours)
    calendar = Calendar.of(times[start:], holidays)
    shape = fit_shape(calendar, y[start:], config)
    inflation = _variance_factors(shape, calendar, y[start:], config, horizons)
    return FittedForecaster(shape=shape, inflation=inflation, config=config, holidays=holidays)


def _causal_level(shape: SeasonalShape, calendar: Calendar, counts: FloatArray,
                  config: ForecastConfig) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected counts and, before each hour, the filtered level and its evidence."""
    expected = shape.expected(calendar)
    level = LevelFilter((config.level_halflife, *config.watch_halflives), config.change_z)
    levels = np.empty(len(counts))
    evidence = np.empty(len(counts))
    for i, (count, exp) in enumerate(zip(counts.tolist(), expected.tolist(), strict=True)):
        levels[i] = level.level
        evidence[i] = level.evidence
        level.update(count, exp)
    return expected, levels, evidence


def _variance_factors(shape: SeasonalShape, calendar: Calendar, counts: FloatArray,
                      config: ForecastConfig, horizons: Sequence[int]
                      ) -> tuple[tuple[int, float], ...]:
    expected, levels, evidence = _causal_level(shape, calendar, counts, config)
    burn = min(2 * HOURS_PER_WEEK, len(counts) // 4)
    cum_e = np.concatenate([[0.0], np.cumsum(expected)])
    cum_y = np.concatenate([[0.0], np.cumsum(counts)])
    factors = []
    for hours in sorted(set(horizons)):
        origins = np.arange(burn, len(counts) - hours + 1)
        if len(origins) < 4 * hours or len(origins) < 48:
            continue
        mean = levels[origins] * (cum_e[origins + hours] - cum_e[origins])
        actual = cum_y[origins + hours] - cum_y[origins]
        model_var = mean + mean * mean / np.maximum(evidence[origins], 1e-9)
        factor = float(np.sum((actual - mean) ** 2) / max(float(np.sum(model_var)), 1e-9))
        factors.append((hours, max(1.0, factor)))
    return tuple(factors)


@dataclass(frozen=True)
class RollingForecasts:
    """Forecasts made at every origin of a stretch of history, one array per horizon:
    ``mean[h][i]``, ``quantiles[h][τ][i]`` and ``actual[h][i]`` for the window of ``h``
    hours starting at hour ``origins[h][i]`` (forecast from the hours before it)."""

    origins: dict[int, IntArray]
    mean: dict[int, FloatArray]
    quantiles: dict[int, dict[float, FloatArray]]
    actual: dict[int, FloatArray]
    refits: int


def rolling_forecasts(
    times: Sequence[dt.datetime],
    counts: npt.ArrayLike,
    *,
    first_origin: int,
    horizons: Sequence[int],
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    config: ForecastConfig | None = None,
    holidays: Collection[dt.date] = frozenset(),
) -> RollingForecasts:
    """Rolling-origin forecasts: at every hour ``t`` from ``first_origin`` on, forecast
    the totals of hours ``t .. t+h-1`` from the counts of hours before ``t`` only.

    The shape is refitted every ``config.refit_hours`` (on data before the refit hour);
    between refits only the level moves, hour by hour — as in production. The times of
    future hours are used (they are the calendar, not data).
    """
    config = config or ForecastConfig()
    y = np.asarray(counts, dtype=np.float64)
    n = len(y)
    if not 0 < first_origin < n or len(times) != n:
        raise ValueError("first_origin must fall inside the series, one count per hour")
    horizons = sorted(set(horizons))
    calendar = Calendar.of(times, frozenset(holidays))
    means: dict[int, list[float]] = {h: [] for h in horizons}
    variances: dict[int, list[float]] = {h: [] for h in horizons}
    origins: dict[int, list[int]] = {h: [] for h in horizons}
    refits = 0
    for refit_at in range(first_origin, n, config.refit_hours):
        fit_from = max(0, refit_at - config.fit_hours)
        fit_calendar = calendar.part(fit_from, refit_at)
        shape = fit_shape(fit_calendar, y[fit_from:refit_at], config)
        inflation = _variance_factors(shape, fit_calendar, y[fit_from:refit_at], config,
                                      horizons)
        fitted = FittedForecaster(shape=shape, inflation=inflation, config=config,
                                  holidays=frozenset(holidays))
        refits += 1
        stop = min(n, refit_at + config.refit_hours)
        warm_from = max(0, refit_at - config.warmup_hours)
        expected = shape.expected(calendar.part(warm_from, n))
        cum_e = np.concatenate([[0.0], np.cumsum(expected)])
        level = LevelFilter((config.level_halflife, *config.watch_halflives), config.change_z)
        level.run(y[warm_from:refit_at], expected[: refit_at - warm_from])
        for t in range(refit_at, stop):
            local = t - warm_from
            for h in horizons:
                if t + h > n:
                    continue
                mean = level.level * float(cum_e[local + h] - cum_e[local])
                means[h].append(mean)
                variances[h].append(fitted._variance(mean, level.evidence, h))
                origins[h].append(t)
            level.update(float(y[t]), float(expected[local]))
    cum_y = np.concatenate([[0.0], np.cumsum(y)])
    result_q: dict[int, dict[float, FloatArray]] = {}
    actual: dict[int, FloatArray] = {}
    for h in horizons:
        at = np.asarray(origins[h], dtype=np.int64)
        actual[h] = cum_y[at + h] - cum_y[at]
        table = count_quantiles(means[h], variances[h], quantiles)
        result_q[h] = {tau: table[i] for i, tau in enumerate(quantiles)}
    return RollingForecasts(
        origins={h: np.asarray(origins[h], dtype=np.int64) for h in horizons},
        mean={h: np.asarray(means[h], dtype=np.float64) for h in horizons},
        quantiles=result_q, actual=actual, refits=refits)


# --------------------------------------------------------------------------- accuracy


def mae(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Mean absolute error."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f)))


def mape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Mean absolute percentage error as a fraction, over the windows with arrivals
    (a window without any has no percentage error); NaN when there are none."""
    a, f = _pair(actual, forecast)
    some = a != 0
    if not some.any():
        return math.nan
    return float(np.mean(np.abs(a[some] - f[some]) / np.abs(a[some])))


def r_squared(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """1 − SSE/SST around the mean of the actuals; NaN when the actuals never vary."""
    a, f = _pair(actual, forecast)
    total = float(np.sum((a - a.mean()) ** 2))
    if total == 0.0:
        return math.nan
    return 1.0 - float(np.sum((a - f) ** 2)) / total


def bias(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Mean of forecast − actual: positive when the forecast runs high."""
    a, f = _pair(actual, forecast)
    return float(np.mean(f - a))


def pinball_loss(actual: npt.ArrayLike, quantile: npt.ArrayLike, tau: float) -> float:
    """Mean pinball (quantile) loss of the τ-quantile forecast: τ·(a − q) when the
    actual lies above it, (1 − τ)·(q − a) when below."""
    a, q = _pair(actual, quantile)
    diff = a - q
    return float(np.mean(np.maximum(tau * diff, (tau - 1.0) * diff)))


def coverage(actual: npt.ArrayLike, quantile: npt.ArrayLike) -> float:
    """Share of windows whose actual is at or under the quantile forecast."""
    a, q = _pair(actual, quantile)
    return float(np.mean(a <= q))


def _pair(actual: npt.ArrayLike, other: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("need two non-empty sequences of the same length")
    return a, b


def poisson_mean_absolute_deviation(rate: npt.ArrayLike) -> FloatArray:
    """E|N − λ| for N ~ Poisson(λ), exactly: 2·λ·P(N = ⌊λ⌋) (the classical closed form;
    a sum over the distribution gives the same), elementwise."""
    lam = np.asarray(rate, dtype=np.float64)
    positive = lam > 0
    safe = np.where(positive, lam, 1.0)
    k = np.floor(safe)
    log_pmf = -safe + k * np.log(safe) - gammaln(k + 1.0)
    return np.asarray(np.where(positive, 2.0 * safe * np.exp(log_pmf), 0.0), dtype=np.float64)


def poisson_expected_absolute_error(rate: npt.ArrayLike, forecast: npt.ArrayLike
                                    ) -> FloatArray:
    """E|N − m| for N ~ Poisson(Λ) and a fixed forecast m, exactly, elementwise: the
    MAE a forecast would score on average over the Poisson noise of the counts. With
    k = ⌊m⌋, E[(m − N)⁺] = m·F(k) − Λ·F(k − 1), and E|N − m| = Λ − m + 2·E[(m − N)⁺]."""
    lam = np.asarray(rate, dtype=np.float64)
    m = np.asarray(forecast, dtype=np.float64)
    k = np.floor(m)
    below = np.where(m >= 0, m * stats.poisson.cdf(k, lam) - lam * stats.poisson.cdf(k - 1, lam),
                     0.0)
    return np.asarray(lam - m + 2.0 * below, dtype=np.float64)


def window_totals(hourly: npt.ArrayLike, hours: int, origins: npt.ArrayLike) -> FloatArray:
    """Sum of ``hourly[t : t + hours]`` for each origin ``t``."""
    values = np.asarray(hourly, dtype=np.float64)
    at = np.asarray(origins, dtype=np.int64)
    cum = np.concatenate([[0.0], np.cumsum(values)])
    return np.asarray(cum[at + hours] - cum[at], dtype=np.float64)


def poisson_noise_floor(hourly_rate: npt.ArrayLike, hours: int, origins: npt.ArrayLike
                        ) -> float:
    """The mean absolute error of a forecast that knows the true hourly rate, over the
    windows of ``hours`` hours starting at ``origins``: the total of a window is Poisson
    with the summed rate Λ, so each window contributes E|N − Λ| exactly."""
    totals = window_totals(hourly_rate, hours, origins)
    return float(np.mean(poisson_mean_absolute_deviation(totals)))


def hindsight_rate(times: Sequence[dt.datetime], counts: npt.ArrayLike, *,
                   holidays: Collection[dt.date] = frozenset()) -> FloatArray:
    """An estimate of the true hourly rate when it is unknown, with hindsight: the
    seasonal shape fitted to the whole series times its level over a centred week.
    Used only for the noise floor, which moves with the square root of the rate, so a
    few per cent of error in the rate moves the floor by half as much."""
    y = np.asarray(counts, dtype=np.float64)
    calendar = Calendar.of(times, frozenset(holidays))
    config = ForecastConfig(fit_hours=max(len(y), 1))
    shape = fit_shape(calendar, y, config)
    expected = shape.expected(calendar)
    # The shape is scaled to the level at the end; rescale hour by hour with hindsight.
    return expected * centred_level(y, expected)


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of one horizon's forecasts (MAPE and coverage as fractions)."""

    hours: int
    windows: int
    mae: float
    mape: float
    r2: float
    bias: float
    pinball_90: float
    coverage_90: float


def accuracy(hours: int, actual: npt.ArrayLike, median: npt.ArrayLike, q90: npt.ArrayLike,
             mean: npt.ArrayLike | None = None) -> Accuracy:
    """The figures tracked per unit as forecasts meet actuals.

    Absolute errors (MAE, MAPE) are of the median, the point that minimises them;
    squared-error figures (R², and the bias, whose zero is a calibrated mean) are of
    the ``mean`` forecast when given — the median of a skewed count sits a fraction of
    an arrival below its mean, which is not a bias. Quantile figures are of the 90 %
    quantile.
    """
    a = np.asarray(actual, dtype=np.float64)
    centre = median if mean is None else mean
    return Accuracy(hours=hours, windows=len(a), mae=mae(a, median), mape=mape(a, median),
                    r2=r_squared(a, centre), bias=bias(a, centre),
                    pinball_90=pinball_loss(a, q90, 0.9), coverage_90=coverage(a, q90))
