"""The forecaster, its accuracy figures and the Poisson noise floor (no database)."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import stats

from allocation import forecasting as fc
from allocation.arrivals import generate_arrivals, hourly_times

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
START = dt.datetime(2025, 1, 6, tzinfo=LONDON)  # a Monday
# Refit weekly in tests: the level still moves every hour, and the tests stay fast.
WEEKLY = fc.ForecastConfig(refit_hours=168)


def constant_series(rate: float, hours: int, seed: int) -> tuple[tuple[dt.datetime, ...],
                                                                  np.ndarray]:
    counts = np.random.default_rng(seed).poisson(rate, hours)
    return hourly_times(START, hours), counts


# --------------------------------------------------------------------------- forecaster


def test_the_median_of_a_constant_rate_is_near_the_rate() -> None:
    times, counts = constant_series(5.0, 8 * 168, seed=1)
    fitted = fc.fit(times, counts, horizons=(1, 4, 12))
    by_hours = {f.hours: f for f in fitted.forecast(times, counts, horizons=(1, 4, 12))}
    for hours, forecast in by_hours.items():
        assert forecast.mean == pytest.approx(5.0 * hours, rel=0.06)
        assert forecast.median == pytest.approx(5.0 * hours, rel=0.08)
        assert forecast.median < forecast.quantile(0.85) < forecast.quantile(0.9)
    assert by_hours[1].start == times[-1] + dt.timedelta(hours=1)


def test_the_90_percent_quantile_covers_about_90_percent_of_windows() -> None:
    # 12 h at 10 an hour: totals near 120, where one count more or less moves the
    # coverage of a quantile by under 2 %. The expected coverage is exact given the
    # known rate, so the test does not hang on the luck of a few hundred windows.
    times, counts = constant_series(10.0, 10 * 168, seed=2)
    rolling = fc.rolling_forecasts(times, counts, first_origin=8 * 168, horizons=(12,),
                                   quantiles=(0.5, 0.9), config=WEEKLY)
    q90 = rolling.quantiles[12][0.9]
    expected_coverage = stats.poisson.cdf(np.floor(q90), 120.0).mean()
    assert expected_coverage == pytest.approx(0.9, abs=0.025)
    assert fc.coverage(rolling.actual[12], q90) == pytest.approx(0.9, abs=0.08)
    assert np.median(rolling.quantiles[12][0.5]) == pytest.approx(120.0, rel=0.04)


def test_rolling_forecasts_use_only_the_hours_before_each_origin() -> None:
    times, counts = constant_series(4.0, 6 * 168, seed=3)
    changed = counts.copy()
    changed[5 * 168 + 10:] += 50  # a future that no forecast before it may see
    kept = fc.rolling_forecasts(times, counts, first_origin=5 * 168, horizons=(4,),
                                config=WEEKLY)
    other = fc.rolling_forecasts(times, changed, first_origin=5 * 168, horizons=(4,),
                                 config=WEEKLY)
    assert np.array_equal(kept.mean[4][:11], other.mean[4][:11])
    assert not np.array_equal(kept.mean[4][11:20], other.mean[4][11:20])
    assert kept.origins[4][0] == 5 * 168 and kept.origins[4][-1] == 6 * 168 - 4


def test_the_forecaster_follows_the_seasonal_shape() -> None:
    series = generate_arrivals(days=10 * 7, seed=4, surges=0)
    fitted = fc.fit(series.times[:-24], series.counts[:-24], holidays=series.holidays,
                    horizons=(1,))
    hourly = fc.Calendar.of(series.times[-24:], series.holidays)
    expected = fitted.shape.expected(hourly)
    ratio = expected / series.rate[-24:]
    assert fitted.shape.design == "split"  # weekday and weekend profiles, as generated
    # The day's profile up to the level, within the noise of ten weeks of counts.
    assert ratio.std() < 0.1
    assert np.corrcoef(expected, series.rate[-24:])[0, 1] > 0.95


def test_a_history_with_its_own_hours_of_the_week_gets_a_rate_for_each() -> None:
    times = hourly_times(START, 12 * 168)
    rate = np.full(len(times), 5.0)
    for i, t in enumerate(times):
        if t.weekday() == 1 and 10 <= t.hour < 13:
            rate[i] = 15.0  # a Tuesday-morning clinic sends its patients over
        if t.weekday() == 4 and 20 <= t.hour < 23:
            rate[i] = 1.0
    counts = np.random.default_rng(13).poisson(rate)
    shape = fc.fit_shape(fc.Calendar.of(times), counts)
    assert shape.design == "week"
    expected = shape.expected(fc.Calendar.of(times[-168:])) / np.exp(shape.log_level)
    truth = rate[-168:]
    assert expected[truth == 15.0].mean() == pytest.approx(15.0, rel=0.1)
    assert expected[truth == 1.0].mean() == pytest.approx(1.0, rel=0.4)
    assert np.median(np.abs(expected[truth == 5.0] / 5.0 - 1.0)) < 0.15


def test_a_few_weeks_of_a_quiet_unit_get_a_daily_profile_at_most() -> None:
    times, counts = constant_series(0.5, 3 * 168, seed=14)
    assert fc.fit_shape(fc.Calendar.of(times), counts).design in ("flat", "hour")


def test_a_surge_is_followed_within_a_day() -> None:
    times, counts = constant_series(6.0, 6 * 168, seed=5)
    surge = np.random.default_rng(6).poisson(9.0, 24)
    counts = np.concatenate([counts, surge])
    times = hourly_times(START, len(counts))
    fitted = fc.fit(times[:-24], counts[:-24], horizons=(4,))
    (before,) = fitted.forecast(times[:-24], counts[:-24], horizons=(4,))
    (after,) = fitted.forecast(times, counts, horizons=(4,))
    assert before.mean == pytest.approx(24.0, rel=0.1)
    assert after.mean == pytest.approx(36.0, rel=0.15)


def test_a_short_sparse_history_gets_a_simpler_shape() -> None:
    times, counts = constant_series(0.2, 72, seed=7)
    fitted = fc.fit(times, counts, horizons=(1, 12))
    assert fitted.shape.design == "flat"
    forecasts = fitted.forecast(times, counts, horizons=(1, 12))
    assert all(math.isfinite(f.quantile(0.9)) for f in forecasts)
    assert forecasts[1].mean == pytest.approx(12 * counts.mean(), rel=0.5)


def test_a_history_without_arrivals_forecasts_none() -> None:
    times, _ = constant_series(1.0, 48, seed=8)
    fitted = fc.fit(times, np.zeros(48), horizons=(4,))
    (forecast,) = fitted.forecast(times, np.zeros(48), horizons=(4,))
    assert forecast.mean == pytest.approx(0.0, abs=0.01)
    assert forecast.quantile(0.9) < 1.0


def test_forecast_hours_cross_a_clock_change_in_real_time() -> None:
    last = dt.datetime(2025, 10, 26, 0, tzinfo=LONDON)
    ahead = fc.future_times(last, 3)
    assert [t.hour for t in ahead] == [1, 1, 2]
    assert ahead[0].fold == 0 and ahead[1].fold == 1


def test_a_fitted_forecaster_survives_a_round_trip_through_json() -> None:
    times, counts = constant_series(3.0, 5 * 168, seed=9)
    fitted = fc.fit(times, counts, horizons=(1, 4), holidays={dt.date(2025, 1, 1)})
    again = fc.FittedForecaster.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert again == fitted
    assert again.forecast(times, counts, horizons=(4,)) == fitted.forecast(times, counts,
                                                                            horizons=(4,))


def test_continuous_quantiles_straddle_the_integer_ones() -> None:
    (q50, q90) = fc.count_quantiles([6.5], [6.5], (0.5, 0.9))[:, 0]
    assert stats.poisson.ppf(0.5, 6.5) - 0.5 <= q50 <= stats.poisson.ppf(0.5, 6.5) + 0.5
    assert stats.poisson.ppf(0.9, 6.5) - 0.5 <= q90 <= stats.poisson.ppf(0.9, 6.5) + 0.5
    wide = fc.count_quantiles([6.5], [20.0], (0.9,))[0, 0]
    assert wide > q90


# --------------------------------------------------------------------------- accuracy


def test_the_metrics_match_hand_worked_numbers() -> None:
    actual = [0, 2, 4, 10]
    forecast = [1, 2, 5, 8]
    assert fc.mae(actual, forecast) == pytest.approx(1.0)
    # Windows with arrivals only: (0/2 + 1/4 + 2/10) / 3.
    assert fc.mape(actual, forecast) == pytest.approx(0.15)
    assert fc.bias(actual, forecast) == pytest.approx(0.0)
    # Mean 4: SST = 16 + 4 + 0 + 36 = 56; SSE = 1 + 0 + 1 + 4 = 6.
    assert fc.r_squared(actual, forecast) == pytest.approx(1 - 6 / 56)
    # a − q = (−1, 0, −1, 2): 0.1, 0, 0.1 and 0.9 × 2.
    assert fc.pinball_loss(actual, forecast, 0.9) == pytest.approx(0.5)
    assert fc.coverage(actual, forecast) == pytest.approx(0.75)


def test_the_metrics_say_when_they_have_nothing_to_measure() -> None:
    assert math.isnan(fc.mape([0, 0], [1, 2]))
    assert math.isnan(fc.r_squared([3, 3], [1, 2]))
    with pytest.raises(ValueError):
        fc.mae([], [])


def test_accuracy_gathers_the_figures_of_one_horizon() -> None:
    figures = fc.accuracy(4, [0, 2, 4, 10], [1, 2, 5, 8], [1, 2, 5, 8])
    assert (figures.hours, figures.windows) == (4, 4)
    assert figures.mae == pytest.approx(1.0) and figures.coverage_90 == pytest.approx(0.75)
    assert figures.bias == pytest.approx(0.0)
    # Bias and R² are of the mean forecast when there is one, MAE of the median.
    with_mean = fc.accuracy(4, [0, 2, 4, 10], [1, 2, 5, 8], [1, 2, 5, 8], mean=[2, 3, 6, 9])
    assert with_mean.bias == pytest.approx(1.0)  # (2 + 1 + 2 - 1) / 4
    assert with_mean.mae == pytest.approx(1.0)


# --------------------------------------------------------------------------- noise floor


@pytest.mark.parametrize("rate", [0.3, 4.0, 6.5, 26.0, 65.0])
def test_the_noise_floor_matches_a_simulation(rate: float) -> None:
    draws = np.random.default_rng(10).poisson(rate, 400_000)
    simulated = np.abs(draws - rate).mean()
    assert fc.poisson_mean_absolute_deviation(rate) == pytest.approx(simulated, rel=0.01)


def test_the_noise_floor_matches_the_sum_over_the_distribution() -> None:
    rate = 7.3
    n = np.arange(200)
    assert fc.poisson_mean_absolute_deviation(rate) == pytest.approx(
        float(np.sum(np.abs(n - rate) * stats.poisson.pmf(n, rate))), rel=1e-10)
    assert fc.poisson_mean_absolute_deviation(0.0) == 0.0


def test_the_noise_floor_of_a_window_uses_its_summed_rate() -> None:
    hourly = [1.0, 2.0, 3.0, 4.0]
    floor = fc.poisson_noise_floor(hourly, 3, [0, 1])
    expected = (fc.poisson_mean_absolute_deviation(6.0) + fc.poisson_mean_absolute_deviation(9.0)) / 2
    assert floor == pytest.approx(float(expected))


def test_the_expected_error_of_a_fixed_forecast_matches_a_simulation() -> None:
    draws = np.random.default_rng(11).poisson(26.0, 400_000)
    for forecast in (20.0, 25.6, 26.0, 31.5):
        simulated = np.abs(draws - forecast).mean()
        assert fc.poisson_expected_absolute_error(26.0, forecast) == pytest.approx(simulated,
                                                                                  rel=0.01)
    assert fc.poisson_expected_absolute_error(26.0, 26.0) == pytest.approx(
        fc.poisson_mean_absolute_deviation(26.0))


def test_the_hindsight_rate_is_close_to_the_true_one() -> None:
    series = generate_arrivals(days=8 * 7, seed=12, surges=0)
    estimate = fc.hindsight_rate(series.times, series.counts, holidays=series.holidays)
    floor_true = fc.poisson_noise_floor(series.rate, 4, np.arange(0, len(series) - 4))
    floor_estimated = fc.poisson_noise_floor(estimate, 4, np.arange(0, len(series) - 4))
    assert floor_estimated == pytest.approx(floor_true, rel=0.02)


# --------------------------------------------------------------------------- benchmark CLI


def run_benchmark(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "forecast_benchmark.py"), *args],
                          capture_output=True, text=True, timeout=120, check=True, cwd=ROOT)
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def test_the_benchmark_evaluates_a_generated_series_against_its_exact_floor(tmp_path: Path) -> None:
    path = tmp_path / "ed.csv"
    report = run_benchmark("--generate", str(path), "--days", "35", "--seed", "3", "--json")
    assert path.read_text().startswith("timestamp,count,rate\n")
    assert report["hours"] == 35 * 24
    assert report["origins"] == 84
    assert report["rate_source"] == "file"
    horizons = report["horizons"]
    assert isinstance(horizons, list)
    assert [row["hours"] for row in horizons] == [1, 4, 10]
    for row in horizons:
        assert row["windows"] == 84 - row["hours"] + 1
        assert 0.0 <= row["coverage_90"] <= 1.0
        assert row["noise_floor"] > 0 and row["mae"] > 0
        assert row["mae_over_floor"] == pytest.approx(row["mae"] / row["noise_floor"])
        assert {"mape", "r2", "bias", "pinball_90", "mean_actual"} <= row.keys()


def test_the_benchmark_estimates_the_rate_of_a_plain_series(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    series = generate_arrivals(days=35, seed=4)
    # Local clock times without offsets, as many hospital systems export them.
    path.write_text("timestamp,count\n" + "".join(
        f"{t.replace(tzinfo=None).isoformat()},{c}\n"
        for t, c in zip(series.times, series.counts, strict=True)))
    report = run_benchmark(str(path), "--json")
    assert report["rate_source"] == "hindsight"
    horizons = report["horizons"]
    assert isinstance(horizons, list) and len(horizons) == 3


# 01:00 then 04:00 (two hours missing), in a file long enough to be evaluated.
GAPPED = "timestamp,count\n" + "".join(
    f"{dt.datetime(2025, 1, 1) + dt.timedelta(hours=h):%Y-%m-%dT%H:%M},3\n"
    for h in [0, 1, *range(4, 200)])


@pytest.mark.parametrize(("text", "complaint"), [
    ("when,arrivals\n2025-01-01T00:00,3\n", "timestamp,count"),
    (GAPPED, "not one row per hour"),
], ids=["without the header", "with a gap"])
def test_the_benchmark_refuses_a_file_it_cannot_read(tmp_path: Path, text: str,
                                                     complaint: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "forecast_benchmark.py"),
                           str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode != 0
    assert complaint in done.stderr
