"""One entry point for the three solvers, returning a concrete allocation and its value."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from triage.mci.cost import Evaluation, compact, evaluate_plan, materialize
from triage.mci.exact import exact_plan
from triage.mci.greedy import greedy_order, greedy_plan
from triage.mci.local import local_search
from triage.mci.problem import Allocation, AllocationLike, Policy, Problem

Method = Literal["exact", "local", "greedy"]
METHODS: tuple[Method, ...] = ("exact", "local", "greedy")


@dataclass(frozen=True)
class SolveResult:
    """``status`` is ``optimal`` only when proven (exact solver); the local search and the
    greedy approach report ``feasible``.  ``method`` is the solver that produced the answer
    (``local`` when exact was asked for under Nash)."""

    allocation: Allocation
    evaluation: Evaluation
    status: str
    gap: float | None
    seconds: float
    method: Method


def default_method(policy: Policy) -> Method:
    """Exact where the welfare function allows it (sum, max), else the local search."""
    return "exact" if policy.swf in ("utilitarian", "egalitarian") else "local"


def solve(
    problem: Problem,
    policy: Policy,
    *,
    method: Method | None = None,
    restarts: int = 100,
    seed: int = 0,
    time_limit_s: float = 10.0,
    prefer: AllocationLike | None = None,
) -> SolveResult:
    """Allocate under ``policy``.  ``prefer`` (a previous allocation) keeps concrete
    ambulance and bundle ids stable where the solution allows it."""
    started = time.perf_counter()
    chosen: Method = method or default_method(policy)
    if chosen == "exact" and policy.swf == "nash":
        chosen = "local"
    model = compact(problem, policy)
    status, gap = "feasible", None
    order = None
    if chosen == "exact":
        result = exact_plan(model, time_limit_s=time_limit_s, seed=seed)
        plan, status, gap = result.plan, result.status, result.gap
    elif chosen == "local":
        plan, _, _ = local_search(model, restarts=restarts, seed=seed, time_limit_s=time_limit_s)
    else:
        plan = greedy_plan(model)
        order = greedy_order(model)
    allocation = materialize(model, plan, prefer, order)
    evaluation = evaluate_plan(model, plan)
    return SolveResult(allocation, evaluation, status, gap, time.perf_counter() - started, chosen)
