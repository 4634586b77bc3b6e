"""Large-neighbourhood search around CP-SAT for rostering models.

Each step frees a *neighbourhood* of (staff, day) cells, fixes every other cell to the
incumbent roster and lets CP-SAT re-optimise what is free, starting from the incumbent
(a full solution hint).  Sub-problems are built by cloning the base model and
narrowing variable domains in the proto, so a step costs milliseconds of Python before
CP-SAT's presolve removes the fixed part.

Kinds of neighbourhood (all measured on the benchmark; each earns its place):

* ``days``: everybody over a window of consecutive days.  Cover is decided day by
  day, so this is where most coverage gains come from.
* ``block``: a random subset of people over a window — larger windows than ``days``
  for the same sub-problem size, so work can move further in time.
* ``staff``: a few people over the whole period — the only kind that can move a
  person's workload between distant weeks (totals, weekends, per-type limits).
* ``fair``: like ``staff``, but always with the people at one end of a fairness
  spread (nights, weekends, hours), the end with fewer people tied first: a spread
  narrows only when everyone at an end moves, which random people almost never are.
* ``wish``: like ``staff``, but half the people are ones whose requests the incumbent
  refuses (drawn by the weight refused): honouring a day off means rearranging that
  person's month and finding a colleague for the shift.
* ``shifts``: everybody over a window of days, but who works which day stays as the
  incumbent has it; only the shift and unit of each worked day are re-chosen.  Kept
  that way the window can span most of the period (the sub-problems close in under a
  second on the generated unit), which is what evens out nights between people: a
  night moves from one person to another who works that day anyway.

The sub-problems are solved with CP-SAT's LP-heavy worker (``max_lp``): with the
linear relaxation of the run and rest rules the sub-problems close in about a second,
where the default worker often cannot prove them optimal at all.

Sizes adapt per kind: a sub-problem solved to optimality inside its time slice grows
the next one of that kind, one that times out shrinks it, so each kind settles where
CP-SAT can still close it.  Only strictly better rosters replace the incumbent: taking
equal-cost ones too (drifting across plateaus) was measured and gained nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class _Kind:
    name: str
    size: float  # fraction of all cells freed, in (0, 1]
    tries: int = 0
    improved: int = 0


# A neighbourhood kind grows after a proof within this share of its time slice.
GROW_BELOW = 0.5
# The ``shifts`` kind's first window, in days (it grows while its sub-problems close).
SHIFTS_DAYS = 10


@dataclass(frozen=True)
class StepReport:
    kind: str
    size: float
    optimal: bool
    seconds: float
    dtime: float
    free_cells: int
    solver: cp_model.CpSolver


class Lns:
    """LNS steps on a base model whose decisions are grouped in (staff, day) cells.

    ``cells`` maps (staff index, day) → proto indices of the booleans that decide the
    cell (every shift/unit variable of that person on that day).  Fixing them fixes
    the cell; every derived variable follows by propagation.  ``work`` maps the same
    cells → proto index of the boolean "works that day" (without it there is no
    ``shifts`` neighbourhood).
    """

    def __init__(
        self,
        base: cp_model.CpModel,
        cells: dict[tuple[int, int], list[int]],
        num_staff: int,
        num_days: int,
        seed: int,
        deterministic: bool = False,
        day_costs: Sequence[tuple[int, int, int]] = (),
        extremes: Callable[[Sequence[int], random.Random], list[int]] | None = None,
        refused: Callable[[Sequence[int], random.Random], list[int]] | None = None,
        work: dict[tuple[int, int], int] | None = None,
    ) -> None:
        self.base = base
        # Deterministic runs judge a step by CP-SAT's work count, never by the clock.
        self.deterministic = deterministic
        self.cells = cells
        self.num_staff = num_staff
        self.num_days = num_days
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.day_costs = list(day_costs)
        self.extremes = extremes
        self.refused = refused
        self.work = work or {}
        self.incumbent: list[int] = []
        total = max(1, num_staff * num_days)
        # Initial sizes from the benchmark: ~1 s sub-problems on mid-size instances.
        self.kinds = [
            _Kind("days", size=min(1.0, 5 / max(1, num_days))),
            _Kind("block", size=min(1.0, 0.25 + 50 / total)),
            _Kind("staff", size=min(1.0, 3 / max(1, num_staff))),
        ]
        if extremes is not None:
            self.kinds.append(_Kind("fair", size=min(1.0, 3 / max(1, num_staff))))
        if refused is not None:
            self.kinds.append(_Kind("wish", size=min(1.0, 3 / max(1, num_staff))))
        if self.work:
            self.kinds.append(_Kind("shifts", size=min(1.0, SHIFTS_DAYS / max(1, num_days))))
        self.steps = 0

    # ------------------------------------------------------------ neighbourhoods --
    def _pick(self) -> tuple[_Kind, set[tuple[int, int]]]:
        # Round robin, weighted towards kinds that have been improving lately.
        weights = [1.0 + 4.0 * k.improved / (1 + k.tries) for k in self.kinds]
        kind = self.rng.choices(self.kinds, weights=weights)[0]
        self.steps += 1
        h, n = self.num_days, self.num_staff
        everyone = list(range(n))
        if kind.name in ("days", "shifts"):
            length = max(1, min(h, round(kind.size * h)))
            start = self.rng.randrange(0, h - length + 1)
            hot = self._costly_day() if kind.name == "days" else None
            if hot is not None and self.rng.random() < 0.5:
                # Half the time, a window around a day whose cover the incumbent misses.
                start = max(0, min(h - length, hot - self.rng.randrange(length)))
            staff, days = everyone, list(range(start, start + length))
        elif kind.name in ("staff", "fair", "wish"):
            k = max(1, min(n, round(kind.size * n)))
            staff = []
            if kind.name == "fair" and self.extremes is not None:
                staff = list(dict.fromkeys(self.extremes(self.incumbent, self.rng)))[:k]
            elif kind.name == "wish" and self.refused is not None:
                # Half the people owed a request, half anyone (who may take their shift).
                staff = self.refused(self.incumbent, self.rng)[:max(1, k // 2)]
            others = [s for s in everyone if s not in staff]
            staff += self.rng.sample(others, min(len(others), k - len(staff)))
            days = list(range(h))
        else:
            # Half the people, a window sized so the block frees ``size`` of the cells.
            k = max(1, min(n, round(n * min(1.0, max(0.3, kind.size ** 0.5)))))
            length = max(min(2, h), min(h, round(kind.size * n * h / k)))
            start = self.rng.randrange(0, h - length + 1)
            staff, days = self.rng.sample(everyone, k), list(range(start, start + length))
        return kind, {(s, d) for s in staff for d in days}

    def _costly_day(self) -> int | None:
        """A day drawn in proportion to what the incumbent pays for missed cover."""
        inc = self.incumbent
        costs: dict[int, int] = {}
        for day, index, weight in self.day_costs:
            if index < len(inc) and inc[index] > 0:
                costs[day] = costs.get(day, 0) + weight * inc[index]
        if not costs:
            return None
        days = sorted(costs)
        return self.rng.choices(days, weights=[costs[d] for d in days])[0]

    def step(
        self,
        incumbent: list[int],
        incumbent_objective: int,
        time_limit: float,
        configure: Callable[[cp_model.SatParameters, float], None],
        callback: cp_model.CpSolverSolutionCallback,
        on_solver: Callable[[cp_model.CpSolver], None],
        best_objective: Callable[[], int | None],
    ) -> StepReport:
        """One LNS step from ``incumbent``; improvements go through ``callback``."""
        with self.lock:  # steps may run in parallel threads
            self.incumbent = incumbent
            kind, free = self._pick()
            sub = self.base.clone()
        proto = sub.proto
        for cell, idxs in self.cells.items():
            if cell in free:
                if kind.name == "shifts" and cell in self.work:
                    # Who works which day stays; which shift and unit is free.
                    dom = proto.variables[self.work[cell]].domain
                    dom[0] = dom[1] = incumbent[self.work[cell]]
                continue
            for i in idxs:
                dom = proto.variables[i].domain
                dom[0] = incumbent[i]
                dom[1] = incumbent[i]
        proto.clear_solution_hint()
        proto.solution_hint.vars.extend(range(len(incumbent)))
        proto.solution_hint.values.extend(incumbent)
        solver = cp_model.CpSolver()
        on_solver(solver)
        configure(solver.parameters, time_limit)
        started = time.monotonic()
        status = solver.solve(sub, callback)
        used = time.monotonic() - started
        effort = solver.deterministic_time if self.deterministic else used
        optimal = status == cp_model.OPTIMAL
        with self.lock:
            kind.tries += 1
            best = best_objective()
            if best is not None and best < incumbent_objective:
                kind.improved += 1
            # Grow after a proof well inside the slice, shrink after a timeout, so each
            # kind settles at the largest sub-problem CP-SAT still closes.
            if optimal and effort < GROW_BELOW * time_limit:
                # Closed well inside the slice: grow, faster when it was trivial.
                kind.size = min(1.0, kind.size * (1.3 if effort < 0.1 * time_limit else 1.1))
            elif not optimal:
                kind.size = max(1.0 / max(1, self.num_staff * self.num_days), kind.size * 0.85)
        return StepReport(kind.name, kind.size, optimal, used,
                          solver.deterministic_time, len(free), solver)
