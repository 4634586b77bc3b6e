"""Roster a realistic generated hospital unit and report how fast and how well.

Usage::

    python bench/unit_benchmark.py [--nurses 60] [--days 28] [--seed 7] [--workers 2]
                                   [--repeats 3] [--json] [--site]

The problem is :func:`roster.solver.synthetic.hospital_unit`: a medical-surgical ward and
an ICU sharing a float pool, 3 shift types (a night crossing midnight), coverage derived
from ratio rules and a census profile, one charge nurse and one ACLS holder per shift,
certificates lapsing mid-period, leave, requests, contracts and the default fatigue
rules, with the last week of history.  ``--site`` makes it site-sized: 250 nurses (the
staff of a whole site of the demo network) over the same two units and float pool.

For each repeat (seeds ``seed``, ``seed + 1``, …: different problems) it prints

* the seconds until the first roster that keeps every hard rule, and until the first
  that also covers every minimum (from the solver's progress reports, 10 s solve);
* objective, bound and gap of a 10 s solve and of a 60 s solve;
* the number of hard-rule violations the independent verifier finds (must be 0);

then the median of each column.  Machines are noisy: quote medians.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver.problem import Problem, SolveOptions, SolveResult
from roster.solver.search import solve
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify

#: ``--site``: about the staff of a whole site of the demo network rostered at once.
SITE_NURSES = 250
#: ``--site``: each slot's maximum at least this share of its minimum.  The generated
#: unit caps a slot two or three above its minimum whatever the census; with 250
#: nurses that leaves fewer places (3 311) than their contracts' minimum hours need
#: (3 395 shifts), so no roster can keep every rule.  A site's caps grow with its
#: staff.
SITE_MAX_SHARE = 1.3


def site_caps(problem: Problem) -> Problem:
    """``problem`` with every slot's maximum at least ``SITE_MAX_SHARE`` times its
    minimum (see ``SITE_MAX_SHARE``)."""
    coverage = tuple(
        r if r.maximum is None else dataclasses.replace(
            r, maximum=max(r.maximum, math.ceil(r.minimum * SITE_MAX_SHARE)))
        for r in problem.coverage)
    return dataclasses.replace(problem, coverage=coverage)


def timed_solve(problem: Problem, seconds: float,
                workers: int) -> tuple[SolveResult, float, float]:
    """Solve; return the result, the seconds to the first roster that keeps every hard
    rule and the seconds to the first one that also covers every minimum."""
    started = time.monotonic()
    seen: list[tuple[float, float]] = []

    def progress(solutions: int, objective: float, bound: float, elapsed: float) -> None:
        seen.append((time.monotonic() - started, objective))

    result = solve(problem, SolveOptions(time_limit_s=seconds, num_workers=workers, seed=0,
                                         progress=progress))
    first = seen[0][0] if seen else float("nan")
    # A roster costs less than one missing person exactly when it covers every minimum.
    covered = next((t for t, objective in seen if objective < result.shortfall_unit),
                   float("nan"))
    return result, first, covered


def gap_pct(result: SolveResult) -> float:
    return float("nan") if result.gap is None else 100.0 * result.gap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nurses", type=int, default=60)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--short", type=float, default=10.0, help="first budget (s)")
    parser.add_argument("--long", type=float, default=60.0, help="second budget (s)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--site", action="store_true",
                        help=f"a whole site: {SITE_NURSES} nurses sharing the float pool "
                             "(sets --nurses)")
    args = parser.parse_args(argv)
    if args.site:
        args.nurses = SITE_NURSES

    rows: list[dict[str, float | int]] = []
    if not args.json:
        print(f"{args.nurses} nurses, {args.days} days, {args.workers} workers; "
              f"budgets {args.short:g} s and {args.long:g} s")
        print(f"{'seed':>4} {'first_s':>8} {'cover_s':>8} {'obj@S':>9} {'bound@S':>9} {'gap@S%':>7} "
              f"{'obj@L':>9} {'bound@L':>9} {'gap@L%':>7} {'viol':>4}  status")
    for seed in range(args.seed, args.seed + args.repeats):
        problem = hospital_unit(seed=seed, num_nurses=args.nurses, num_days=args.days)
        if args.site:
            problem = site_caps(problem)
        short, first_s, covered_s = timed_solve(problem, args.short, args.workers)
        long, _, _ = timed_solve(problem, args.long, args.workers)
        violations = len(verify(problem, short.assignments)) + len(
            verify(problem, long.assignments))
        row: dict[str, float | int] = {
            "seed": seed,
            "first_feasible_s": round(first_s, 2),
            "first_covered_s": round(covered_s, 2),
            "objective_short": short.objective or float("nan"),
            "bound_short": short.bound or float("nan"),
            "gap_short_pct": round(gap_pct(short), 2),
            "objective_long": long.objective or float("nan"),
            "bound_long": long.bound or float("nan"),
            "gap_long_pct": round(gap_pct(long), 2),
            "violations": violations,
        }
        rows.append(row)
        if args.json:
            print(json.dumps({**row, "status_short": short.status, "status_long": long.status}),
                  flush=True)
        else:
            print(f"{seed:>4} {first_s:>8.2f} {covered_s:>8.2f} {row['objective_short']:>9.0f} "
                  f"{row['bound_short']:>9.0f} {row['gap_short_pct']:>7.2f} "
                  f"{row['objective_long']:>9.0f} {row['bound_long']:>9.0f} "
                  f"{row['gap_long_pct']:>7.2f} {violations:>4}  {short.status}/{long.status}",
                  flush=True)
    if not args.json:
        def med(key: str) -> float:
            return statistics.median(float(r[key]) for r in rows)

        print(f"median: first feasible {med('first_feasible_s'):.2f} s, "
              f"first with every minimum covered {med('first_covered_s'):.2f} s, "
              f"gap {med('gap_short_pct'):.2f} % at {args.short:g} s, "
              f"{med('gap_long_pct'):.2f} % at {args.long:g} s, "
              f"violations {sum(int(r['violations']) for r in rows)}")
    return 1 if any(int(r["violations"]) for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
