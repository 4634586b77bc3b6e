"""The corrector: score a proposal, show a better allocation and the difference."""

from __future__ import annotations

from triage.mci.corrector import correct
from triage.mci.cost import evaluate
from triage.mci.problem import Ambulance, AmbulanceProblem, Hospital, Policy, Victim

# A critical and a fair victim, one experienced and one basic crew, one close hospital.
PROBLEM = AmbulanceProblem(
    victims=(Victim(1, severity=1, needs=1), Victim(2, severity=3, needs=1)),
    ambulances=(Ambulance(10, crew=2), Ambulance(11, crew=1)),
    hospitals=(Hospital(20, resources=1, capacity=2, distance=1),),
)
# experienced crew: 1 + 3 + 0 + 2s + 2; basic crew: 1 + 3 + 4 + s + 2
# proposal: critical with the basic crew (11), fair with the experienced one (12) = 23
# better:   critical with the experienced crew (8), fair with the basic one (13) = 21
PROPOSAL = {1: (11, 20), 2: (10, 20)}


def test_the_corrector_scores_the_proposal_under_the_policy() -> None:
    result = correct(PROBLEM, PROPOSAL, Policy())
    assert result.proposed_value == evaluate(PROBLEM, PROPOSAL, Policy()).value == 23


def test_the_corrector_shows_a_better_allocation_and_the_difference_victim_by_victim() -> None:
    result = correct(PROBLEM, PROPOSAL, Policy())
    assert result.better == {1: (10, 20), 2: (11, 20)}
    assert result.better_value == 21
    assert [(d.id, d.proposed_cost, d.recommended_cost) for d in result.differences] == [
        (1, 11, 8),
        (2, 12, 13),
    ]


def test_the_corrector_finds_nothing_better_than_an_optimal_proposal() -> None:
    result = correct(PROBLEM, {1: (10, 20), 2: (11, 20)}, Policy())
    assert result.better is None
    assert result.differences == ()
    assert result.proposed_value == 21


def test_the_corrector_under_nash_is_never_worse_than_the_proposal() -> None:
    result = correct(PROBLEM, PROPOSAL, Policy("nash"), restarts=5)
    assert result.better_value is not None and result.better_value < result.proposed_value


def test_the_corrector_keeps_the_proposals_ambulances_for_victims_it_does_not_move() -> None:
    problem = AmbulanceProblem(
        victims=(*PROBLEM.victims, Victim(3, severity=4, needs=1)),
        ambulances=(*PROBLEM.ambulances, Ambulance(12, crew=2)),
        hospitals=(Hospital(20, resources=1, capacity=3, distance=1),),
    )
    proposal = {1: (11, 20), 2: (12, 20), 3: None}
    result = correct(problem, proposal, Policy())
    assert result.better is not None
    # victim 2 keeps experienced ambulance 12; only the changed victims are listed
    assert result.better[2] == (12, 20)
    assert {d.id for d in result.differences} == {1, 3}
