"""Redeployment solver: plain dataclasses in, a plan with its prices out (no Django here).

Entry points::

    from allocation.redeploy import SolveOptions, load_problem, result_to_dict, solve
    problem = load_problem("network.json")          # the file format of REDEPLOY.md
    result = solve(problem, SolveOptions(time_limit_s=5))
    result.status, result.objective, result.bottleneck()
    result_to_dict(problem, result)                 # the output format

:func:`solve` never raises: an infeasible problem is relaxed (``result.relaxed`` names
what), a solver failure falls back to a proportional rule (``status == "fallback"``).
See :mod:`allocation.redeploy.problem` for the data model and its conventions and
:mod:`allocation.redeploy.model` for the formulation.
"""

from __future__ import annotations

from allocation.redeploy.fallback import proportional_plan
from allocation.redeploy.generate import network
from allocation.redeploy.io import (
    ProblemError,
    load_problem,
    problem_from_dict,
    problem_to_dict,
    result_to_dict,
)
from allocation.redeploy.model import solve
from allocation.redeploy.problem import (
    Cell,
    CellPlan,
    Initial,
    InTransit,
    Move,
    Problem,
    Relaxation,
    Resource,
    Result,
    ShadowPrice,
    SolveOptions,
    Transfer,
)
from allocation.redeploy.verify import plan_cost, violations

__all__ = [
    "Cell",
    "CellPlan",
    "InTransit",
    "Initial",
    "Move",
    "Problem",
    "ProblemError",
    "Relaxation",
    "Resource",
    "Result",
    "ShadowPrice",
    "SolveOptions",
    "Transfer",
    "load_problem",
    "network",
    "plan_cost",
    "problem_from_dict",
    "problem_to_dict",
    "proportional_plan",
    "result_to_dict",
    "solve",
    "violations",
]
