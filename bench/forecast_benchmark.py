"""Evaluate Headroom's forecaster on an hourly series by rolling origin.

Usage::

    python bench/forecast_benchmark.py FILE.csv [--json] [--holidays default|none|DATES]
    python bench/forecast_benchmark.py --generate OUT.csv [--rate 6.5] [--days 365]
                                       [--seed 1] [--surges N] [--json]

``FILE.csv`` has the header ``timestamp,count`` and one row per hour, with ISO local
timestamps (with or without a UTC offset). An optional third column ``rate`` holds the
true expected count of each hour; series written by ``--generate`` have it.

Over the last 10 % of the series, at every hour ``t``, the forecaster
(:mod:`allocation.forecasting`) forecasts the totals of the next 1, 4 and 10 hours from
the counts before ``t`` only, refitting its seasonal shape once a day and moving its
level every hour, as in production. Per horizon it prints the MAE and MAPE of the
median, R² and bias of the mean forecast, the pinball loss of the 90 % quantile, the
share of windows at or under the 90 % quantile, and the Poisson noise floor: the MAE
that a forecast knowing the true hourly rate would still make because the counts
are Poisson (E|N − Λ| for the window's summed rate Λ, computed exactly). The rate is
the file's ``rate`` column when there is one (the floor is then exact); otherwise it is
estimated with hindsight — the same seasonal shape fitted to the whole file times the
level over a centred week.

The MAE of a few hundred overlapping windows is itself noisy: over the last 10 % of a
year the 10-hour MAE of even the true rate strays several per cent either side of the
floor. When the rate is known the report therefore adds, per horizon, the MAE and the
coverage the forecasts would score on average over the Poisson noise of the counts
(exact, from the Poisson distribution of each window): these judge the forecaster, the
raw figures also judge the luck of the draw.

``--generate OUT.csv`` first writes a series from :func:`allocation.arrivals.
generate_arrivals` (an emergency department averaging ``--rate`` arrivals an hour, with
daily and weekly seasonality, winter, holidays and ``--surges`` surges; the same seed
gives the same file), then evaluates it.

``--holidays``: ``default`` (the generic calendar of :func:`allocation.arrivals.
default_holidays`, the one generated series use), ``none``, or a file of ISO dates, one
a line. The forecaster learns from the history how much a holiday differs.

With ``--json`` it prints one JSON object::

    {
      "file": str, "hours": int,            # rows in the file
      "evaluated_from": str,                # timestamp of the first origin
      "origins": int,                       # hours in the evaluated last 10 %
      "rate_source": "file" | "hindsight",  # where the floor's rate came from
      "refits": int, "seconds": float,      # shape refits; wall time of the evaluation
      "horizons": [                         # one object per horizon (1, 4, 10 hours)
        {"hours": int,
         "windows": int,                    # windows fully inside the series
         "mae": float,                      # mean |actual − median|, arrivals
         "mape": float,                     # fraction (0.12 = 12 %), windows with arrivals
         "r2": float,                       # 1 − SSE/SST of the mean forecast
         "bias": float,                     # mean (mean forecast − actual), arrivals
         "pinball_90": float,               # mean pinball loss of the 90 % quantile
         "coverage_90": float,              # fraction of windows with actual ≤ 90 % quantile
         "noise_floor": float,              # Poisson-floor MAE, arrivals
         "mae_over_floor": float,           # mae / noise_floor (1.05 = 5 % above it)
         "mean_actual": float,              # mean total per window
         # Only when the file has the true rate (else null): the same two figures
         # averaged over the Poisson noise given the true rate, exactly — what the
         # forecasts score on average, free of the luck of this stretch's counts.
         "expected_mae_over_floor": float | null,
         "expected_coverage_90": float | null}
      ]
    }
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

# The model's linear algebra is small; OpenBLAS's worker threads only fight each other
# (and everything else) on a busy machine, slowing each fit by an order of magnitude.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy import stats

from allocation.arrivals import default_holidays, generate_arrivals
from allocation.forecasting import (
    accuracy,
    hindsight_rate,
    poisson_expected_absolute_error,
    poisson_noise_floor,
    rolling_forecasts,
    window_totals,
)

HORIZONS = (1, 4, 10)
EVALUATED_SHARE = 0.10


def read_series(path: Path) -> tuple[list[dt.datetime], np.ndarray, np.ndarray | None]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if fields[:2] != ["timestamp", "count"]:
            raise SystemExit(f"{path}: the header must start with timestamp,count")
        times: list[dt.datetime] = []
        counts: list[float] = []
        rates: list[float] = []
        for line, row in enumerate(reader, start=2):
            try:
                times.append(dt.datetime.fromisoformat(row["timestamp"]))
                counts.append(float(row["count"]))
                if "rate" in fields:
                    rates.append(float(row["rate"]))
            except (TypeError, ValueError) as error:
                raise SystemExit(f"{path}:{line}: {error}") from None
    if len(times) < 100:
        raise SystemExit(f"{path}: too short to evaluate ({len(times)} hours)")
    for line, (before, after) in enumerate(pairwise(times), start=3):
        if (before.tzinfo is None) != (after.tzinfo is None):
            raise SystemExit(f"{path}:{line}: mixes timestamps with and without an offset")
        if after.tzinfo is not None:
            # Real time: exactly one hour, whatever the clocks did.
            step = (after.astimezone(dt.UTC) - before.astimezone(dt.UTC)).total_seconds()
            allowed = {3600.0}
        else:
            # A local clock without offsets repeats an hour in autumn, skips one in spring.
            step = (after - before).total_seconds()
            allowed = {0.0, 3600.0, 7200.0}
        if step not in allowed:
            raise SystemExit(f"{path}:{line}: not one row per hour ({before} then {after})")
    if any(not count >= 0 for count in counts):
        raise SystemExit(f"{path}: counts must be non-negative numbers")
    rate = np.asarray(rates) if "rate" in fields else None
    return times, np.asarray(counts), rate


def read_holidays(spec: str, times: list[dt.datetime]) -> frozenset[dt.date]:
    if spec == "none":
        return frozenset()
    if spec == "default":
        return default_holidays(range(times[0].year, times[-1].year + 1))
    lines = Path(spec).read_text().split()
    return frozenset(dt.date.fromisoformat(line) for line in lines)


def evaluate(path: Path, holidays_spec: str) -> dict[str, object]:
    times, counts, rate = read_series(path)
    holidays = read_holidays(holidays_spec, times)
    n = len(counts)
    first = n - math.ceil(EVALUATED_SHARE * n)
    started = time.monotonic()
    rolling = rolling_forecasts(times, counts, first_origin=first, horizons=HORIZONS,
                                quantiles=(0.5, 0.9), holidays=holidays)
    source = "file"
    if rate is None:
        source = "hindsight"
        rate = hindsight_rate(times, counts, holidays=holidays)
    rows = []
    for hours in HORIZONS:
        actual = rolling.actual[hours]
        figures = accuracy(hours, actual, rolling.quantiles[hours][0.5],
                           rolling.quantiles[hours][0.9], rolling.mean[hours])
        floor = poisson_noise_floor(rate, hours, rolling.origins[hours])
        expected_mae = expected_coverage = None
        if source == "file":
            # With the true rate known, the MAE and coverage the forecasts would score
            # on average over the Poisson noise, free of the luck of these windows.
            truth = window_totals(rate, hours, rolling.origins[hours])
            expected_mae = float(np.mean(poisson_expected_absolute_error(
                truth, rolling.quantiles[hours][0.5])))
            expected_coverage = float(np.mean(stats.poisson.cdf(
                np.floor(rolling.quantiles[hours][0.9]), truth)))
        rows.append({
            "hours": hours, "windows": figures.windows, "mae": figures.mae,
            "mape": figures.mape, "r2": figures.r2, "bias": figures.bias,
            "pinball_90": figures.pinball_90, "coverage_90": figures.coverage_90,
            "noise_floor": floor, "mae_over_floor": figures.mae / floor if floor else math.nan,
            "mean_actual": float(np.mean(actual)),
            "expected_mae_over_floor": None if expected_mae is None else expected_mae / floor,
            "expected_coverage_90": expected_coverage,
        })
    return {
        "file": str(path), "hours": n, "evaluated_from": times[first].isoformat(),
        "origins": n - first, "rate_source": source, "refits": rolling.refits,
        "seconds": round(time.monotonic() - started, 2), "horizons": rows,
    }


def optional(value: object, scale: float, digits: int) -> str:
    return "-" if value is None else f"{scale * float(str(value)):.{digits}f}"


def print_report(report: dict[str, object]) -> None:
    source = ("the file's rate column (exact)" if report["rate_source"] == "file" else
              "estimated with hindsight: seasonal shape of the whole file × centred weekly level")
    print(f"{report['file']}: {report['hours']} hours; rolling origin over the last "
          f"{report['origins']} (from {report['evaluated_from']}), {report['refits']} refits, "
          f"{report['seconds']} s")
    print(f"noise floor rate: {source}")
    print(f"{'h':>3} {'windows':>7} {'MAE':>7} {'floor':>7} {'MAE/fl':>7} {'MAPE%':>6} "
          f"{'R2':>6} {'bias':>7} {'pin90':>6} {'cov90%':>6} {'mean':>7} "
          f"{'E[MAE]/fl':>9} {'E[cov90]%':>9}")
    rows = report["horizons"]
    assert isinstance(rows, list)
    for row in rows:
        print(f"{row['hours']:>3} {row['windows']:>7} {row['mae']:>7.3f} "
              f"{row['noise_floor']:>7.3f} {row['mae_over_floor']:>7.3f} "
              f"{100 * row['mape']:>6.1f} {row['r2']:>6.3f} {row['bias']:>+7.3f} "
              f"{row['pinball_90']:>6.3f} {100 * row['coverage_90']:>6.1f} "
              f"{row['mean_actual']:>7.2f} {optional(row['expected_mae_over_floor'], 1, 3):>9} "
              f"{optional(row['expected_coverage_90'], 100, 1):>9}")
    if report["rate_source"] == "file":
        print("E[MAE]/fl, E[cov90]: MAE over floor and 90 % coverage averaged over the "
              "Poisson noise given the true rate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="hourly CSV: timestamp,count")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--holidays", default="default",
                        help="default, none, or a file of ISO dates (default: default)")
    parser.add_argument("--generate", type=Path, metavar="OUT.csv",
                        help="write a generated series to OUT.csv, then evaluate it")
    parser.add_argument("--rate", type=float, default=6.5, help="mean arrivals an hour")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--surges", type=int, default=None,
                        help="number of surges (default: three a year)")
    args = parser.parse_args(argv)
    if (args.file is None) == (args.generate is None):
        parser.error("give FILE.csv or --generate OUT.csv (not both)")
    path = args.file
    if args.generate is not None:
        series = generate_arrivals(mean_rate=args.rate, days=args.days, seed=args.seed,
                                   surges=args.surges)
        series.write_csv(args.generate)
        path = args.generate
    report = evaluate(path, args.holidays)
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
