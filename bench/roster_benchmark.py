"""Solve Curtois–Qu benchmark instances and compare with the best known objective.

Usage::

    python bench/roster_benchmark.py [--seconds S] [--workers W] [--seed N] [--json]
                                     [--solutions DIR] [--repeats R] FILE...

For each instance file (any file in the benchmark's text format) it prints the
published objective of the roster found (computed by ``roster.solver.curtois.objective``
from the raw instance, not by the model), the best known value, the gap to it in %,
the solver's lower bound, the seconds spent (the whole call: reading the file,
building the problem and the model, the search) and the number of hard-rule violations
found by the independent verifier and by the format-level checker.

Best known values are read from ``best_known.csv`` in the instance file's folder
(columns ``instance`` and ``best_known``) when that file exists.

``--json`` prints one JSON object per instance and line with keys ``instance``,
``objective``, ``best_known``, ``gap_pct``, ``bound``, ``seconds``, ``violations``.

``--repeats R`` runs the whole list R times with the same seed (a time-limited
parallel search still differs from run to run with the machine's load), prints each
run's table and mean gap, then per instance the median objective, gap and its range
over the runs, and the median of the runs' mean gaps.  With ``--json`` each object
then also has the key ``run`` (1, 2, …).

``--solutions DIR`` writes ``DIR/<instance>.csv``: a header line ``employee,day,shift``
then one row per worked day, using the file's own employee and shift IDs and its day
numbers (0-based).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver import curtois
from roster.solver.problem import SolveOptions
from roster.solver.search import solve
from roster.solver.verify import verify


def best_known(path: Path) -> int | None:
    table = path.parent / "best_known.csv"
    if not table.exists():
        return None
    with table.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("instance", "").strip() == path.stem:
                value = (row.get("best_known") or "").strip()
                return int(value) if value else None
    return None


def run(path: Path, inst: curtois.CurtoisInstance, seconds: float, workers: int, seed: int,
        solutions: Path | None, parse_seconds: float = 0.0) -> dict[str, object]:
    # The seconds reported are the whole call's: reading the file, the problem, the
    # model and the search.
    started = time.monotonic() - parse_seconds
    problem = curtois.to_problem(inst)
    result = solve(problem, SolveOptions(time_limit_s=seconds, num_workers=workers, seed=seed))
    elapsed = time.monotonic() - started
    objective = curtois.objective(inst, result.assignments) if result.assignments else None
    violations = [str(v) for v in verify(problem, result.assignments)]
    violations += curtois.hard_violations(inst, result.assignments) if result.assignments else []
    best = best_known(path)
    gap = None
    if objective is not None and best:
        gap = round(100.0 * (objective - best) / best, 2)
    if solutions is not None and result.assignments:
        solutions.mkdir(parents=True, exist_ok=True)
        curtois.write_solution(solutions / f"{path.stem}.csv", result.assignments)
    return {
        "instance": path.stem,
        "objective": objective,
        "best_known": best,
        "gap_pct": gap,
        "bound": None if result.bound is None else round(result.bound),
        "seconds": round(elapsed, 1),
        "violations": len(violations),
        "status": result.status,
        "_violation_text": violations[:5],
    }


def fmt(v: object) -> str:
    return "-" if v is None else str(v)


def print_header() -> None:
    print(f"{'instance':<12} {'objective':>9} {'best':>6} {'gap%':>7} {'bound':>7} "
          f"{'seconds':>7} {'viol':>4}  status", flush=True)


def print_row(row: dict[str, object]) -> None:
    print(f"{row['instance']!s:<12} {fmt(row['objective']):>9} {fmt(row['best_known']):>6} "
          f"{fmt(row['gap_pct']):>7} {fmt(row['bound']):>7} {fmt(row['seconds']):>7} "
          f"{fmt(row['violations']):>4}  {row['status']}", flush=True)
    for text in row["_violation_text"]:  # type: ignore[attr-defined]
        print(f"    ! {text}")


def summary(rows: list[dict[str, object]]) -> tuple[float, float] | None:
    """(mean gap %, worst gap %) over the rows with a best known value."""
    gaps = [float(r["gap_pct"]) for r in rows if r["gap_pct"] is not None]  # type: ignore[arg-type]
    if not gaps:
        return None
    return sum(gaps) / len(gaps), max(gaps)


def print_medians(runs: list[list[dict[str, object]]]) -> None:
    """Per instance, the median over the runs; then the median of the runs' means."""
    print(f"median of {len(runs)} runs:")
    print(f"{'instance':<12} {'objective':>9} {'best':>6} {'gap%':>7} {'range':>13} {'viol':>4}")
    for i, first in enumerate(runs[0]):
        same = [run[i] for run in runs]
        objectives = [int(r["objective"]) for r in same if r["objective"] is not None]  # type: ignore[call-overload]
        gaps = [float(r["gap_pct"]) for r in same if r["gap_pct"] is not None]  # type: ignore[arg-type]
        span = f"{min(objectives)}-{max(objectives)}" if objectives else "-"
        middle = statistics.median(objectives) if objectives else None
        if middle is not None and middle == int(middle):
            middle = int(middle)
        print(f"{first['instance']!s:<12} "
              f"{fmt(middle):>9} "
              f"{fmt(first['best_known']):>6} "
              f"{fmt(round(statistics.median(gaps), 2) if gaps else None):>7} {span:>13} "
              f"{sum(int(r['violations']) for r in same):>4}")  # type: ignore[call-overload]
    means = [s for s in (summary(run) for run in runs) if s is not None]
    if means:
        print(f"runs' mean gaps {', '.join(f'{m:.2f}' for m, _ in means)} %: median "
              f"{statistics.median(m for m, _ in means):.2f} %; worst gap per run "
              f"{', '.join(f'{w:.2f}' for _, w in means)} %")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--solutions", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    # Read every file first: a bad one is reported before any solving starts.
    instances = []
    for path in args.files:
        try:
            began = time.monotonic()
            instances.append((path, curtois.load(path), time.monotonic() - began))
        except (OSError, curtois.CurtoisFormatError) as exc:
            ap.error(f"{path}: {exc}")

    runs: list[list[dict[str, object]]] = []
    for r in range(1, args.repeats + 1):
        rows: list[dict[str, object]] = []
        runs.append(rows)
        if not args.json:
            if args.repeats > 1:
                print(f"run {r} of {args.repeats}:")
            print_header()
        for path, inst, parse_seconds in instances:
            row = run(path, inst, args.seconds, args.workers, args.seed, args.solutions,
                      parse_seconds)
            rows.append(row)
            if args.json:
                out = {k: v for k, v in row.items() if not k.startswith("_") and k != "status"}
                if args.repeats > 1:
                    out["run"] = r
                print(json.dumps(out), flush=True)
            else:
                print_row(row)
        stats = summary(rows)
        if not args.json and stats is not None:
            print(f"mean gap {stats[0]:.2f} %, worst {stats[1]:.2f} %, "
                  f"violations {sum(int(r['violations']) for r in rows)}")  # type: ignore[call-overload]
    if not args.json and args.repeats > 1:
        print_medians(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
