"""The adapter between an incident's rows and the allocation solvers of ``triage.mci``,
re-allocation as the situation changes, and the corrector.

**The problem.** The ambulance stage of ``specs/MCI.md``: victims still at the scene,
ambulances available at the scene, receiving hospitals with the places they have left
(``triage.hospitals``: a network site's live free staffed beds less the victims in
transit to it; another hospital's typed capacity less the victims already sent there). A victim's
attributes come from their triage: priority P1 → severity 1 (critical) and needs 3;
P2 → severity 2, needs 2; P3 → severity 2 (serious), needs 2; P4 → severity 4 (good),
needs 1. ``wait`` is the time since registration in tens of minutes (the clinical
model's time category). Ages by band (child 5, older child 14, adult 40, older adult 75)
feed the principles' ranks (``triage.mci.generate.principle_ranks``). Expectant victims
(P5, only while crisis standards of care are declared) are left out: they are
comforted at the scene and retriaged as resources free up.

**Fixed assignments.** A locked assignment (its ambulance has left) and one a person
chose in the corrector are never changed by a re-allocation: their victims, ambulances
and hospital places are taken out of the problem first. A recommendation never
overrides a person's decision; a person releases it by choosing the recommendation.

**Objective.** The incident's policy: the default, expected survivors
(``triage.mci.clinical``), maximises the expected number of survivors; the cost model
solves the thesis's objective under the social-welfare function and principle.

**Locking and the buffer.** An assignment made or changed at ``t`` may still change
until ``t + buffer``; the first re-allocation at or after that locks it: the ambulance
is en route, the victim transported. An assignment a re-allocation leaves unchanged
keeps its clock (concrete ambulances are kept where the answer allows).

**When.** After every event (``triage.queue``) and every sensing interval (the beat task
``sensing_scan`` runs each minute and re-allocates the open incidents whose interval has
passed or whose assignments are due to lock). Re-allocation is idempotent: the same
situation gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from roster.audit import audit_record, snapshot
from roster.errors import Conflict, DomainError, NotAllowed

from .hospitals import places
from .mci.clinical import clinical_solve, expected_survivors, victim_survival
from .mci.corrector import correct
from .mci.cost import evaluate
from .mci.generate import principle_ranks
from .mci.problem import Ambulance as AmbulanceItem
from .mci.problem import AmbulanceAllocation, AmbulanceProblem, Policy
from .mci.problem import Hospital as HospitalItem
from .mci.problem import Victim as VictimItem
from .mci.solve import solve
from .models import Allocation, Ambulance, Decision, Incident, ReceivingHospital, Victim
from .permissions import can_command

SEVERITY = {1: 1, 2: 2, 3: 2, 4: 4}
NEEDS = {1: 3, 2: 2, 3: 2, 4: 1}
AGE = {"child": 5, "youth": 14, "adult": 40, "older": 75}
SOLVE_SECONDS = 5.0


@dataclass(frozen=True)
class Board:
    """The allocation problem of an incident at one moment, and what is fixed."""

    problem: AmbulanceProblem
    victims: dict[int, Victim]
    ambulances: dict[int, Ambulance]
    hospitals: dict[int, ReceivingHospital]
    # victim id → (ambulance id, hospital id) of the assignments a re-allocation keeps
    fixed: dict[int, tuple[int, int]] = field(default_factory=dict)
    # current, unlocked assignments of the victims in the problem
    current: dict[int, Allocation] = field(default_factory=dict)


def _victim_item(victim: Victim, now: dt.datetime) -> VictimItem:
    waited = max(0.0, (now - victim.registered_at).total_seconds() / 60)
    age = AGE.get(victim.age_band, 40)
    return VictimItem(
        id=victim.pk, severity=SEVERITY[victim.priority], needs=NEEDS[victim.priority],
        wait=int(waited // 10), age=age, expected_years=max(1, 85 - age),
    )


def policy_of(incident: Incident) -> Policy:
    return Policy(swf=incident.swf, principle=incident.principle)  # type: ignore[arg-type]


def board_of(incident: Incident, *, now: dt.datetime | None = None, keep_person: bool = True) -> Board:
    """The incident's problem now: victims at the scene without a fixed assignment,
    ambulances available and not held, hospitals with the capacity left. With
    ``keep_person`` False (the corrector), a person's unlocked choices are in the
    problem too, so they can be changed."""
    now = now or timezone.now()
    rows = list(incident.allocations.filter(current=True).select_related("victim", "ambulance", "hospital"))
    fixed = {
        a.victim_id: (a.ambulance_id, a.hospital_id)
        for a in rows
        if a.locked or (keep_person and a.source == Allocation.Source.PERSON)
    }
    held = {a.ambulance_id for a in rows if a.victim_id in fixed}
    victims = {
        v.pk: v for v in incident.victims.filter(status=Victim.Status.SCENE, priority__lt=5)
        if v.pk not in fixed
    }
    ambulances = {
        a.pk: a for a in incident.ambulances.filter(status=Ambulance.Status.AVAILABLE) if a.pk not in held
    }
    # Places left (``triage.hospitals``): live free beds for the network's sites, the
    # typed capacity for others, less the victims sent or in transit and the fixed
    # assignments not yet locked.
    fixed_places: dict[int, int] = {}
    for a in rows:
        if not a.locked and a.victim_id in fixed:
            fixed_places[a.hospital_id] = fixed_places.get(a.hospital_id, 0) + 1
    hospitals = {h.pk: h for h in incident.hospitals.all()}
    left = places(incident, hospitals.values(), now=now, held=fixed_places)
    raw = [_victim_item(v, now) for v in victims.values()]
    ranks = principle_ranks(raw, random.Random(incident.pk))
    items = tuple(
        VictimItem(v.id, v.severity, v.needs, v.wait, v.age, v.survival_pct, v.expected_years, r)
        for v, r in zip(raw, ranks, strict=True)
    )
    problem = AmbulanceProblem(
        victims=items,
        ambulances=tuple(AmbulanceItem(a.pk, int(a.crew)) for a in ambulances.values()),
        hospitals=tuple(
            HospitalItem(h.pk, int(h.resources), left[h.pk].left, int(h.distance))
            for h in hospitals.values()
        ),
    )
    current = {a.victim_id: a for a in rows if not a.locked and a.victim_id in victims}
    return Board(problem, victims, ambulances, hospitals, fixed, current)


def _stabilise(answer: AmbulanceAllocation, before: Mapping[int, tuple[int, int]],
               crews: Mapping[int, int]) -> AmbulanceAllocation:
    """Keep each victim's ambulance where the answer gives them one of the same crew to
    the same hospital (crews are interchangeable in both objectives), so an unchanged
    assignment keeps its clock."""
    out = dict(answer)
    holder = {a[0]: v for v, a in out.items() if a is not None}
    for vid, (old_amb, old_hosp) in sorted(before.items()):
        new = out.get(vid)
        if new is None or new[1] != old_hosp or new[0] == old_amb or old_amb not in crews:
            continue
        if crews[new[0]] != crews[old_amb]:
            continue
        other = holder.get(old_amb)
        if other is not None:
            other_assignment = out[other]
            assert other_assignment is not None
            out[other] = (new[0], other_assignment[1])
            holder[new[0]] = other
        else:
            holder.pop(new[0], None)
        out[vid] = (old_amb, old_hosp)
        holder[old_amb] = vid
    return out


def recommend(incident: Incident, board: Board) -> AmbulanceAllocation:
    """The allocation the incident's policy recommends for ``board``'s problem."""
    problem = board.problem
    if not problem.victims or not problem.ambulances or not problem.hospitals:
        return {v.id: None for v in problem.victims}
    before = {vid: (a.ambulance_id, a.hospital_id) for vid, a in board.current.items()}
    if incident.objective == Incident.Objective.SURVIVORS:
        answer = clinical_solve(problem, time_limit_s=SOLVE_SECONDS).allocation
        crews = {a.id: a.crew for a in problem.ambulances}
        return _stabilise(answer, before, crews)
    result = solve(problem, policy_of(incident), time_limit_s=SOLVE_SECONDS, prefer=before)
    return {k: v for k, v in result.allocation.items() if not isinstance(v, int)}


def _lock_due(incident: Incident, now: dt.datetime) -> int:
    due = list(
        incident.allocations.select_for_update()
        .filter(current=True, locked=False, locks_at__lte=now)
        .select_related("victim", "ambulance", "hospital")
    )
    for allocation in due:
        allocation.locked, allocation.locked_at = True, now
        allocation.save(update_fields=["locked", "locked_at"])
        Victim.objects.filter(pk=allocation.victim_id).update(status=Victim.Status.TRANSPORTED)
        Ambulance.objects.filter(pk=allocation.ambulance_id).update(status=Ambulance.Status.EN_ROUTE)
        audit_record(
            actor=None, action="incident.allocation.lock", obj=incident,
            after={"object": "triage.Allocation", **snapshot(allocation)},
            rationale=f"Tag {allocation.victim.tag} left in {allocation.ambulance} for {allocation.hospital}.",
        )
    return len(due)


def _write(
    incident: Incident, board: Board, allocation: Mapping[int, tuple[int, int] | None], *,
    now: dt.datetime, source: str, actor: Any = None,
) -> int:
    """Make ``allocation`` the current one for the victims of ``board``; unchanged
    assignments keep their clock. Returns how many assignments changed."""
    changed = 0
    creates = []
    buffer = dt.timedelta(minutes=incident.buffer_minutes)
    for vid in board.victims:
        old = board.current.get(vid)
        new = allocation.get(vid)
        if old is not None and new == (old.ambulance_id, old.hospital_id):
            if old.source != source:
                old.source, old.chosen_by = source, actor if source == Allocation.Source.PERSON else None
                old.save(update_fields=["source", "chosen_by"])
            continue
        if old is not None:
            old.current = False
            old.save(update_fields=["current"])
        if new is not None:
            creates.append(Allocation(
                incident=incident, victim_id=vid, ambulance_id=new[0], hospital_id=new[1],
                proposed_at=now, locks_at=now + buffer, source=source,
                chosen_by=actor if source == Allocation.Source.PERSON else None,
            ))
        changed += 1
    # Superseded rows first, then the new ones: an ambulance is current once at a time.
    Allocation.objects.bulk_create(creates)
    return changed


@dataclass(frozen=True)
class Reallocation:
    locked: int
    changed: int


def reallocate(incident_id: int, *, now: dt.datetime | None = None) -> Reallocation | None:
    """Lock the assignments whose buffer has passed, then re-solve the rest under the
    incident's policy. Concurrent calls queue on the incident's row lock; the second
    finds nothing to change. None when the incident is gone or closed."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None or not incident.is_open:
            return None
        now = now or timezone.now()
        locked = _lock_due(incident, now)
        board = board_of(incident, now=now)
        answer = recommend(incident, board)
        changed = _write(incident, board, answer, now=now, source=Allocation.Source.RECOMMENDED)
        incident.allocated_at = now
        incident.save(update_fields=["allocated_at"])
    return Reallocation(locked, changed)


