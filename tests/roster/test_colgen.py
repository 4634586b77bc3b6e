"""Column generation: its bound is a proved lower bound, its restricted model finds the
rosters, and it stays out of problems it cannot price.  No database."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from roster.solver import colgen, curtois
from roster.solver import search as roster_search
from roster.solver.formulation import RosterModel
from roster.solver.problem import Contract, Problem, SoftWeights, SolveOptions, Staff
from roster.solver.search import solve
from roster.solver.verify import verify
from tests.roster.test_solver import D, E, need, problem, want

BENCHMARKS = Path(__file__).resolve().parents[1] / "data" / "curtois"


def generate(rm: RosterModel, seconds: float = 20.0) -> colgen.ColgenResult:
    return colgen.ColumnGeneration(rm).run(time.monotonic() + seconds, workers=2)


def test_on_instance_1_the_bound_is_proved_and_within_a_percent_of_the_optimum() -> None:
    rm = RosterModel(curtois.to_problem(curtois.load(BENCHMARKS / "Instance1.txt")))
    result = generate(rm)
    assert result.converged
    # 607 is optimal (proved by the whole-model search in test_curtois): the master is
    # a relaxation, the Lagrangian bound lies under it and, converged, close to it.
    assert result.bound <= result.master <= 607 + 1e-6
    assert result.bound >= result.master - colgen.CLOSE_GAP * result.master
    # Every person keeps at least one schedule to choose from.
    assert all(result.support[s] for s in range(len(rm.p.staff)))


def test_far_from_converging_after_its_early_deadline_it_hands_over() -> None:
    # Instance 8's first rounds leave the bound far below the master: with the early
    # deadline already passed, one round is all it does; without one it goes on.
    rm = RosterModel(curtois.to_problem(curtois.load(BENCHMARKS / "Instance8.txt")))
    now = time.monotonic()
    early = colgen.ColumnGeneration(rm).run(now + 10, workers=2, early=now)
    assert early.iterations == 1 and not early.converged
    assert early.master - early.bound > colgen.FAR_GAP * early.master
    now = time.monotonic()
    late = colgen.ColumnGeneration(rm).run(now + 10, workers=2)
    assert late.iterations > 1


def small_ward(**kw: Any) -> Problem:
    # Four nurses, a week of day and evening shifts; one evening nurse must hold ACLS
    # (only B and D do), at most two on a day shift, A wants Monday off in all but name.
    staff = (
        Staff("A", contract=Contract(max_total_minutes=5 * 480)),
        Staff("B", certifications={"ACLS": None}, contract=Contract(max_total_minutes=4 * 480)),
        Staff("C", contract=Contract(max_total_minutes=5 * 480, min_total_minutes=2 * 480)),
        Staff("D", certifications={"ACLS": None}, contract=Contract(max_total_minutes=3 * 480)),
    )
    cover = tuple(need(d, "D", 1, preferred=2, maximum=2, weight_under=30, weight_over=5)
                  for d in range(7)) + tuple(
        need(d, "E", 1, certifications=frozenset({"ACLS"})) for d in range(7))
    requests = (want("A", 0, None, weight=40), want("C", 6, "E", weight=25))
    return problem(*staff, coverage=cover, shifts=(D, E), requests=requests, **kw)


def test_with_minimums_caps_and_certifications_the_bound_holds_and_the_optimum_is_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    p = small_ward()
    rm = RosterModel(p)
    assert colgen.applicable(rm)
    result = generate(rm)
    assert result.converged
    # The optimum, proved by the whole-model search without column generation.
    monkeypatch.setattr(roster_search, "COLGEN", False)
    plain = solve(p, SolveOptions(time_limit_s=10, num_workers=2, seed=0))
    assert plain.status == "optimal" and plain.objective is not None
    assert result.bound <= result.master + 1e-6 <= plain.objective + 1e-6
    # With column generation the solver finds that optimum, and says so.
    monkeypatch.setattr(roster_search, "COLGEN", True)
    with_cg = solve(p, SolveOptions(time_limit_s=10, num_workers=2, seed=0))
    assert with_cg.objective == plain.objective
    assert with_cg.status == "optimal"
    assert verify(p, with_cg.assignments) == []


def test_it_stays_out_of_problems_whose_costs_are_shared_between_people() -> None:
    # Fairness spreads and the seniority mix compare people with each other: a
    # person's schedule cannot be priced on its own.
    assert not colgen.applicable(RosterModel(small_ward(weights=SoftWeights())))
    assert colgen.applicable(RosterModel(small_ward()))


def test_a_cancel_during_column_generation_returns_at_once() -> None:
    p = curtois.to_problem(curtois.load(BENCHMARKS / "Instance8.txt"))
    started = time.monotonic()
    result = solve(p, SolveOptions(time_limit_s=60, num_workers=2, seed=0,
                                   should_stop=lambda: time.monotonic() - started > 1.0))
    assert time.monotonic() - started < 10
    # Cancelled before any roster, or with the restricted model's first ones.
    assert result.status in ("unknown", "feasible")
    assert not result.assignments or verify(p, result.assignments) == []


def test_a_warm_start_cancelled_during_column_generation_keeps_the_roster_it_was_given(
        ) -> None:
    p = curtois.to_problem(curtois.load(BENCHMARKS / "Instance8.txt"))
    given = solve(p, SolveOptions(time_limit_s=3, num_workers=2, seed=0))  # too short for it
    assert given.objective is not None and given.assignments
    started = time.monotonic()
    result = solve(p, SolveOptions(time_limit_s=60, num_workers=2, seed=0,
                                   hint=given.assignments,
                                   should_stop=lambda: time.monotonic() - started > 1.0))
    assert result.objective is not None and result.objective <= given.objective
    assert verify(p, result.assignments) == []
