"""The proportional rule: a plan that needs no solver, for when the solver fails.

Rule: a pool placed freely is shared among the facilities in proportion to their net
need over the horizon (``Σ_t max(0, D̂ + η − f)``; whole units by largest remainder);
a pool with an ``initial`` state stays where it is.  Nothing is transferred (a move
needs a plan that knows when it arrives).  In every epoch each facility uses its own
fixed units first, then the mobile units it holds; the rest is shortfall.  Whatever
this breaks (a shortfall cap, the equity band, units leaving that are not there) is
listed in ``Result.relaxed``: the plan is always complete, never silently wrong.
"""

from __future__ import annotations

import math
import time

from allocation.redeploy.problem import (
    Cell,
    CellPlan,
    Problem,
    Relaxation,
    Result,
)
from allocation.redeploy.verify import equity_spreads, plan_cost


def _shares(total: float, weights: list[float], whole: bool) -> list[float]:
    """``total`` split in proportion to ``weights`` (largest remainder when whole)."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1.0] * len(weights)
        weight_sum = float(len(weights))
    exact = [total * w / weight_sum for w in weights]
    if not whole:
        return exact
    floors = [math.floor(v) for v in exact]
    left = round(total) - sum(floors)
    order = sorted(range(len(exact)), key=lambda n: exact[n] - floors[n], reverse=True)
    for n in order[:max(0, left)]:
        floors[n] += 1
    return [float(v) for v in floors]


def proportional_plan(problem: Problem, *, started: float, reason: str) -> Result:
    """Plan with the proportional rule; ``reason`` says why the solver is not used."""
    T = problem.epochs
    zeros = (0.0,) * T
    cells = {(c.facility, c.resource): c for c in problem.cells}
    keys = list(cells)
    for e in problem.initial:
        if (e.facility, e.resource) not in cells:
            keys.append((e.facility, e.resource))
    for tr in problem.in_transit:
        if (tr.target, tr.resource) not in cells and (tr.target, tr.resource) not in keys:
            keys.append((tr.target, tr.resource))

    plans: list[CellPlan] = []
    relaxed: list[Relaxation] = []
    for r in problem.resources:
        mine = [k for k in keys if k[1] == r.id]
        if problem.placed_freely(r.id):
            if not mine and r.pool > 0:
                mine = [(problem.facilities[0], r.id)]
            weights = [sum(max(0.0, cells[k].need(t) - cells[k].fixed[t]) for t in range(T))
                       if k in cells else 0.0 for k in mine]
            held = _shares(r.pool, weights, r.integer)
        else:
            held = [sum(e.units for e in problem.initial
                        if (e.facility, e.resource) == k) for k in mine]
        arrivals = {(e.target, e.arrives): e.units for e in problem.in_transit
                    if e.resource == r.id}
        for n, key in enumerate(mine):
            cell = cells.get(key) or Cell(key[0], key[1], zeros, zeros, zeros, zeros)
            units = held[n]
            x, q, y, u = [], [], [], []
            for t in range(T):
                units += cell.joins[t] + arrivals.get((key[0], t), 0.0)
                if units < 0:
                    relaxed.append(Relaxation("location", t, -units, key[0], r.id))
                    units = 0.0
                need = cell.need(t)
                used_fixed = min(cell.fixed[t], need)
                working = min(units, need - used_fixed)
                short = need - used_fixed - working
                if cell.shortfall_cap is not None and short > cell.shortfall_cap:
                    relaxed.append(Relaxation("shortfall_cap", t, short - cell.shortfall_cap,
                                              key[0], r.id))
                x.append(working)
                q.append(units - working)
                y.append(used_fixed)
                u.append(short)
            w = [abs(x[t] - x[t - 1]) if r.switching_cost > 0 and t > 0 else 0.0
                 for t in range(T)]
            plans.append(CellPlan(key[0], r.id, tuple(x), tuple(q), tuple(y), tuple(u),
                                  tuple(w)))

    gamma = problem.equity_band
    if gamma is not None:
        for t, spread in enumerate(equity_spreads(problem, plans)):
            if spread > gamma + 1e-9:
                relaxed.append(Relaxation("equity_band", t, spread - gamma))

    # No LP was solved, so there are no duals to report: an empty list, not zeros.
    message = f"Fallback: proportional rule, because {reason}; no shadow prices."
    return Result(
        status="fallback",
        objective=plan_cost(problem, plans, ()),
        bound=-math.inf,
        gap=math.inf,
        plans=tuple(plans),
        moves=(),
        shadow_prices=(),
        equity_price=None if gamma is None else 0.0,
        equity_prices=(0.0,) * T if gamma is not None else (),
        relaxed=tuple(relaxed),
        seconds=time.monotonic() - started,
        solver="proportional rule",
        message=message,
        alerts=(message, *(f"relaxed: {r.text()}" for r in relaxed)),
    )