def due_for_sensing(now: dt.datetime) -> list[int]:
    """Open incidents whose sensing interval has passed, or with an assignment due to
    lock."""
    due = []
    for incident in Incident.objects.filter(status=Incident.Status.OPEN):
        last = incident.allocated_at
        if last is None or now - last >= dt.timedelta(minutes=incident.sensing_minutes) or incident.allocations.filter(
            current=True, locked=False, locks_at__lte=now
        ).exists():
            due.append(incident.pk)
    return due


# --- the corrector ----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    victim: Victim
    proposed: tuple[Ambulance, ReceivingHospital] | None
    recommended: tuple[Ambulance, ReceivingHospital] | None
    proposed_value: str
    recommended_value: str


@dataclass(frozen=True)
class Scored:
    """A proposal scored under the incident's objective, and the better allocation if
    there is one. Values are shown as text: expected survivors (higher is better) or the
    cost model's total (lower is better)."""

    objective: str
    proposal: dict[int, tuple[int, int] | None]
    proposed_value: str
    recommended: dict[int, tuple[int, int] | None]
    recommended_value: str
    better: bool
    differences: tuple[Difference, ...]
    higher_is_better: bool


def current_allocation(board: Board) -> dict[int, tuple[int, int] | None]:
    return {
        vid: ((a.ambulance_id, a.hospital_id) if (a := board.current.get(vid)) else None) for vid in board.victims
    }


