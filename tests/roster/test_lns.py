"""The large-neighbourhood search aims its neighbourhoods where the roster pays.

A neighbourhood that leaves out either end of a fairness spread cannot narrow it:
these tests pin the targeting down on rosters small enough to read.  No database.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from ortools.sat.python import cp_model

from roster.solver.model import RosterModel
from roster.solver.problem import (
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftType,
    SoftWeights,
    Staff,
)

N = ShiftType("N", 480, start_minute=23 * 60, is_night=True)


def nights_problem() -> Problem:
    # Six nights, one person each; A may work only one of them, so B and C share five
    # (3 and 2) and the spread of nights cannot be zero.
    capped = Contract(max_shifts_per_type={"N": 1})
    return Problem(
        num_days=6, shift_types=(N,),
        staff=(Staff("A", contract=capped), Staff("B"), Staff("C")),
        coverage=tuple(CoverageRequirement(d, "N", minimum=1, maximum=1) for d in range(6)),
        fatigue=FatigueRules(None, None, None, None, None),
        weights=SoftWeights(fairness_nights=10, fairness_weekends=0, fairness_hours=0,
                            no_senior=0, stability=0, overtime_per_hour=0),
        start_date=dt.date(2025, 3, 3))


def test_the_fairness_neighbourhood_holds_the_busiest_and_the_least_busy_person() -> None:
    p = nights_problem()
    rm = RosterModel(p)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(rm.m) == cp_model.OPTIMAL
    values = list(solver.response_proto.solution)
    nights = {person.id: sum(values[v.index] for (s, _, _, _), v in rm.x.items() if s == i)
              for i, person in enumerate(p.staff)}
    assert nights["A"] == 1 and sorted((nights["B"], nights["C"])) == [2, 3]
    busiest = 1 if nights["B"] == 3 else 2
    # Top first, then bottom: the person with two nights is in neither end.
    assert rm.extremes(values, random.Random(0)) == [busiest, 0]


def test_a_spread_of_zero_gives_no_fairness_target() -> None:
    p = replace(nights_problem(), staff=(Staff("B"), Staff("C")))
    rm = RosterModel(p)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(rm.m) == cp_model.OPTIMAL
    assert rm.extremes(list(solver.response_proto.solution), random.Random(0)) == []
