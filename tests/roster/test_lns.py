"""The large-neighbourhood search aims its neighbourhoods where the roster pays.

A neighbourhood that leaves out either end of a fairness spread cannot narrow it:
these tests pin the targeting down on rosters small enough to read.  No database.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from ortools.sat.python import cp_model

from roster.solver.formulation import RosterModel
from roster.solver.lns import Lns
from roster.solver.problem import (
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftRequest,
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


def solved(p: Problem) -> tuple[RosterModel, list[int]]:
    """The model of ``p`` and its optimal solution (one worker: small models)."""
    rm = RosterModel(p)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(rm.m) == cp_model.OPTIMAL
    return rm, list(solver.response_proto.solution)


def test_the_fairness_neighbourhood_holds_the_busiest_and_the_least_busy_person() -> None:
    p = nights_problem()
    rm, values = solved(p)
    nights = {person.id: sum(values[v.index] for (s, _, _, _), v in rm.x.items() if s == i)
              for i, person in enumerate(p.staff)}
    assert nights["A"] == 1 and sorted((nights["B"], nights["C"])) == [2, 3]
    busiest = 1 if nights["B"] == 3 else 2
    # One person at each end: the person with two nights is in neither.
    assert sorted(rm.extremes(values, random.Random(0))) == sorted([busiest, 0])


def test_the_end_with_fewer_people_tied_comes_first_and_whole() -> None:
    # Seven nights for B, C and D, who may work at most 1, 3 and 3: C and D tie at the
    # top with 3, B is alone at the bottom with 1.  Only B leaving the bottom, or C and
    # D both leaving the top, narrows the spread: B comes first.
    contracts = {"B": 1, "C": 3, "D": 3}
    p = replace(nights_problem(), num_days=7,
                staff=tuple(Staff(x, contract=Contract(max_shifts_per_type={"N": n}))
                            for x, n in contracts.items()),
                coverage=tuple(CoverageRequirement(d, "N", minimum=1, maximum=1)
                               for d in range(7)))
    rm, values = solved(p)
    for seed in range(5):
        ends = rm.extremes(values, random.Random(seed))
        assert ends[0] == 0 and sorted(ends[1:]) == [1, 2]


def test_an_end_holds_everyone_past_the_rounding_threshold() -> None:
    # Eight nights: A, D and E may work one each, so B (full time) and C (0.7 FTE) share
    # five, best as 3 and 2: 3.0 and 2.86 nights per FTE against 1.0 at the bottom, a
    # spread of 2 nights once rounded.  C is not tied with B at the top, yet the spread
    # narrows only if C loses a night as well as B: the top end is B and C together,
    # and it comes first, being smaller than the bottom one (A, D and E).
    one = Contract(max_shifts_per_type={"N": 1})
    p = replace(nights_problem(), num_days=8,
                staff=(Staff("A", contract=one), Staff("B"), Staff("C", fte=0.7),
                       Staff("D", contract=one), Staff("E", contract=one)),
                coverage=tuple(CoverageRequirement(d, "N", minimum=1, maximum=1)
                               for d in range(8)))
    rm, values = solved(p)
    nights = [sum(values[v.index] for (s, _, _, _), v in rm.x.items() if s == i)
              for i in range(5)]
    assert nights == [1, 3, 2, 1, 1]
    assert values[rm.spread_vars["fairness_nights"].index] == 2
    for seed in range(5):
        ends = rm.extremes(values, random.Random(seed))
        assert sorted(ends[:2]) == [1, 2] and sorted(ends[2:]) == [0, 3, 4]


def test_the_request_neighbourhood_holds_whoever_was_refused() -> None:
    # Two people on the one day shift: A and B asked for the day off (A more strongly),
    # C asked to work it.  The roster refuses B, and only B.
    day = ShiftType("D", 480, start_minute=7 * 60)
    p = Problem(
        num_days=1, shift_types=(day,), staff=(Staff("A"), Staff("B"), Staff("C")),
        coverage=(CoverageRequirement(0, "D", minimum=2, maximum=2),),
        requests=(ShiftRequest("A", 0, None, on=False, weight=3),
                  ShiftRequest("B", 0, None, on=False, weight=1),
                  ShiftRequest("C", 0, "D", on=True, weight=1)),
        fatigue=FatigueRules(None, None, None, None, None),
        weights=SoftWeights.benchmark(), start_date=dt.date(2025, 3, 3))
    rm, values = solved(p)
    assert rm.refused(values, random.Random(0)) == [1]
    # A roster that refuses everyone owes them all, the heaviest refusal most likely
    # first.
    everyone_works_but_c = [0] * len(values)
    for (s, _, _, _), v in rm.x.items():
        everyone_works_but_c[v.index] = int(s != 2)
    for (s, _), v in rm.w.items():
        everyone_works_but_c[v.index] = int(s != 2)
    firsts = [rm.refused(everyone_works_but_c, random.Random(seed))[0] for seed in range(40)]
    assert set(firsts) == {0, 1, 2}
    assert firsts.count(0) > firsts.count(1)


def test_a_spread_of_zero_gives_no_fairness_target() -> None:
    rm, values = solved(replace(nights_problem(), staff=(Staff("B"), Staff("C"))))
    assert rm.extremes(values, random.Random(0)) == []


class _Best(cp_model.CpSolverSolutionCallback):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[int] = []
        self.objective: float | None = None

    def on_solution_callback(self) -> None:
        self.values = list(self.response_proto.solution)
        self.objective = self.objective_value


def test_the_shifts_neighbourhood_keeps_who_works_each_day_and_rebalances_shifts() -> None:
    # A works every night and B every day; C is off.  Sharing the nights three and
    # three is the best roster that keeps those working days; sharing them among all
    # three (C working) would be better still, so the step must keep C off to prove
    # the neighbourhood keeps who works which day.
    day = ShiftType("D", 480, start_minute=9 * 60)
    p = Problem(
        num_days=6, shift_types=(day, N),
        staff=(Staff("A"), Staff("B"), Staff("C")),
        coverage=tuple(CoverageRequirement(d, t, minimum=1, maximum=1)
                       for d in range(6) for t in ("D", "N")),
        fatigue=FatigueRules(None, None, None, None, None),
        weights=SoftWeights(fairness_nights=10, fairness_weekends=0, fairness_hours=0,
                            no_senior=0, stability=0, overtime_per_hour=0),
        start_date=dt.date(2025, 3, 3))
    rm = RosterModel(p)
    pinned = rm.m.clone()
    for (s, _, k, _), v in rm.x.items():
        pinned.add(v == int((s, k) in ((0, 1), (1, 0))))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(pinned) == cp_model.OPTIMAL
    incumbent = list(solver.response_proto.solution)
    assert solver.objective_value == 60  # nights 6, 0 and 0

    cells: dict[tuple[int, int], list[int]] = {}
    for (s, d, _, _), v in rm.x.items():
        cells.setdefault((s, d), []).append(v.index)
    search = Lns(rm.m, cells, 3, 6, seed=0, work={key: v.index for key, v in rm.w.items()})
    search.kinds = [k for k in search.kinds if k.name == "shifts"]
    search.kinds[0].size = 1.0

    def configure(params: cp_model.SatParameters, limit: float) -> None:
        params.num_workers = 1
        params.max_time_in_seconds = limit

    best = _Best()
    report = search.step(incumbent, 60, 10.0, configure, best, lambda _: None, lambda: None)
    assert report.kind == "shifts" and report.optimal
    assert best.objective == 30  # nights 3, 3 and 0: C stays off
    for (s, d), w in rm.w.items():
        assert best.values[w.index] == incumbent[w.index], (s, d)
    nights = [sum(best.values[v.index] for (s2, _, k, _), v in rm.x.items() if s2 == s and k == 1)
              for s in range(3)]
    assert nights == [3, 3, 0]