def _id(ref: object) -> int:
    """An id given as a number or its digits (ASCII only); -1 for anything else."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    text = str(ref)
    return int(text) if text.isascii() and text.isdigit() else -1


def proposal_from(board: Board, raw: Mapping[str, Any]) -> dict[int, tuple[int, int] | None]:
    """Read a proposal keyed by tag number: ``{"12": ["A1", <hospital id>] or null}``
    (ambulance by call sign or id, hospital by id or name). Anything that names no victim,
    ambulance or hospital of the problem is refused naming ``allocation.<tag>``."""
    if not isinstance(raw, Mapping):
        raise DomainError("Give the allocation as tag numbers and [ambulance, hospital].", field="allocation")
    by_tag = {v.tag: v for v in board.victims.values()}
    by_sign = {a.call_sign: a for a in board.ambulances.values()}
    by_name = {h.name: h for h in board.hospitals.values()}
    out: dict[int, tuple[int, int] | None] = {vid: None for vid in board.victims}
    used: dict[int, str] = {}
    load: dict[int, int] = {}
    for tag, value in raw.items():
        where = f"allocation.{tag}"
        victim = by_tag.get(str(tag))
        if victim is None:
            raise DomainError("No victim waiting at the scene has this tag.", field=where)
        if value in (None, "", []):
            continue
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise DomainError("Give [ambulance, hospital] or null.", field=where)
        amb_ref, hosp_ref = value
        ambulance = by_sign.get(str(amb_ref)) or board.ambulances.get(_id(amb_ref))
        if ambulance is None:
            raise DomainError(f"{amb_ref} is not an ambulance available at the scene.", field=where)
        hospital = by_name.get(str(hosp_ref)) or board.hospitals.get(_id(hosp_ref))
        if hospital is None:
            raise DomainError(f"{hosp_ref} is not a receiving hospital of this incident.", field=where)
        if ambulance.pk in used:
            raise DomainError(f"{ambulance} already carries tag {used[ambulance.pk]}.", field=where)
        used[ambulance.pk] = victim.tag
        load[hospital.pk] = load.get(hospital.pk, 0) + 1
        out[victim.pk] = (ambulance.pk, hospital.pk)
    left = {h.id: h.capacity for h in board.problem.hospitals}
    for hid, n in load.items():
        if n > left.get(hid, 0):
            raise DomainError(f"{board.hospitals[hid]} can take {left.get(hid, 0)} more.", field="allocation")
    return out


def _pair(board: Board, value: tuple[int, int] | None) -> tuple[Ambulance, ReceivingHospital] | None:
    return None if value is None else (board.ambulances[value[0]], board.hospitals[value[1]])


def score(incident: Incident, board: Board, proposal: Mapping[int, tuple[int, int] | None]) -> Scored:
    """Score ``proposal`` and look for a better allocation (``triage.mci``'s corrector for
    the cost model; the exact expected-survivors optimum for the clinical objective)."""
    problem = board.problem
    proposal = {vid: proposal.get(vid) for vid in board.victims}
    diffs: list[Difference] = []
    if incident.objective == Incident.Objective.SURVIVORS:
        mine = expected_survivors(problem, proposal)
        if problem.victims and problem.ambulances and problem.hospitals:
            best = clinical_solve(problem, time_limit_s=SOLVE_SECONDS)
            better = best.expected_survivors > mine + 1e-6
        else:
            better = False
        recommended = dict(best.allocation) if better else dict(proposal)
        value = best.expected_survivors if better else mine
        hospitals = {h.id: h for h in problem.hospitals}
        items = {v.id: v for v in problem.victims}
        if better:
            recommended = _stabilise(recommended, {k: v for k, v in proposal.items() if v}, {
                a.id: a.crew for a in problem.ambulances})
            for vid in board.victims:
                old, new = proposal.get(vid), recommended.get(vid)
                if old != new:
                    p_old = victim_survival(items[vid], hospitals[old[1]] if old else None)
                    p_new = victim_survival(items[vid], hospitals[new[1]] if new else None)
                    diffs.append(Difference(board.victims[vid], _pair(board, old), _pair(board, new),
                                            f"{100 * p_old:.0f} %", f"{100 * p_new:.0f} %"))
        return Scored(incident.objective, proposal, f"{mine:.2f}", recommended, f"{value:.2f}", better,
                      tuple(diffs), True)
    policy = policy_of(incident)
    if not problem.victims:
        return Scored(incident.objective, proposal, "0", proposal, "0", False, (), False)
    correction = correct(problem, proposal, policy, time_limit_s=SOLVE_SECONDS)
    if correction.better is None:
        return Scored(incident.objective, proposal, str(correction.proposed_value), proposal,
                      str(correction.proposed_value), False, (), False)
    recommended_c = {k: v for k, v in correction.better.items() if not isinstance(v, int)}
    for d in correction.differences:
        old = d.proposed if isinstance(d.proposed, tuple) else None
        new = d.recommended if isinstance(d.recommended, tuple) else None
        diffs.append(Difference(board.victims[d.id], _pair(board, old), _pair(board, new),
                                str(d.proposed_cost), str(d.recommended_cost)))
    assert correction.better_value is not None
    return Scored(incident.objective, proposal, str(correction.proposed_value), recommended_c,
                  str(correction.better_value), True, tuple(diffs), False)


def _as_json(board: Board, allocation: Mapping[int, tuple[int, int] | None]) -> dict[str, Any]:
    return {
        board.victims[vid].tag: (None if value is None else [board.ambulances[value[0]].call_sign,
                                                             board.hospitals[value[1]].name])
        for vid, value in sorted(allocation.items())
    }


@transaction.atomic
def allocation_decide(
    *, actor: Any, incident: Incident, proposal: Mapping[str, Any], chosen: str, reason: str = "",
) -> Decision:
    """The corrector's decision: score the person's proposal (keyed by tag) against the
    best allocation, record both values, what was chosen and why (a decision row and its
    audit row), and make the chosen allocation current. A proposal chosen over the
    recommendation is kept by later re-allocations until it locks."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not can_command(actor, incident):
        raise NotAllowed("Only the incident commander and the site's coordinators decide allocations.",
                         field="incident")
    if not incident.is_open:
        raise Conflict("The incident is closed.", field="incident")
    if chosen not in Decision.Choice.values:
        raise DomainError(f"One of {', '.join(Decision.Choice.values)}.", field="chosen")
    now = timezone.now()
    board = board_of(incident, now=now, keep_person=False)
    mine = proposal_from(board, proposal)
    scored = score(incident, board, mine)
    if chosen == Decision.Choice.PROPOSED and scored.better and not reason.strip():
        raise DomainError("Say why you keep the proposal over a better allocation.", field="reason")
    decision = Decision.objects.create(
        incident=incident, objective=incident.objective, proposed=_as_json(board, mine),
        recommended=_as_json(board, scored.recommended), proposed_value=scored.proposed_value,
        recommended_value=scored.recommended_value, chosen=chosen, reason=reason.strip(), by=actor, at=now,
    )
    if chosen == Decision.Choice.PROPOSED:
        _write(incident, board, mine, now=now, source=Allocation.Source.PERSON, actor=actor)
    else:
        _write(incident, board, scored.recommended, now=now, source=Allocation.Source.RECOMMENDED)
    audit_record(
        actor=actor, action="incident.allocation.decide", obj=incident,
        after={"object": "triage.Decision", **snapshot(decision)}, rationale=reason.strip(),
    )
    return decision


def evaluate_cost(incident: Incident, board: Board, allocation: AmbulanceAllocation) -> int:
    """The cost model's value of an allocation under the incident's policy (shown beside
    expected survivors on the board)."""
    return evaluate(board.problem, allocation, policy_of(incident)).value
