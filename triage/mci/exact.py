"""Exact optimum with CP-SAT for the utilitarian (sum) and egalitarian (max) totals.

Items with identical cost rows are grouped; ``y[g, k]`` counts the items of group ``g``
taking option ``k`` (a crew or bundle class × a hospital): at most the group's size in all,
at most as many items per class as it has units.
Per hospital, ``over ≥ n − capacity`` and ``under ≥ capacity − n`` (both ≥ 0) carry the
capacity terms 10·over + 1·under; minimisation makes them exact.  The sum is linear in
``y``; the max is order-encoded: one boolean per distinct cost value ``v`` ("the worst
single cost is at least v"), chained, and an option of cost ``c`` may be used only when
the boolean of ``c`` holds.  The Nash
product has no exact linear form here and is left to the local search.

The time limit covers building the model too.  The greedy principle approach is given as
a solution hint and is also the answer of last resort, so a result always comes back,
with status ``optimal`` (proven), or ``feasible`` and the relative gap to the bound
(``None`` when there is no bound).
"""

from __future__ import annotations

import itertools
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
    # Items with the same cost row are interchangeable (under the sum the rank term is a
    # constant and is left out of the row); each group gets integer counts per option,
    # which keeps the 300-victim model small.
    egalitarian = model.swf == "egalitarian"
    groups: dict[tuple[int, ...], list[int]] = {}
    for i in range(n):
        groups.setdefault(model.cost[i] + ((model.rank[i],) if egalitarian else ()), []).append(i)
    members = list(groups.values())
    m = cp_model.CpModel()
    y = [
        [m.new_int_var(0, len(g), f"y{gi}_{k}") for k in range(k_null)]
        for gi, g in enumerate(members)
    ]
    for gi, g in enumerate(members):
        m.add(sum(y[gi]) <= len(g))
    for c, units in enumerate(model.class_units):
        m.add(
            sum(
                y[gi][k]
                for gi in range(len(members))
                for k in range(k_null)
                if model.option_class[k] == c
            )
            <= len(units)
        )
    assigned = sum(y[gi][k] for gi in range(len(members)) for k in range(k_null))
    terms = []
    for s, cap in enumerate(model.site_capacity):
        load = sum(
            y[gi][k]
            for gi in range(len(members))
            for k in range(k_null)
            if model.option_site[k] == s
        )
        over = m.new_int_var(0, max(0, n - cap), f"over{s}")
        under = m.new_int_var(0, max(0, cap), f"under{s}")
        m.add(over >= load - cap)
        m.add(under >= cap - load)
        terms.append(OVER_CAPACITY * over + UNDER_CAPACITY * under)
    penalties = UNASSIGNED_PENALTY * (n - assigned) + sum(terms)
    if not egalitarian:
        constant = sum(model.cost[i][k_null] + model.rank[i] for i in range(n))
        m.minimize(
            constant
            + sum(
                (model.cost[g[0]][k] - model.cost[g[0]][k_null]) * y[gi][k]
                for gi, g in enumerate(members)
                for k in range(k_null)
            )
            + penalties
        )
    else:
        # Order encoding of the worst single cost: at_least[v] says "the max is ≥ v"; an
        # option of cost c may be used only when at_least[c] holds.  Its relaxation is
        # tight and it works on groups, which the plain z ≥ cost bounds do not (identical
        # victims make CP-SAT search symmetric assignments).
        values = sorted({c + model.rank[i] for i in range(n) for c in model.cost[i]})
        at_least = {v: m.new_bool_var(f"ge{v}") for v in values}
        for low, high in itertools.pairwise(values):
            m.add_implication(at_least[high], at_least[low])
        z = sum((v - (values[j - 1] if j else 0)) * at_least[v] for j, v in enumerate(values))
        for gi, g in enumerate(members):
            i, size = g[0], len(g)
            for k in range(k_null):
                m.add(y[gi][k] <= size * at_least[model.cost[i][k] + model.rank[i]])
            m.add(size - sum(y[gi]) <= size * at_least[model.cost[i][k_null] + model.rank[i]])
        m.minimize(z + penalties)
    for gi, g in enumerate(members):
        for k in range(k_null):
            m.add_hint(y[gi][k], sum(1 for i in g if fallback[i] == k))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Full linearisation: the LP bound closes the egalitarian models that the default
    # level leaves open for seconds.
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = max(
        0.001, time_limit_s - (time.perf_counter() - started)
    )
    code = solver.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        total = plan_total(model, fallback)
        return ExactResult(fallback, total, "feasible", None, None)
    plan = [k_null] * n
    for gi, g in enumerate(members):
        queue = list(g)
        for k in range(k_null):
            for _ in range(solver.value(y[gi][k])):
                plan[queue.pop(0)] = k
    total = plan_total(model, plan)
    bound = round(solver.best_objective_bound)
    fallback_total = plan_total(model, fallback)
    if code != cp_model.OPTIMAL and fallback_total < total:
        # stopped by the time limit before reaching the hint's value: keep the hint
        plan, total = list(fallback), fallback_total
    if code == cp_model.OPTIMAL:
        return ExactResult(plan, total, "optimal", total, 0.0)
    return ExactResult(plan, total, "feasible", bound, (total - bound) / max(1, abs(total)))
