"""Solve a redeployment problem file, or benchmark the solver on generated networks.

Usage::

    python bench/redeploy_benchmark.py --problem FILE.json [--json] [--seconds S]
                                       [--mip-solver auto|SCIP|HIGHS|CBC|CP_SAT]
                                       [--gap G] [--workers W]
    python bench/redeploy_benchmark.py [--seeds N] [--seconds S] [--sizes 20x10x24,...]
                                       [--band G] [--gap G] [--workers W] [--json]

With ``--problem`` it reads any problem in the file format of the specification
(``REDEPLOY.md``), solves it and prints the plan; with ``--json`` it prints one JSON
object instead, with these keys:

* ``status``: ``optimal`` (proved), ``feasible`` (the time ran out with a plan not
  proved optimal) or ``fallback`` (the solver failed; the proportional rule planned).
* ``objective``: the plan's cost, ``Σ_t β^t [Σ (C x + Cy y + P u + H w) + Σ T z]``,
  without relaxation penalties; ``penalty``: what relaxations added; ``bound``, ``gap``
  (``null`` when unknown).
* ``cells``: one object per (facility, resource) pair in the order of the input's
  ``cells``, followed by pairs without a cell where mobile units waited (only ``q`` can
  be non-zero there)::

      {"facility": "A", "resource": "RN", "x": [..], "y": [..], "u": [..], "q": [..],
       "w": [..]}

  each list indexed by epoch: ``x`` mobile units working, ``y`` fixed units used, ``u``
  shortfall, ``q`` mobile units idle there, ``w`` the switching ``|x_t − x_{t−1}|``
  charged.  Whole numbers for integer resources.
* ``z``: the transfers, non-zero only: ``{"from", "to", "resource", "epoch"`` (departure),
  ``"arrives"`` (arrival epoch), ``"units"}``.
* ``shadow_prices``: ``[{"resource": "RN", "epoch": 0, "value": 9.0, "facility": "A"}]``
  for every resource and epoch: the value of one more unit (undiscounted), and where it
  is worth most (``null`` for the placement row of a first plan); ``bottleneck`` the
  largest of them.
* ``equity_price``: ``−∂objective/∂γ`` (``null`` without a band); ``equity_prices``
  per epoch, undiscounted.
* ``relaxed``: the constraints that could not hold, ``{"constraint": "shortfall_cap" |
  "equity_band" | "location", "facility", "resource", "epoch", "amount", "text"}``;
  ``alerts``, ``message``, ``solver``.
* ``seconds``: wall time including reading and building; ``lp_seconds`` the LPs' time
  added up over the blocks of resource types (blocks run two at a time, so it can
  exceed ``seconds``).

A file that is not a valid problem prints ``{"error": {"field": ..., "message": ...}}``
and exits with status 2.

Without ``--problem`` it generates networks (``allocation.redeploy.generate``) of 20
sites × 10 resource types × 24 epochs and 100 × 20 × 48 (or ``--sizes``), solves each
for ``--seeds`` seeds and prints per size the median solve time, gap and LP time, and how
many seeds were solved to proved optimality.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from allocation.redeploy import (
    ProblemError,
    SolveOptions,
    load_problem,
    network,
    result_to_dict,
    solve,
    violations,
)


def solve_file(path: Path, seconds: float, opts: SolveOptions, as_json: bool) -> int:
    started = time.monotonic()
    try:
        problem = load_problem(path)
    except (ProblemError, OSError) as exc:
        field = exc.field if isinstance(exc, ProblemError) else "file"
        if as_json:
            print(json.dumps({"error": {"field": field, "message": str(exc)}}))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    left = max(0.1, seconds - (time.monotonic() - started))
    result = solve(problem, replace(opts, time_limit_s=left))
    out = result_to_dict(problem, result)
    out["seconds"] = round(time.monotonic() - started, 3)
    if as_json:
        print(json.dumps(out, allow_nan=False))
        return 0
    print(f"status {out['status']}  objective {out['objective']}  gap {out['gap']}  "
          f"seconds {out['seconds']}  (LP {out['lp_seconds']})  solver {out['solver']}")
    if out["message"]:
        print(out["message"])
    for r in out["relaxed"]:
        print(f"  relaxed: {r['text']}")
    print("plan (x working / y fixed used / u short / q idle, per epoch):")
    for c in out["cells"]:
        print(f"  {c['facility']:<8} {c['resource']:<10} x {c['x']}  y {c['y']}  u {c['u']}  "
              f"q {c['q']}")
    print("transfers:")
    for z in out["z"]:
        print(f"  {z['units']} {z['resource']} {z['from']} → {z['to']}, "
              f"leaving in epoch {z['epoch']}, arriving in epoch {z['arrives']}")
    print("shadow prices (value of one more unit, per epoch):")
    for rid in dict.fromkeys(s["resource"] for s in out["shadow_prices"]):
        values = [s["value"] for s in out["shadow_prices"] if s["resource"] == rid]
        print(f"  {rid:<10} {values}")
    if out["bottleneck"]:
        b = out["bottleneck"]
        print(f"bottleneck: {b['resource']} in epoch {b['epoch']} ({b['value']})")
    if out["equity_price"] is not None:
        print(f"equity price: {out['equity_price']}")
    return 0


def benchmark(sizes: list[tuple[int, int, int]], seeds: int, opts: SolveOptions,
              band: float | None, as_json: bool, seconds: float | None) -> int:
    if not as_json:
        print(f"{'network':<12} {'seed':>4} {'status':<9} {'seconds':>8} {'lp s':>7} "
              f"{'gap':>9} {'viol':>4}  solver")
    for sites, types, epochs in sizes:
        # Default limits: 20 s for networks up to 20 × 10 × 24, 120 s beyond.
        limit = seconds or (20.0 if sites * types * epochs <= 4800 else 120.0)
        rows = []
        for seed in range(1, seeds + 1):
            problem = network(sites, types, epochs, seed=seed, equity_band=band)
            result = solve(problem, replace(opts, time_limit_s=limit))
            row = {
                "network": f"{sites}x{types}x{epochs}", "seed": seed, "status": result.status,
                "seconds": round(result.seconds, 2), "lp_seconds": round(result.lp_seconds, 2),
                "gap": result.gap, "violations": len(violations(problem, result)),
                "relaxed": len(result.relaxed), "solver": result.solver,
                "objective": round(result.objective, 2),
            }
            rows.append(row)
            if as_json:
                print(json.dumps({**row, "gap": row["gap"] if result.gap != float("inf")
                                  else None}), flush=True)
            else:
                print(f"{row['network']:<12} {seed:>4} {result.status:<9} {row['seconds']:>8} "
                      f"{row['lp_seconds']:>7} {result.gap:>9.2e} {row['violations']:>4}  "
                      f"{result.solver}", flush=True)
        optimal = sum(1 for r in rows if r["status"] == "optimal")
        summary = {
            "network": f"{sites}x{types}x{epochs}", "seeds": len(rows), "optimal": optimal,
            "median_seconds": statistics.median(float(r["seconds"]) for r in rows),  # type: ignore[arg-type]
            "median_lp_seconds": statistics.median(float(r["lp_seconds"]) for r in rows),  # type: ignore[arg-type]
            "median_gap": statistics.median(float(r["gap"]) for r in rows),  # type: ignore[arg-type]
        }
        if as_json:
            print(json.dumps({"summary": summary}), flush=True)
        else:
            print(f"{summary['network']}: median {summary['median_seconds']:.2f} s "
                  f"(LP {summary['median_lp_seconds']:.2f} s), median gap "
                  f"{summary['median_gap']:.2e}, optimal {optimal}/{len(rows)}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--problem", type=Path, help="a problem file in the REDEPLOY.md format")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--seconds", type=float, default=None,
                    help="time limit per solve, model building included (default 60 for a "
                         "file; 20 per generated network up to 20x10x24, 120 beyond)")
    ap.add_argument("--mip-solver", default="auto",
                    choices=["auto", "SCIP", "HIGHS", "CBC", "CP_SAT"])
    ap.add_argument("--gap", type=float, default=1e-6,
                    help="relative MIP gap that counts as optimal (default 1e-6)")
    ap.add_argument("--workers", type=int, default=2,
                    help="blocks of resource types solved at once (default 2)")
    ap.add_argument("--seeds", type=int, default=3, help="generated networks per size")
    ap.add_argument("--sizes", default="20x10x24,100x20x48",
                    help="sites x resource types x epochs, comma-separated")
    ap.add_argument("--band", type=float, default=0.15,
                    help="equity band of the generated networks (negative: none)")
    args = ap.parse_args(argv)
    if args.problem is not None:
        return solve_file(args.problem, args.seconds or 60.0, options(args), args.json)
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    return benchmark([(s[0], s[1], s[2]) for s in sizes], args.seeds, options(args),
                     None if args.band < 0 else args.band, args.json, args.seconds)


def options(args: argparse.Namespace) -> SolveOptions:
    return SolveOptions(time_limit_s=args.seconds or 60.0, mip_solver=args.mip_solver,
                        mip_gap=args.gap, workers=args.workers)


if __name__ == "__main__":
    sys.exit(main())
