"""Roster a realistic generated hospital unit and report how fast and how well.

Usage::

    python bench/unit_benchmark.py [--nurses 60] [--days 28] [--seed 7] [--workers 2]
                                   [--repeats 3] [--json] [--site]

The problem is :func:`roster.solver.synthetic.hospital_unit`: a medical-surgical ward and
an ICU sharing a float pool, 3 shift types (a night crossing midnight), coverage derived
from ratio rules and a census profile, one charge nurse and one ACLS holder per shift,
certificates lapsing mid-period, leave, requests, contracts and the default fatigue
rules, with the last week of history.

For each repeat (seeds ``seed``, ``seed + 1``, …: different problems) it prints

* the seconds until the first roster that keeps every hard rule, and until the first
  that also covers every minimum (from the solver's progress reports, 10 s solve);
* objective, bound and gap of a 10 s solve and of a 60 s solve;
* the 60 s roster's cost above the best roster a 10-minute run found on that seed
  (``bench/unit_reference.json``, written by ``bench/unit_reference.py`` with the
  command that produced it; the bound is weak on this unit);
* the number of hard-rule violations the independent verifier finds (must be 0);

then the median of each column.  Machines are noisy: quote medians.

``--site`` rosters a whole site at once: 250 nurses (about the staff of a site of the
demo network) over the same two units and float pool, one solve of ``--long`` seconds
per repeat through :func:`roster.solver.search.solve` (what a site-wide generation
runs).  Per repeat it prints the seconds to the first roster and to the first with
every minimum covered, the seconds the whole call took, the minimums covered (places
and share of the places the minimums ask for, and requirement lines met), the
verifier's hard-rule violations and the objective; then the medians.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver import derive
from roster.solver.problem import Assignment, Problem, SolveOptions, SolveResult
from roster.solver.search import solve
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parent))

import unit_reference

#: ``--site``: about the staff of a whole site of the demo network rostered at once.
SITE_NURSES = 250


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


def minimums_covered(problem: Problem, roster: tuple[Assignment, ...]) -> tuple[int, int, int, int]:
    """Places the minimums ask for that ``roster`` fills (qualifying people, up to each
    minimum), of how many; requirement lines fully met, of how many."""
    staff = {person.id: person for person in problem.staff}
    on_slot: dict[tuple[int, str, str], list[str]] = {}
    for a in roster:
        on_slot.setdefault((a.day, a.shift, a.unit), []).append(a.staff)
    filled = asked = met = lines = 0
    for req in problem.coverage:
        if req.minimum <= 0:
            continue
        n = sum(1 for s in on_slot.get((req.day, req.shift, req.unit), ())
                if derive.qualifies(staff[s], req))
        asked += req.minimum
        filled += min(n, req.minimum)
        lines += 1
        met += n >= req.minimum
    return filled, asked, met, lines


def site(args: argparse.Namespace) -> int:
    """``--site``: one solve of ``args.long`` seconds per repeat (see the module
    docstring)."""
    rows: list[dict[str, float | int]] = []
    if not args.json:
        print(f"site: {args.nurses} nurses, {args.days} days, {args.workers} workers, "
              f"{args.long:g} s per solve")
        print(f"{'seed':>4} {'first_s':>8} {'cover_s':>8} {'total_s':>8} {'covered':>13} "
              f"{'cover%':>7} {'lines met':>11} {'viol':>4} {'objective':>10}  status")
    for seed in range(args.seed, args.seed + args.repeats):
        problem = hospital_unit(seed=seed, num_nurses=args.nurses, num_days=args.days)
        started = time.monotonic()
        result, first_s, covered_s = timed_solve(problem, args.long, args.workers)
        total_s = time.monotonic() - started
        violations = len(verify(problem, result.assignments))
        filled, asked, met, lines = minimums_covered(problem, result.assignments)
        row: dict[str, float | int] = {
            "seed": seed,
            "first_roster_s": round(first_s, 2),
            "first_covered_s": round(covered_s, 2),
            "total_s": round(total_s, 2),
            "minimum_places_filled": filled,
            "minimum_places": asked,
            "minimums_covered_pct": round(100.0 * filled / max(1, asked), 2),
            "requirement_lines_met": met,
            "requirement_lines": lines,
            "violations": violations,
            "objective": result.objective if result.objective is not None else float("nan"),
        }
        rows.append(row)
        if args.json:
            print(json.dumps({**row, "status": result.status}), flush=True)
        else:
            print(f"{seed:>4} {first_s:>8.2f} {covered_s:>8.2f} {total_s:>8.2f} "
                  f"{filled:>6}/{asked:<6} {row['minimums_covered_pct']:>7.2f} "
                  f"{met:>5}/{lines:<5} {violations:>4} {row['objective']:>10.0f}  "
                  f"{result.status}", flush=True)
    if not args.json:
        def med(key: str) -> float:
            return statistics.median(float(r[key]) for r in rows)

        print(f"median: first roster {med('first_roster_s'):.2f} s, every minimum covered "
              f"{med('first_covered_s'):.2f} s, call {med('total_s'):.2f} s, minimums "
              f"covered {med('minimums_covered_pct'):.2f} %, objective {med('objective'):.0f}; "
              f"violations {sum(int(r['violations']) for r in rows)}, rosters with a minimum "
              f"uncovered {sum(1 for r in rows if r['minimum_places_filled'] < r['minimum_places'])}")
    failed = any(int(r["violations"]) or r["minimum_places_filled"] < r["minimum_places"]
                 or math.isnan(float(r["objective"])) for r in rows)
    return 1 if failed else 0


def ref_gap_pct(result: SolveResult, reference: float) -> float:
    """The roster's cost above ``reference`` (the best a 10-minute run found), in %."""
    if result.objective is None or math.isnan(reference):
        return float("nan")
    return 100.0 * (result.objective - reference) / max(1.0, abs(reference))


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

    if args.site:
        return site(args)

    # The best roster of a 10-minute run per seed (bench/unit_reference.py), for the
    # generated unit's own size only.
    reference = unit_reference.load() if (args.nurses, args.days) == (60, 28) else {}
    rows: list[dict[str, float | int]] = []
    if not args.json:
        print(f"{args.nurses} nurses, {args.days} days, {args.workers} workers; "
              f"budgets {args.short:g} s and {args.long:g} s")
        print(f"{'seed':>4} {'first_s':>8} {'cover_s':>8} {'obj@S':>9} {'bound@S':>9} {'gap@S%':>7} "
              f"{'obj@L':>9} {'bound@L':>9} {'gap@L%':>7} {'ref':>7} {'vsref%':>7} "
              f"{'viol':>4}  status")
    for seed in range(args.seed, args.seed + args.repeats):
        problem = hospital_unit(seed=seed, num_nurses=args.nurses, num_days=args.days)
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
            "reference": reference.get(seed, float("nan")),
            "gap_long_vs_reference_pct": round(
                ref_gap_pct(long, reference.get(seed, float("nan"))), 2),
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
                  f"{row['gap_long_pct']:>7.2f} {row['reference']:>7.0f} "
                  f"{row['gap_long_vs_reference_pct']:>7.2f} "
                  f"{violations:>4}  {short.status}/{long.status}",
                  flush=True)
    if not args.json:
        def med(key: str) -> float:
            return statistics.median(float(r[key]) for r in rows)

        print(f"median: first feasible {med('first_feasible_s'):.2f} s, "
              f"first with every minimum covered {med('first_covered_s'):.2f} s, "
              f"gap {med('gap_short_pct'):.2f} % at {args.short:g} s, "
              f"{med('gap_long_pct'):.2f} % at {args.long:g} s; "
              f"against the best of a 10-minute run {med('gap_long_vs_reference_pct'):.2f} % "
              f"at {args.long:g} s; violations {sum(int(r['violations']) for r in rows)}")
    return 1 if any(int(r["violations"]) for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
