"""A time-stepped simulation of an incident: sensing interval, buffer and locking.

The thesis leaves the dynamics open; these are our choices.

* **Tick.** One tick is one ``wait`` category (10 minutes in :mod:`triage.mci.clinical`).
* **Scene.** Every tick each victim still at the scene waits one more category and, with
  probability ``deterioration`` (seeded), worsens by one severity level (never below 1,
  critical).  New victims and new ambulances arrive at the ticks the scenario lists.
* **Sensing.** The ambulance stage is re-solved every ``sensing`` ticks (tick 0 included)
  and, when ``resolve_on_events``, in any tick where an ambulance came back or arrived, a
  victim was added or worsened (a retriage), or in the tick after a hospital filled up.  Only victims still at the scene and idle
  ambulances take part; hospitals offer the capacity they have left.  Concrete ambulance
  ids are kept stable where the new solution allows, so an unchanged assignment keeps its
  clock.
* **Buffer and locking.** An assignment made (or changed) at tick ``t0`` may still be
  changed by the re-solves of ticks ``t0 .. t0 + buffer``; if unchanged it locks at the end
  of tick ``t0 + buffer``: the ambulance leaves.  A locked assignment is never revisited.
* **Transport.** The drive takes ``2 × distance`` ticks; the ambulance is back at the
  scene ``4 × distance`` ticks after leaving (an event).  On arrival the victim becomes a
  patient of that hospital, needing a random procedure A–E (seeded).
* **Hospital stage.** At every re-solve, each hospital allocates its waiting patients to
  its free bundles under the same policy and method; a treatment starts at once (the
  bundle is held, so there is no buffer) and procedure ``p`` lasts ``p + 1`` ticks.  A
  finished procedure raises severity by one; at 5 the patient is discharged, otherwise
  they wait for their next (random) procedure.
* **Record per tick** (after locking): the allocation value (the ambulance-stage total of
  the victims still at the scene — 0 when none is left — plus each hospital's hospital-
  stage total of its patients), victims not yet at a hospital (at the scene or on the
  road), patients in hospital, and the cumulative value.  Lower values are better.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from triage.mci.cost import evaluate
from triage.mci.problem import (
    Ambulance,
    AmbulanceAllocation,
    AmbulanceProblem,
    Bundle,
    Hospital,
    HospitalAllocation,
    HospitalProblem,
    Patient,
    Policy,
    Victim,
)
from triage.mci.solve import Method, solve


@dataclass(frozen=True)
class SimulationConfig:
    sensing: int = 2
    buffer: int = 1
    ticks: int = 40
    policy: Policy = field(default_factory=Policy)
    method: Method = "greedy"
    deterioration: float = 0.05
    resolve_on_events: bool = True
    restarts: int = 20
    seed: int = 0


@dataclass(frozen=True)
class Scenario:
    """The incident at tick 0, with later arrivals (tick → what arrives at the scene)."""

    problem: AmbulanceProblem
    bundles: Mapping[int, tuple[Bundle, ...]]
    ambulance_arrivals: Mapping[int, tuple[Ambulance, ...]] = field(default_factory=dict)
    victim_arrivals: Mapping[int, tuple[Victim, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TickRecord:
    tick: int
    value: int
    victims_waiting: int
    patients_in_hospital: int
    cumulative_value: int
    resolved: bool


@dataclass
class _InPatient:
    id: int
    severity: int
    procedure: int
    wait: int = 0
    bundle: int | None = None
    ends_at: int = 0


@dataclass(frozen=True)
class Departure:
    tick: int
    ambulance: int
    hospital: int


@dataclass
class SimulationResult:
    records: list[TickRecord]
    departures: dict[int, Departure]
    # (tick, victim, assignment or None) each time a pending assignment was made or changed
    changes: list[tuple[int, int, tuple[int, int] | None]]
    discharged: list[int]


def simulate(scenario: Scenario, config: SimulationConfig) -> SimulationResult:
    """Run the incident for ``config.ticks`` ticks."""
    if config.sensing < 1 or config.buffer < 0:
        raise ValueError("sensing must be ≥ 1 and buffer ≥ 0")
    rng = random.Random(config.seed)
    scene: dict[int, Victim] = {v.id: v for v in scenario.problem.victims}
    idle: dict[int, Ambulance] = {a.id: a for a in scenario.problem.ambulances}
    hospitals: dict[int, Hospital] = {h.id: h for h in scenario.problem.hospitals}
    left: dict[int, int] = {h.id: h.capacity for h in scenario.problem.hospitals}
    pending: dict[int, tuple[int, int, int]] = {}  # victim → (ambulance, hospital, since)
    trips: list[tuple[int, int, int, int, int]] = []  # (ambulance, victim, hospital, at, back)
    away: dict[int, Ambulance] = {}
    inpatients: dict[int, list[_InPatient]] = {h: [] for h in hospitals}
    on_road: dict[int, Victim] = {}
    result = SimulationResult([], {}, [], [])
    cumulative = 0

    hospital_filled = False
    for tick in range(config.ticks):
        event, hospital_filled = hospital_filled, False
        # arrivals at hospitals, ambulances back at the scene
        for trip in [t for t in trips if t[3] == tick]:
            _, vid, hid, _, _ = trip
            victim = on_road.pop(vid)
            inpatients[hid].append(_InPatient(vid, victim.severity, rng.randint(1, 5)))
        for trip in [t for t in trips if t[4] == tick]:
            trips.remove(trip)
            idle[trip[0]] = away.pop(trip[0])
            event = True
        for amb in scenario.ambulance_arrivals.get(tick, ()):
            idle[amb.id] = amb
            event = True
        for victim in scenario.victim_arrivals.get(tick, ()):
            scene[victim.id] = victim
            event = True
        # treatments that end
        for patients in inpatients.values():
            for p in list(patients):
                if p.bundle is not None and p.ends_at == tick:
                    p.bundle = None
                    p.severity += 1
                    if p.severity >= 5:
                        patients.remove(p)
                        result.discharged.append(p.id)
                    else:
                        p.procedure = rng.randint(1, 5)
                elif p.bundle is None:
                    p.wait += 1
        # the scene: waiting and deterioration (not at tick 0: nothing has happened yet)
        if tick > 0:
            for vid, v in list(scene.items()):
                worse = rng.random() < config.deterioration and v.severity > 1
                event = event or worse
                scene[vid] = replace(
                    v, wait=v.wait + 1, severity=max(1, v.severity - 1) if worse else v.severity
                )

        resolved = tick % config.sensing == 0 or (config.resolve_on_events and event)
        if resolved:
            _resolve_scene(scene, idle, hospitals, left, pending, tick, config, result)
            for hid in hospitals:
                _resolve_hospital(inpatients[hid], scenario.bundles.get(hid, ()), tick, config)

        # locking: the ambulance leaves
        for vid, (aid, hid, since) in sorted(pending.items()):
            if tick - since >= config.buffer:
                del pending[vid]
                victim = scene.pop(vid)
                on_road[vid] = victim
                away[aid] = idle.pop(aid)
                d = hospitals[hid].distance
                trips.append((aid, vid, hid, tick + 2 * d, tick + 4 * d))
                left[hid] -= 1
                hospital_filled = hospital_filled or left[hid] == 0
                result.departures[vid] = Departure(tick, aid, hid)

        value = _scene_value(scene, idle, hospitals, left, pending, config.policy)
        for hid, patients in inpatients.items():
            value += _hospital_value(patients, scenario.bundles.get(hid, ()), config.policy)
        cumulative += value
        result.records.append(
            TickRecord(
                tick=tick,
                value=value,
                victims_waiting=len(scene) + len(on_road),
                patients_in_hospital=sum(len(p) for p in inpatients.values()),
                cumulative_value=cumulative,
                resolved=resolved,
            )
        )
    return result


def _scene_problem(
    scene: Mapping[int, Victim],
    idle: Mapping[int, Ambulance],
    hospitals: Mapping[int, Hospital],
    left: Mapping[int, int],
) -> AmbulanceProblem:
    return AmbulanceProblem(
        victims=tuple(scene[v] for v in sorted(scene)),
        ambulances=tuple(idle[a] for a in sorted(idle)),
        hospitals=tuple(replace(hospitals[h], capacity=left[h]) for h in sorted(hospitals)),
    )


def _resolve_scene(
    scene: Mapping[int, Victim],
    idle: Mapping[int, Ambulance],
    hospitals: Mapping[int, Hospital],
    left: Mapping[int, int],
    pending: dict[int, tuple[int, int, int]],
    tick: int,
    config: SimulationConfig,
    result: SimulationResult,
) -> None:
    if not scene:
        return
    problem = _scene_problem(scene, idle, hospitals, left)
    before: AmbulanceAllocation = {v: (a, h) for v, (a, h, _) in pending.items()}
    answer = solve(
        problem,
        config.policy,
        method=config.method,
        restarts=config.restarts,
        seed=config.seed + tick,
        prefer=before,
    ).allocation
    for vid in sorted(scene):
        new = answer.get(vid)
        assert new is None or isinstance(new, tuple)
        old = before.get(vid)
        if new == old:
            continue
        if new is None:
            del pending[vid]
        else:
            pending[vid] = (new[0], new[1], tick)
        result.changes.append((tick, vid, new))


def _resolve_hospital(
    patients: list[_InPatient], bundles: tuple[Bundle, ...], tick: int, config: SimulationConfig
) -> None:
    busy = {p.bundle for p in patients if p.bundle is not None}
    free = tuple(b for b in bundles if b.id not in busy)
    waiting = [p for p in patients if p.bundle is None]
    if not free or not waiting:
        return
    problem = HospitalProblem(
        tuple(Patient(p.id, p.severity, p.procedure, p.wait) for p in waiting), free
    )
    answer = solve(
        problem, config.policy, method=config.method, restarts=config.restarts, seed=config.seed
    ).allocation
    for p in waiting:
        bundle = answer.get(p.id)
        if isinstance(bundle, int):
            p.bundle = bundle
            p.ends_at = tick + p.procedure + 1


def _scene_value(
    scene: Mapping[int, Victim],
    idle: Mapping[int, Ambulance],
    hospitals: Mapping[int, Hospital],
    left: Mapping[int, int],
    pending: Mapping[int, tuple[int, int, int]],
    policy: Policy,
) -> int:
    if not scene:
        return 0
    problem = _scene_problem(scene, idle, hospitals, left)
    allocation: AmbulanceAllocation = {v: (a, h) for v, (a, h, _) in pending.items()}
    return evaluate(problem, allocation, policy).value


def _hospital_value(patients: list[_InPatient], bundles: tuple[Bundle, ...], policy: Policy) -> int:
    if not patients:
        return 0
    problem = HospitalProblem(
        tuple(Patient(p.id, p.severity, p.procedure, p.wait) for p in patients), bundles
    )
    allocation: HospitalAllocation = {p.id: p.bundle for p in patients}
    return evaluate(problem, allocation, policy).value
