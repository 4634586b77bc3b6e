"""Solve Curtois–Qu benchmark instances and compare with the best known objective.

Usage::

    python bench/roster_benchmark.py [--seconds S] [--workers W] [--seed N] [--json]
                                     [--solutions DIR] FILE...

For each instance file (any file in the benchmark's text format) it prints the
published objective of the roster found (computed by ``roster.solver.curtois.objective``
from the raw instance, not by the model), the best known value, the gap to it in %,
the solver's lower bound, the seconds spent and the number of hard-rule violations
found by the independent verifier and by the format-level checker.

Best known values are read from ``best_known.csv`` in the instance file's folder
(columns ``instance`` and ``best_known``) when that file exists.

``--json`` prints one JSON object per instance and line with keys ``instance``,
``objective``, ``best_known``, ``gap_pct``, ``bound``, ``seconds``, ``violations``.

``--solutions DIR`` writes ``DIR/<instance>.csv``: a header line ``employee,day,shift``
then one row per worked day, using the file's own employee and shift IDs and its day
numbers (0-based).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver import curtois
from roster.solver.model import solve
from roster.solver.problem import SolveOptions
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


def run(path: Path, seconds: float, workers: int, seed: int,
        solutions: Path | None) -> dict[str, object]:
    inst = curtois.load(path)
    problem = curtois.to_problem(inst)
    started = time.monotonic()
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--solutions", type=Path, default=None)
    args = ap.parse_args(argv)

    rows = []
    if not args.json:
        print(f"{'instance':<12} {'objective':>9} {'best':>6} {'gap%':>7} {'bound':>7} "
              f"{'seconds':>7} {'viol':>4}  status", flush=True)
    for path in args.files:
        row = run(path, args.seconds, args.workers, args.seed, args.solutions)
        rows.append(row)
        if args.json:
            print(json.dumps({k: v for k, v in row.items() if not k.startswith("_")
                              and k != "status"}), flush=True)
        else:
            def fmt(v: object) -> str:
                return "-" if v is None else str(v)
            print(f"{row['instance']!s:<12} {fmt(row['objective']):>9} {fmt(row['best_known']):>6} "
                  f"{fmt(row['gap_pct']):>7} {fmt(row['bound']):>7} {fmt(row['seconds']):>7} "
                  f"{fmt(row['violations']):>4}  {row['status']}", flush=True)
            for text in row["_violation_text"]:  # type: ignore[attr-defined]
                print(f"    ! {text}")
    if not args.json:
        gaps = [float(r["gap_pct"]) for r in rows if r["gap_pct"] is not None]  # type: ignore[arg-type]
        if gaps:
            print(f"mean gap {sum(gaps) / len(gaps):.2f} %, worst {max(gaps):.2f} %, "
                  f"violations {sum(int(r['violations']) for r in rows)}")  # type: ignore[call-overload]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
