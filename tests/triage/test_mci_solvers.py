"""Greedy, local search and exact against the optimum found by enumeration."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from triage.mci.clinical import clinical_solve, expected_survivors, survival
from triage.mci.cost import evaluate
from triage.mci.generate import ambulance_instance, hospital_instance
from triage.mci.problem import (
    Allocation,
    Ambulance,
    AmbulanceProblem,
    Hospital,
    HospitalProblem,
    Policy,
    Problem,
    Victim,
)
from triage.mci.solve import solve


def every_allocation(problem: Problem) -> Iterator[Allocation]:
    """Every allocation of a small problem: each item gets nothing or a distinct unit."""
    if isinstance(problem, AmbulanceProblem):
        ids = [v.id for v in problem.victims]
        units: list[object] = [None] + [
            (a.id, h.id) for a in problem.ambulances for h in problem.hospitals
        ]
    else:
        ids = [p.id for p in problem.patients]
        units = [None] + [b.id for b in problem.bundles]
    for combo in itertools.product(units, repeat=len(ids)):
        taken = [u[0] if isinstance(u, tuple) else u for u in combo if u is not None]
        if len(taken) == len(set(taken)):
            yield dict(zip(ids, combo, strict=True))  # type: ignore[misc]


def optimum(problem: Problem, policy: Policy) -> int:
    return min(evaluate(problem, a, policy).value for a in every_allocation(problem))


SMALL = [ambulance_instance(4, 3, 2, seed=s) for s in range(3)] + [
    hospital_instance(5, 3, seed=s) for s in range(3)
]
POLICIES = [
    Policy("utilitarian"),
    Policy("egalitarian"),
    Policy("nash"),
    Policy("egalitarian", "lottery"),
    Policy("nash", "sickest_first"),
]


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: f"{p.stage}")
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.swf}-{p.principle}")
def test_local_search_and_exact_find_the_enumerated_optimum(
    problem: Problem, policy: Policy
) -> None:
    best = optimum(problem, policy)
    local = solve(problem, policy, method="local", restarts=30)
    assert local.evaluation.value == best
    greedy = solve(problem, policy, method="greedy")
    assert greedy.evaluation.value >= best
    if policy.swf != "nash":
        exact = solve(problem, policy, method="exact")
        assert (exact.evaluation.value, exact.status) == (best, "optimal")


def test_greedy_local_and_exact_agree_where_each_victim_has_room_for_its_best_option() -> None:
    # Plenty of experienced crews and a close hospital of the highest level with room for
    # everyone: the first victim's best option is everyone's best, so greedy is optimal.
    problem = AmbulanceProblem(
        victims=tuple(Victim(i, severity=1 + i % 4, needs=1 + i % 3) for i in range(1, 5)),
        ambulances=tuple(Ambulance(10 + i, crew=2) for i in range(4)),
        hospitals=(
            Hospital(20, resources=3, capacity=4, distance=1),
            Hospital(21, resources=1, capacity=0, distance=3),
        ),
    )
    best = optimum(problem, Policy())
    for method in ("greedy", "local", "exact"):
        assert solve(problem, Policy(), method=method).evaluation.value == best


def test_greedy_serves_victims_in_the_principles_rank_order() -> None:
    twins = (
        Victim(1, severity=2, needs=1, ranks={"youngest_first": 1}),
        Victim(2, severity=2, needs=1, ranks={"youngest_first": 0}),
    )
    problem = AmbulanceProblem(twins, (Ambulance(10, 2),), (Hospital(20, 1, 5, 1),))
    by_id = solve(problem, Policy("utilitarian", "none"), method="greedy").allocation
    by_age = solve(problem, Policy("utilitarian", "youngest_first"), method="greedy").allocation
    assert by_id == {1: (10, 20), 2: None}
    assert by_age == {1: None, 2: (10, 20)}


def test_greedy_breaks_ties_to_the_lowest_ambulance_and_hospital_id() -> None:
    problem = AmbulanceProblem(
        (Victim(1, severity=1, needs=1),),
        (Ambulance(12, 2), Ambulance(11, 2)),
        (Hospital(31, 1, 1, 1), Hospital(30, 1, 1, 1)),
    )
    assert solve(problem, Policy(), method="greedy").allocation == {1: (11, 30)}


def test_exact_on_the_thesis_size_is_optimal_and_never_worse_than_local_search() -> None:
    for seed in range(2):
        problem = ambulance_instance(30, 20, 3, seed=seed)
        for swf in ("utilitarian", "egalitarian"):
            policy = Policy(swf, "lottery")
            exact = solve(problem, policy, method="exact")
            local = solve(problem, policy, method="local", restarts=20)
            assert exact.status == "optimal"
            assert exact.evaluation.value <= local.evaluation.value


def test_exact_under_nash_falls_back_to_local_search_and_says_so() -> None:
    result = solve(hospital_instance(5, 3), Policy("nash"), method="exact")
    assert (result.method, result.status) == ("local", "feasible")


def test_local_search_is_deterministic_under_a_seed() -> None:
    problem = ambulance_instance(12, 6, 3, seed=4)
    first = solve(problem, Policy("nash"), method="local", restarts=5, seed=7)
    again = solve(problem, Policy("nash"), method="local", restarts=5, seed=7)
    assert first.allocation == again.allocation


def test_a_solution_never_gives_one_ambulance_twice() -> None:
    result = solve(ambulance_instance(30, 20, 3, seed=3), Policy(), method="local", restarts=3)
    taken = [a[0] for a in result.allocation.values() if isinstance(a, tuple)]
    assert len(taken) == len(set(taken)) <= 20


def test_survival_falls_with_time_for_the_immediate_and_delayed_and_not_for_the_minor() -> None:
    assert survival(1, 0) > survival(1, 30) > survival(1, 120)
    assert survival(2, 0) > survival(2, 60) > survival(2, 240)
    assert survival(4, 0) == survival(4, 240) == 1.0
    assert survival(1, 0, start_pct=40) == pytest.approx(0.40)


def test_the_clinical_objective_sends_the_critical_victim_to_the_close_hospital() -> None:
    problem = AmbulanceProblem(
        (Victim(1, severity=1, needs=1), Victim(2, severity=4, needs=1)),
        (Ambulance(10, 1), Ambulance(11, 1)),
        (Hospital(20, 1, 1, distance=1), Hospital(21, 1, 1, distance=3)),
    )
    result = clinical_solve(problem)
    assert result.status == "optimal"
    assert result.allocation[1] is not None and result.allocation[1][1] == 20
    assert result.expected_survivors == pytest.approx(
        expected_survivors(problem, result.allocation)
    )


def test_the_clinical_objective_keeps_within_hospital_capacity() -> None:
    problem = ambulance_instance(30, 20, 3, seed=2)
    result = clinical_solve(problem)
    sent: dict[int, int] = {}
    for value in result.allocation.values():
        if value is not None:
            sent[value[1]] = sent.get(value[1], 0) + 1
    assert all(sent.get(h.id, 0) <= h.capacity for h in problem.hospitals)


def test_a_hospital_stage_solution_gives_each_bundle_once() -> None:
    problem: HospitalProblem = hospital_instance(10, 6, seed=1)
    result = solve(problem, Policy("egalitarian"), method="exact")
    bundles = [b for b in result.allocation.values() if b is not None]
    assert len(bundles) == len(set(bundles)) == 6


def test_greedy_gives_the_lowest_ambulance_id_to_the_victim_it_serves_first() -> None:
    problem = AmbulanceProblem(
        (
            Victim(1, severity=1, needs=1, ranks={"sickest_first": 1}),
            Victim(2, severity=1, needs=1, ranks={"sickest_first": 0}),
        ),
        (Ambulance(10, 2), Ambulance(11, 2)),
        (Hospital(20, 1, 5, 1),),
    )
    result = solve(problem, Policy("utilitarian", "sickest_first"), method="greedy")
    assert result.allocation == {1: (11, 20), 2: (10, 20)}
