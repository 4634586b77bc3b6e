"""Roster solver: plain dataclasses in, a roster out (no Django import anywhere here).

Entry points::

    from roster.solver import Problem, SolveOptions, solve, verify, explain
    result = solve(problem, SolveOptions(time_limit_s=30, num_workers=2, seed=0))
    assert verify(problem, result.assignments) == []
    for item in explain(problem, result.assignments):
        print(item.text())

See :mod:`roster.solver.problem` for the data model and its conventions.
"""

from __future__ import annotations

from roster.solver.explain import Blocker, Candidate, ShortfallExplanation, explain
from roster.solver.kpi import compute_kpis
from roster.solver.problem import (
    Assignment,
    Contract,
    CoverageRequirement,
    FatigueRules,
    Kpis,
    Problem,
    ProgressCallback,
    ShiftRequest,
    ShiftType,
    Shortfall,
    SoftWeights,
    SolveOptions,
    SolveResult,
    Staff,
    Unit,
)
from roster.solver.search import solve
from roster.solver.verify import Violation, shortfalls, verify

__all__ = [
    "Assignment",
    "Blocker",
    "Candidate",
    "Contract",
    "CoverageRequirement",
    "FatigueRules",
    "Kpis",
    "Problem",
    "ProgressCallback",
    "ShiftRequest",
    "ShiftType",
    "Shortfall",
    "ShortfallExplanation",
    "SoftWeights",
    "SolveOptions",
    "SolveResult",
    "Staff",
    "Unit",
    "Violation",
    "compute_kpis",
    "explain",
    "shortfalls",
    "solve",
    "verify",
]
