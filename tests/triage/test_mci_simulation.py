"""The time-stepped simulation: sensing, the locking buffer and what it records."""

from __future__ import annotations

from triage.mci.chart import svg_chart
from triage.mci.generate import ambulance_instance
from triage.mci.problem import Ambulance, AmbulanceProblem, Bundle, Hospital, Victim
from triage.mci.simulate import Scenario, SimulationConfig, simulate

# One critical victim and a basic crew at tick 0; an experienced crew arrives at tick 1
# (for a critical victim it is cheaper: 2 instead of 5 in the crew terms).
ONE_VICTIM = Scenario(
    problem=AmbulanceProblem(
        victims=(Victim(1, severity=1, needs=1),),
        ambulances=(Ambulance(10, crew=1),),
        hospitals=(Hospital(20, resources=1, capacity=3, distance=1),),
    ),
    bundles={20: (Bundle(30, type=6),)},
    ambulance_arrivals={1: (Ambulance(11, crew=2),)},
)


def test_with_no_buffer_the_first_assignment_leaves_at_once() -> None:
    result = simulate(ONE_VICTIM, SimulationConfig(sensing=1, buffer=0, deterioration=0.0))
    assert (result.departures[1].tick, result.departures[1].ambulance) == (0, 10)


def test_within_the_buffer_an_assignment_changes_when_a_better_ambulance_arrives() -> None:
    result = simulate(ONE_VICTIM, SimulationConfig(sensing=1, buffer=2, deterioration=0.0))
    assert result.changes == [(0, 1, (10, 20)), (1, 1, (11, 20))]
    # the change at tick 1 restarts the clock: it locks two ticks later
    assert (result.departures[1].tick, result.departures[1].ambulance) == (3, 11)


def test_an_unchanged_assignment_locks_exactly_buffer_ticks_after_it_was_made() -> None:
    scenario = Scenario(ONE_VICTIM.problem, ONE_VICTIM.bundles)  # no better ambulance comes
    for buffer in (0, 1, 3):
        result = simulate(scenario, SimulationConfig(sensing=1, buffer=buffer, deterioration=0.0))
        assert result.departures[1].tick == buffer
        assert result.changes == [(0, 1, (10, 20))]


def test_a_locked_assignment_is_never_revisited() -> None:
    result = simulate(ONE_VICTIM, SimulationConfig(sensing=1, buffer=0, deterioration=0.0))
    assert [c for c in result.changes if c[0] > 0] == []
    assert result.departures[1].ambulance == 10


def test_without_events_the_board_waits_for_the_next_sensing() -> None:
    config = SimulationConfig(sensing=4, buffer=1, deterioration=0.0, resolve_on_events=False)
    result = simulate(ONE_VICTIM, config)
    # assigned at tick 0, locked at tick 1 before the better crew is considered
    assert (result.departures[1].tick, result.departures[1].ambulance) == (1, 10)


def test_the_victim_reaches_hospital_is_treated_and_discharged() -> None:
    result = simulate(
        ONE_VICTIM, SimulationConfig(sensing=1, buffer=0, ticks=40, deterioration=0.0)
    )
    waiting = [r.victims_waiting for r in result.records]
    in_hospital = [r.patients_in_hospital for r in result.records]
    assert waiting[0] == 1 and waiting[-1] == 0
    assert max(in_hospital) == 1 and in_hospital[-1] == 0
    assert result.discharged == [1]


def test_every_tick_records_value_waiting_in_hospital_and_cumulative_value() -> None:
    problem = ambulance_instance(30, 10, 3, seed=5)
    bundles = {h.id: (Bundle(100 + h.id, 2), Bundle(200 + h.id, 5)) for h in problem.hospitals}
    result = simulate(Scenario(problem, bundles), SimulationConfig(sensing=2, buffer=1, ticks=25))
    assert [r.tick for r in result.records] == list(range(25))
    running = 0
    for record in result.records:
        running += record.value
        assert record.cumulative_value == running
    assert result.records[0].victims_waiting == 30
    assert result.records[-1].victims_waiting < 30
    assert all(r.resolved for r in result.records if r.tick % 2 == 0)


def test_the_simulation_is_deterministic_under_a_seed() -> None:
    problem = ambulance_instance(20, 6, 3, seed=1)
    bundles = {h.id: (Bundle(100 + h.id, 3),) for h in problem.hospitals}
    config = SimulationConfig(sensing=3, buffer=2, ticks=20, deterioration=0.2, seed=9)
    first = simulate(Scenario(problem, bundles), config)
    again = simulate(Scenario(problem, bundles), config)
    assert first.records == again.records


def test_a_victim_who_worsens_triggers_a_re_solve_between_sensings() -> None:
    scenario = Scenario(
        AmbulanceProblem(
            (Victim(1, severity=3, needs=1),),
            (Ambulance(10, crew=1),),
            (Hospital(20, resources=1, capacity=3, distance=1),),
        ),
        {},
    )
    on = simulate(scenario, SimulationConfig(sensing=10, buffer=5, ticks=3, deterioration=1.0))
    off = simulate(
        scenario,
        SimulationConfig(sensing=10, buffer=5, ticks=3, deterioration=1.0, resolve_on_events=False),
    )
    assert [r.resolved for r in on.records] == [True, True, True]
    assert [r.resolved for r in off.records] == [True, False, False]


def test_a_hospital_that_fills_up_triggers_a_re_solve_the_next_tick() -> None:
    scenario = Scenario(
        AmbulanceProblem(
            (Victim(1, severity=1, needs=1), Victim(2, severity=1, needs=1)),
            (Ambulance(10, crew=2),),
            (Hospital(20, resources=1, capacity=1, distance=3),),
        ),
        {},
    )
    result = simulate(scenario, SimulationConfig(sensing=10, buffer=0, ticks=3, deterioration=0))
    assert result.departures[1].tick == 0
    assert [r.resolved for r in result.records] == [True, True, False]


def test_a_run_draws_as_an_svg_with_its_three_panels() -> None:
    result = simulate(ONE_VICTIM, SimulationConfig(sensing=1, buffer=1, ticks=10))
    svg = svg_chart(result.records, title="buffer 1")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 3
    assert "victims not yet at a hospital" in svg and "patients in hospital" in svg
