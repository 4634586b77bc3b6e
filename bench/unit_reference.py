"""The best roster a long run finds on the generated unit, as the reference the unit
benchmark's gap is measured against (the lower bound is weak there: see the README).

Usage::

    python bench/unit_reference.py [--seconds 600] [--seeds 7 8 9] [--workers 2]
                                   [--out bench/unit_reference.json]

For each seed it solves :func:`roster.solver.synthetic.hospital_unit` (60 nurses,
28 days, the unit benchmark's problem) for ``--seconds``, checks the roster with the
verifier and writes its objective, with the command that produced it, to ``--out``
(a seed already there keeps the better of the two objectives).  ``bench/
unit_benchmark.py`` reads that file and prints its gap against it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roster.solver.problem import SolveOptions
from roster.solver.search import solve
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify

DEFAULT_OUT = Path(__file__).resolve().parent / "unit_reference.json"


def load(path: Path = DEFAULT_OUT) -> dict[int, float]:
    """The reference objective per seed (empty without the file)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {int(seed): float(row["objective"]) for seed, row in data["seeds"].items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nurses", type=int, default=60)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = json.loads(args.out.read_text()) if args.out.exists() else {"seeds": {}}
    command = "python bench/unit_reference.py " + " ".join(argv if argv is not None
                                                           else sys.argv[1:])
    for seed in args.seeds:
        problem = hospital_unit(seed=seed, num_nurses=args.nurses, num_days=args.days)
        started = time.monotonic()
        result = solve(problem, SolveOptions(time_limit_s=args.seconds,
                                             num_workers=args.workers, seed=0))
        seconds = time.monotonic() - started
        violations = len(verify(problem, result.assignments))
        print(f"seed {seed}: objective {result.objective}, bound {result.bound}, "
              f"{seconds:.0f} s, violations {violations}, {result.status}", flush=True)
        if violations or result.objective is None:
            continue
        old = data["seeds"].get(str(seed))
        if old is not None and old["objective"] <= result.objective:
            continue
        data["seeds"][str(seed)] = {
            "objective": result.objective,
            "bound": result.bound,
            "seconds": round(seconds, 1),
            "nurses": args.nurses,
            "days": args.days,
            "workers": args.workers,
            "command": command.strip(),
            "measured": dt.date.today().isoformat(),
        }
    args.out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
