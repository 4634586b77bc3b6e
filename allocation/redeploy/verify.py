"""An independent check of a plan against the model, and its cost.

:func:`plan_cost` recomputes the specification's objective from the plan alone;
:func:`violations` checks every row (cover, bounds, location with transfer times,
placement, caps, the equity band, whole units) without looking at how the plan was
found.  The solver uses the first; the tests use both.
"""

from __future__ import annotations

from collections.abc import Sequence

from allocation.redeploy.problem import CellPlan, Move, Problem, Result

TOLERANCE = 1e-5


def plan_cost(problem: Problem, plans: Sequence[CellPlan], moves: Sequence[Move]) -> float:
    """``Σ_t β^t [Σ (C x + Cy y + P u + H w) + Σ T z]`` of a plan."""
    cells = {(c.facility, c.resource): c for c in problem.cells}
    switching = {r.id: r.switching_cost for r in problem.resources}
    arc_cost = {(tr.source, tr.target, tr.resource): tr.cost for tr in problem.transfers}
    total = 0.0
    for p in plans:
        cell = cells.get((p.facility, p.resource))
        h = switching[p.resource]
        for t in range(problem.epochs):
            beta = problem.discount ** t
            term = h * p.w[t]
            if cell is not None:
                term += cell.cost * p.x[t] + cell.unit_fixed_cost * p.y[t] + cell.penalty * p.u[t]
            total += beta * term
    for m in moves:
        total += problem.discount ** m.depart * arc_cost[(m.source, m.target, m.resource)] * m.units
    return total


def violations(problem: Problem, result: Result, tol: float = TOLERANCE) -> list[str]:
    """Every row the plan breaks, in words (relaxed rows included; empty when none)."""
    T = problem.epochs
    found: list[str] = []
    cells = {(c.facility, c.resource): c for c in problem.cells}
    plans = {(p.facility, p.resource): p for p in result.plans}
    resources = {r.id: r for r in problem.resources}
    arcs = {(tr.source, tr.target, tr.resource): tr for tr in problem.transfers}

    for key in cells:
        if key not in plans:
            found.append(f"no plan for {key}")
    for key, p in plans.items():
        found_cell = cells.get(key)
        r = resources[p.resource]
        for t in range(T):
            for name in ("x", "q", "y", "u"):
                v = getattr(p, name)[t]
                if v < -tol:
                    found.append(f"{name} < 0 at {key} epoch {t}")
                if r.integer and name != "u" and abs(v - round(v)) > tol:
                    found.append(f"{name} not whole at {key} epoch {t}")
            if found_cell is None:
                if p.x[t] > tol or p.y[t] > tol:
                    found.append(f"work planned at {key} (no cell) in epoch {t}")
                continue
            if p.y[t] > found_cell.fixed[t] + tol:
                found.append(f"y above the fixed units at {key} epoch {t}")
            if p.x[t] + p.y[t] + p.u[t] < found_cell.need(t) - tol:
                found.append(f"cover short at {key} epoch {t}")
            if found_cell.shortfall_cap is not None and p.u[t] > found_cell.shortfall_cap + tol:
                found.append(f"shortfall cap exceeded at {key} epoch {t}")

    out: dict[tuple[str, str, int], float] = {}
    arrive: dict[tuple[str, str, int], float] = {}
    for m in result.moves:
        tr = arcs.get((m.source, m.target, m.resource))
        if tr is None:
            found.append(f"transfer {m.source}→{m.target} of {m.resource} is not allowed")
            continue
        if m.arrive != m.depart + tr.epochs or m.arrive >= T or m.depart < 0:
            found.append(f"transfer {m} has the wrong epochs")
        if m.units < -tol or (resources[m.resource].integer and abs(m.units - round(m.units)) > tol):
            found.append(f"transfer {m} has a bad number of units")
        out[(m.source, m.resource, m.depart)] = out.get((m.source, m.resource, m.depart), 0) + m.units
        arrive[(m.target, m.resource, m.arrive)] = (
            arrive.get((m.target, m.resource, m.arrive), 0) + m.units)
    for trip in problem.in_transit:
        arrive[(trip.target, trip.resource, trip.arrives)] = (
            arrive.get((trip.target, trip.resource, trip.arrives), 0) + trip.units)
    initial: dict[tuple[str, str], float] = {}
    for e in problem.initial:
        initial[(e.facility, e.resource)] = initial.get((e.facility, e.resource), 0) + e.units

    placed: dict[str, float] = {}
    for (f, j), p in plans.items():
        free = problem.placed_freely(j)
        here = cells.get((f, j))
        for t in range(T):
            joins = here.joins[t] if here is not None else 0.0
            lhs = p.x[t] + p.q[t] + out.get((f, j, t), 0.0) - arrive.get((f, j, t), 0.0) - joins
            if t == 0 and free:
                placed[j] = placed.get(j, 0.0) + lhs
                continue
            before = initial.get((f, j), 0.0) if t == 0 else p.x[t - 1] + p.q[t - 1]
            if abs(lhs - before) > tol:
                found.append(f"location row broken at {(f, j)} epoch {t}: "
                             f"{lhs:g} vs {before:g} before")
    for r in problem.resources:
        if problem.placed_freely(r.id) and abs(placed.get(r.id, 0.0) - r.pool) > tol:
            found.append(f"placement of {r.id} is {placed.get(r.id, 0.0):g}, pool {r.pool:g}")

    gamma = problem.equity_band
    if gamma is not None:
        for t, spread in enumerate(equity_spreads(problem, result.plans)):
            if spread > gamma + tol:
                found.append(f"equity band broken in epoch {t}: spread {spread:.4f} > {gamma:g}")
    return found


def equity_spreads(problem: Problem, plans: Sequence[CellPlan]) -> list[float]:
    """Per epoch, ``max_i ρ_it − min_i ρ_it`` over the facilities with critical demand
    (0 with fewer than two such facilities)."""
    critical = {r.id for r in problem.resources if r.critical}
    cells = {(c.facility, c.resource): c for c in problem.cells if c.resource in critical}
    planned = {(p.facility, p.resource): p for p in plans}
    spreads = []
    for t in range(problem.epochs):
        need: dict[str, float] = {}
        short: dict[str, float] = {}
        for key, cell in cells.items():
            need[key[0]] = need.get(key[0], 0.0) + cell.need(t)
            plan = planned.get(key)
            short[key[0]] = short.get(key[0], 0.0) + (plan.u[t] if plan is not None else 0.0)
        ratios = [short[f] / need[f] for f in need if need[f] > 0]
        spreads.append(max(ratios) - min(ratios) if len(ratios) >= 2 else 0.0)
    return spreads
