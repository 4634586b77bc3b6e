"""Exact optimum with CP-SAT for the utilitarian (sum) and egalitarian (max) totals.

Variables ``x[i, k]`` say that item ``i`` takes option ``k`` (a crew or bundle class ×
a hospital), at most one option per item, at most as many items per class as it has units.
Per hospital, ``over ≥ n − capacity`` and ``under ≥ capacity − n`` (both ≥ 0) carry the
capacity terms 10·over + 1·under; minimisation makes them exact.  The sum is linear in
``x``; the max is an auxiliary ``z`` bounded below by every item's single cost.  The Nash
product has no exact linear form here and is left to the local search.

The time limit covers building the model too.  The greedy principle approach is given as
a solution hint and is also the answer of last resort, so a result always comes back,
with status ``optimal`` (proven), or ``feasible`` and the relative gap to the bound
(``None`` when there is no bound).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from triage.mci.cost import (
    OVER_CAPACITY,
    UNASSIGNED_PENALTY,
    UNDER_CAPACITY,
    Compact,
    Plan,
    plan_total,
)
from triage.mci.greedy import greedy_plan


@dataclass(frozen=True)
class ExactResult:
    plan: Plan
    total: int
    status: str  # "optimal" or "feasible"
    bound: int | None
    gap: float | None


def exact_plan(
    model: Compact,
    *,
    time_limit_s: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    hint: Plan | None = None,
) -> ExactResult:
    """The optimum of ``model`` (utilitarian or egalitarian) within ``time_limit_s``."""
    if model.swf not in ("utilitarian", "egalitarian"):
        raise ValueError(f"swf: exact optimum is for utilitarian or egalitarian, not {model.swf}")
    started = time.perf_counter()
    k_null = model.num_options
    n = len(model.item_ids)
    fallback = hint if hint is not None else greedy_plan(model)
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{k}") for k in range(k_null)] for i in range(n)]
    for i in range(n):
        m.add_at_most_one(x[i])
    for c, units in enumerate(model.class_units):
        m.add(
            sum(x[i][k] for i in range(n) for k in range(k_null) if model.option_class[k] == c)
            <= len(units)
        )
    assigned = sum(x[i][k] for i in range(n) for k in range(k_null))
    terms = []
    for s, cap in enumerate(model.site_capacity):
        load = sum(x[i][k] for i in range(n) for k in range(k_null) if model.option_site[k] == s)
        over = m.new_int_var(0, max(0, n - cap), f"over{s}")
        under = m.new_int_var(0, max(0, cap), f"under{s}")
        m.add(over >= load - cap)
        m.add(under >= cap - load)
        terms.append(OVER_CAPACITY * over + UNDER_CAPACITY * under)
    penalties = UNASSIGNED_PENALTY * (n - assigned) + sum(terms)
    singles = [
        model.rank[i]
        + model.cost[i][k_null]
        + sum((model.cost[i][k] - model.cost[i][k_null]) * x[i][k] for k in range(k_null))
        for i in range(n)
    ]
    if model.swf == "utilitarian":
        m.minimize(sum(singles) + penalties)
    else:
        top = max((max(row) + r for row, r in zip(model.cost, model.rank, strict=True)), default=0)
        z = m.new_int_var(0, top, "worst")
        for single in singles:
            m.add(z >= single)
        m.minimize(z + penalties)
    for i in range(n):
        for k in range(k_null):
            m.add_hint(x[i][k], fallback[i] == k)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(
        0.001, time_limit_s - (time.perf_counter() - started)
    )
    code = solver.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        total = plan_total(model, fallback)
        return ExactResult(fallback, total, "feasible", None, None)
    plan = [k_null] * n
    for i in range(n):
        for k in range(k_null):
            if solver.boolean_value(x[i][k]):
                plan[i] = k
    total = plan_total(model, plan)
    bound = round(solver.best_objective_bound)
    if code == cp_model.OPTIMAL:
        return ExactResult(plan, total, "optimal", total, 0.0)
    return ExactResult(plan, total, "feasible", bound, (total - bound) / max(1, abs(total)))
