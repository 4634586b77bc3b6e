"""The cost model of both stages on hand-worked cases, under each welfare function."""

from __future__ import annotations

import pytest

from triage.mci.cost import (
    ambulance_cost,
    capacity_term,
    evaluate,
    hospital_cost,
)
from triage.mci.io import FormatError, allocation_from_dict, problem_from_dict, problem_to_dict
from triage.mci.problem import (
    Ambulance,
    AmbulanceProblem,
    Bundle,
    Hospital,
    HospitalProblem,
    Patient,
    Policy,
    Victim,
)

# V1 critical, needs high; V2 serious, needs low; V3 good, needs medium.
AMBULANCE = AmbulanceProblem(
    victims=(
        Victim(1, severity=1, needs=3, ranks={"sickest_first": 0}),
        Victim(2, severity=2, needs=1, ranks={"sickest_first": 1}),
        Victim(3, severity=4, needs=2, ranks={"sickest_first": 2}),
    ),
    ambulances=(Ambulance(10, crew=2), Ambulance(11, crew=1)),
    hospitals=(
        Hospital(20, resources=3, capacity=1, distance=1),
        Hospital(21, resources=1, capacity=2, distance=3),
    ),
)
# V1 → (10, 20): 1 + 3 + 0 + 1·2 + (2 + 0) = 8
# V2 → (11, 20): 1 + 3 + 4 + 2·1 + (2 + 2) = 14
# V3 unassigned: 29 − 4 = 25
# penalties: 2 × 1 unassigned + hospital 20: 10 × (2 − 1) + hospital 21: 1 × (2 − 0) = 14
AMBULANCE_ALLOCATION = {1: (10, 20), 2: (11, 20), 3: None}

# P1 critical needs B; P2 fair needs E; P3 discharged-level needs A.
HOSPITAL = HospitalProblem(
    patients=(
        Patient(1, severity=1, procedure=2, ranks={"sickest_first": 0}),
        Patient(2, severity=3, procedure=5, ranks={"sickest_first": 1}),
        Patient(3, severity=5, procedure=1, ranks={"sickest_first": 2}),
    ),
    bundles=(Bundle(30, type=6), Bundle(31, type=1)),
)
# P1 → F: 34 − 6·4 − skill[F][B]=3 = 7;  P2 → A: 34 − 1·2 − skill[A][E]=2 = 30
# P3 unassigned: 40 − 5 = 35;  penalty 2 × 1 = 2
HOSPITAL_ALLOCATION = {1: 30, 2: 31, 3: None}


def test_an_experienced_crew_to_a_close_well_resourced_hospital_costs_eight() -> None:
    assert ambulance_cost(severity=1, needs=3, crew=2, resources=3, distance=1) == 8


def test_a_hospital_below_the_victims_needs_costs_four_plus_the_shortfall() -> None:
    # 3 + 3 + 0 + 2 + (4 + 2)
    assert ambulance_cost(severity=1, needs=3, crew=2, resources=1, distance=3) == 14


def test_a_basic_crew_adds_four_and_the_severity() -> None:
    assert ambulance_cost(severity=2, needs=1, crew=1, resources=3, distance=1) == 14


def test_the_hospital_capacity_term_charges_ten_over_and_one_per_free_place() -> None:
    assert [capacity_term(n, 2) for n in range(5)] == [2, 1, 0, 10, 20]


def test_a_bundle_costs_34_less_type_times_five_minus_severity_less_skill() -> None:
    assert hospital_cost(severity=1, procedure=2, bundle_type=6) == 7
    assert hospital_cost(severity=3, procedure=5, bundle_type=1) == 30
    assert hospital_cost(severity=5, procedure=1, bundle_type=5) == 31


@pytest.mark.parametrize(
    ("swf", "value"),
    [("utilitarian", 8 + 14 + 25 + 14), ("egalitarian", 25 + 14), ("nash", 8 * 14 * 25 + 14)],
)
def test_the_ambulance_stage_total_is_the_swf_of_single_costs_plus_penalties(
    swf: str, value: int
) -> None:
    ev = evaluate(AMBULANCE, AMBULANCE_ALLOCATION, Policy(swf))  # type: ignore[arg-type]
    assert ev.value == ev.value_without_rank == value
    assert ev.single_costs == {1: 8, 2: 14, 3: 25}
    assert (ev.unassigned, ev.penalties) == (1, 14)


@pytest.mark.parametrize(
    ("swf", "value", "without"),
    [
        ("utilitarian", 8 + 15 + 27 + 14, 61),
        ("egalitarian", 27 + 14, 39),
        ("nash", 8 * 15 * 27 + 14, 2814),
    ],
)
def test_a_principle_adds_each_victims_rank_to_its_single_cost(
    swf: str, value: int, without: int
) -> None:
    ev = evaluate(AMBULANCE, AMBULANCE_ALLOCATION, Policy(swf, "sickest_first"))  # type: ignore[arg-type]
    assert (ev.value, ev.value_without_rank) == (value, without)


@pytest.mark.parametrize(
    ("swf", "value"),
    [("utilitarian", 7 + 30 + 35 + 2), ("egalitarian", 35 + 2), ("nash", 7 * 30 * 35 + 2)],
)
def test_the_hospital_stage_total_is_the_swf_of_single_costs_plus_penalties(
    swf: str, value: int
) -> None:
    ev = evaluate(HOSPITAL, HOSPITAL_ALLOCATION, Policy(swf))  # type: ignore[arg-type]
    assert ev.value == value
    assert ev.single_costs == {1: 7, 2: 30, 3: 35}


def test_the_hospital_stage_has_no_capacity_terms() -> None:
    ev = evaluate(HOSPITAL, {}, Policy())
    assert ev.value == 39 + 37 + 35 + 3 * 2


def test_ids_missing_from_an_allocation_are_unassigned() -> None:
    ev = evaluate(AMBULANCE, {1: (10, 20), 2: (11, 20)}, Policy())
    assert ev.value == 61


def test_an_empty_ambulance_allocation_pays_every_free_hospital_place() -> None:
    ev = evaluate(AMBULANCE, {}, Policy())
    assert ev.value == 28 + 27 + 25 + 3 * 2 + 1 + 2


def test_a_nash_value_over_1e35_is_kept_exactly() -> None:
    victims = tuple(Victim(i, severity=1, needs=1) for i in range(1, 31))
    problem = AmbulanceProblem(victims, (), (Hospital(99, 1, 0, 1),))
    assert evaluate(problem, {}, Policy("nash")).value == 28**30 + 60


def test_problem_files_round_trip() -> None:
    assert problem_from_dict(problem_to_dict(AMBULANCE)) == AMBULANCE
    assert problem_from_dict(problem_to_dict(HOSPITAL)) == HOSPITAL


def test_an_allocation_giving_one_ambulance_twice_is_refused_naming_it() -> None:
    with pytest.raises(FormatError, match="ambulance 10"):
        allocation_from_dict(AMBULANCE, {"allocation": {"1": [10, 20], "2": [10, 21]}})


def test_an_allocation_naming_an_unknown_hospital_is_refused() -> None:
    with pytest.raises(FormatError, match="unknown hospital 99"):
        allocation_from_dict(AMBULANCE, {"allocation": {"1": [10, 99]}})


def test_a_problem_with_a_severity_out_of_range_names_the_field() -> None:
    data = problem_to_dict(AMBULANCE)
    data["victims"][0]["severity"] = 7
    with pytest.raises(FormatError, match=r"victims\[0\]\.severity"):
        problem_from_dict(data)
