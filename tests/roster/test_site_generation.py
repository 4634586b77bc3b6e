"""A whole site rostered at once: 250 nurses over a ward, an ICU and the float pool they
share, four weeks, through the solver entry point a site-wide generation calls
(``roster.generation.solver_run_execute`` → ``roster.solver.search.solve``)."""

from __future__ import annotations

import dataclasses
import time

from roster.solver import search
from roster.solver.problem import SolveOptions
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify

LIMIT_S = 50


def test_a_whole_site_gets_a_draft_with_every_minimum_covered_that_keeps_every_rule() -> None:
    problem = hospital_unit(seed=9, num_nurses=250, num_days=28)
    assert search._large(problem)  # the size a site-wide generation has
    seen: list[float] = []
    started = time.monotonic()
    result = search.solve(problem, SolveOptions(
        time_limit_s=LIMIT_S, num_workers=2, seed=0,
        progress=lambda solutions, objective, bound, elapsed: seen.append(objective)))
    elapsed = time.monotonic() - started
    # A loaded 2-core machine overshoots by CP-SAT's presolve of the step at hand.
    assert elapsed < LIMIT_S + 10, elapsed
    assert result.assignments, result.status
    # Every hard rule (rest, runs, weekends, hours, skills, certificates, slot
    # maximums, each nurse's minimum hours), checked whole by the independent verifier.
    assert verify(problem, result.assignments) == []
    # Every minimum covered: no shortfall, and the status says so.
    assert result.shortfalls == ()
    assert result.status in ("feasible", "optimal"), result.status
    assert result.objective is not None and result.objective < result.shortfall_unit
    # Progress was shown while it ran, ending at the roster returned.
    assert seen and seen[-1] == result.objective
    # All of the site's nurses on their units: the ward, the ICU and the float pool.
    assert {a.unit for a in result.assignments} == {"MED", "ICU"}
    assert {a.staff for a in result.assignments} == {
        person.id for person in problem.staff if person.contract.min_total_minutes > 0}


def test_a_site_sized_problem_starts_from_a_greedy_roster_that_keeps_each_persons_rules() -> None:
    """The start the site's search is given: people rostered one after another, each
    within every rule of their own (the verifier checks each alone)."""
    problem = hospital_unit(seed=9, num_nurses=250, num_days=28)
    start = search._greedy_start(problem, SolveOptions(time_limit_s=60),
                                 time.monotonic() + 60)
    assert start is not None
    roster, everyone = start
    rostered = {a.staff for a in roster}
    # Most of the site at once; whoever is left the search rosters.
    assert len(rostered) >= 0.8 * len(problem.staff), len(rostered)
    for person in problem.staff:
        if person.id in rostered:
            mine = [a for a in roster if a.staff == person.id]
            alone = dataclasses.replace(problem, staff=(person,), coverage=())
            assert verify(alone, mine) == [], person.id
    assert everyone == (len(rostered) == len(problem.staff))
