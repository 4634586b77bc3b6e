"""Reading and writing the problem and allocation files of ``specs/MCI.md``.

Problem::

    {"stage": "ambulance", "victims": [...], "ambulances": [...], "hospitals": [...]}
    {"stage": "hospital", "patients": [...], "resources": [{"id": 11, "type": 2}]}

Allocation::

    {"allocation": {"1": [36, 33], "2": null}}     # ambulance stage
    {"allocation": {"1": 11, "5": null}}           # hospital stage

Malformed input raises :class:`FormatError` naming the offending field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from triage.mci.problem import (
    Allocation,
    Ambulance,
    AmbulanceAllocation,
    AmbulanceProblem,
    Bundle,
    Hospital,
    HospitalAllocation,
    HospitalProblem,
    Patient,
    Problem,
    Victim,
)


class FormatError(ValueError):
    """A problem or allocation file does not follow the format; the message names the field."""


def _int(obj: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    if key not in obj:
        if default is None:
            raise FormatError(f"{where}.{key}: missing")
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise FormatError(f"{where}.{key}: expected an integer, got {value!r}")
    return int(value)


def _in_range(value: int, low: int, high: int, field: str) -> int:
    if not low <= value <= high:
        raise FormatError(f"{field}: {value} is outside {low}..{high}")
    return value


def _ranks(obj: Mapping[str, Any], where: str) -> dict[str, int]:
    raw = obj.get("ranks", {})
    if not isinstance(raw, dict):
        raise FormatError(f"{where}.ranks: expected an object")
    return {str(k): _int(raw, k, f"{where}.ranks") for k in raw}


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise FormatError(f"{key}: expected a list of objects")
    ids = [x.get("id") for x in items]
    if len(set(map(str, ids))) != len(ids):
        raise FormatError(f"{key}: ids are not unique")
    return items


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """Build a problem from its JSON object."""
    stage = data.get("stage", "ambulance")
    if stage == "ambulance":
        victims = []
        for n, v in enumerate(_list(data, "victims")):
            w = f"victims[{n}]"
            victims.append(
                Victim(
                    id=_int(v, "id", w),
                    severity=_in_range(_int(v, "severity", w), 1, 4, f"{w}.severity"),
                    needs=_in_range(_int(v, "needs", w), 1, 3, f"{w}.needs"),
                    wait=_int(v, "wait", w, 0),
                    age=_int(v, "age", w, 0),
                    survival_pct=_int(v, "survival_pct", w, 0),
                    expected_years=_int(v, "expected_years", w, 0),
                    ranks=_ranks(v, w),
                )
            )
        ambulances = tuple(
            Ambulance(
                id=_int(a, "id", f"ambulances[{n}]"),
                crew=_in_range(_int(a, "crew", f"ambulances[{n}]"), 1, 2, f"ambulances[{n}].crew"),
            )
            for n, a in enumerate(_list(data, "ambulances"))
        )
        hospitals = []
        for n, h in enumerate(_list(data, "hospitals")):
            w = f"hospitals[{n}]"
            hospitals.append(
                Hospital(
                    id=_int(h, "id", w),
                    resources=_in_range(_int(h, "resources", w), 1, 3, f"{w}.resources"),
                    capacity=_int(h, "capacity", w),
                    distance=_in_range(_int(h, "distance", w), 1, 3, f"{w}.distance"),
                    current=_int(h, "current", w, 0),
                )
            )
        return AmbulanceProblem(tuple(victims), ambulances, tuple(hospitals))
    if stage == "hospital":
        patients = []
        for n, p in enumerate(_list(data, "patients")):
            w = f"patients[{n}]"
            patients.append(
                Patient(
                    id=_int(p, "id", w),
                    severity=_in_range(_int(p, "severity", w), 1, 5, f"{w}.severity"),
                    procedure=_in_range(_int(p, "procedure", w), 1, 5, f"{w}.procedure"),
                    wait=_int(p, "wait", w, 0),
                    age=_int(p, "age", w, 0),
                    survival_pct=_int(p, "survival_pct", w, 0),
                    expected_years=_int(p, "expected_years", w, 0),
                    ranks=_ranks(p, w),
                )
            )
        # "resources" is the file format's key; "bundles" is accepted as its other name
        key = "resources" if "resources" in data or "bundles" not in data else "bundles"
        bundles = tuple(
            Bundle(
                id=_int(b, "id", f"{key}[{n}]"),
                type=_in_range(_int(b, "type", f"{key}[{n}]"), 1, 6, f"{key}[{n}].type"),
            )
            for n, b in enumerate(_list(data, key))
        )
        return HospitalProblem(tuple(patients), bundles)
    raise FormatError(f"stage: expected 'ambulance' or 'hospital', got {stage!r}")


def _person(p: Victim | Patient, key: str, value: int) -> dict[str, Any]:
    return {
        "id": p.id,
        "severity": p.severity,
        key: value,
        "wait": p.wait,
        "age": p.age,
        "survival_pct": p.survival_pct,
        "expected_years": p.expected_years,
        "ranks": dict(p.ranks),
    }


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON object of a problem (inverse of :func:`problem_from_dict`)."""
    if isinstance(problem, AmbulanceProblem):
        return {
            "stage": "ambulance",
            "victims": [_person(v, "needs", v.needs) for v in problem.victims],
            "ambulances": [{"id": a.id, "crew": a.crew} for a in problem.ambulances],
            "hospitals": [
                {
                    "id": h.id,
                    "resources": h.resources,
                    "capacity": h.capacity,
                    "distance": h.distance,
                    "current": h.current,
                }
                for h in problem.hospitals
            ],
        }
    return {
        "stage": "hospital",
        "patients": [_person(p, "procedure", p.procedure) for p in problem.patients],
        "resources": [{"id": b.id, "type": b.type} for b in problem.bundles],
    }


def allocation_from_dict(problem: Problem, data: Mapping[str, Any]) -> Allocation:
    """Read an allocation object for ``problem``; ids are checked against the problem, and
    an ambulance or bundle given twice is refused (one victim per trip, one patient per
    bundle)."""
    raw = data.get("allocation") if "allocation" in data else data
    if not isinstance(raw, dict):
        raise FormatError("allocation: expected an object of id → assignment")
    used: dict[int, int] = {}
    if isinstance(problem, AmbulanceProblem):
        victim_ids = {v.id for v in problem.victims}
        ambulance_ids = {a.id for a in problem.ambulances}
        hospital_ids = {h.id for h in problem.hospitals}
        amb: AmbulanceAllocation = {}
        for key, value in raw.items():
            vid = _key(key, victim_ids)
            if value is None:
                amb[vid] = None
                continue
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in value)
            ):
                raise FormatError(f"allocation.{key}: expected [ambulance id, hospital id] or null")
            a_id, h_id = value
            if a_id not in ambulance_ids:
                raise FormatError(f"allocation.{key}: unknown ambulance {a_id}")
            if h_id not in hospital_ids:
                raise FormatError(f"allocation.{key}: unknown hospital {h_id}")
            if a_id in used:
                raise FormatError(
                    f"allocation.{key}: ambulance {a_id} already carries victim {used[a_id]}"
                )
            used[a_id] = vid
            amb[vid] = (a_id, h_id)
        return amb
    patient_ids = {p.id for p in problem.patients}
    bundle_ids = {b.id for b in problem.bundles}
    hosp: HospitalAllocation = {}
    for key, value in raw.items():
        pid = _key(key, patient_ids)
        if value is None:
            hosp[pid] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormatError(f"allocation.{key}: expected a bundle id or null")
        if value not in bundle_ids:
            raise FormatError(f"allocation.{key}: unknown bundle {value}")
        if value in used:
            raise FormatError(
                f"allocation.{key}: bundle {value} already serves patient {used[value]}"
            )
        used[value] = pid
        hosp[pid] = value
    return hosp


def _key(key: str, ids: set[int]) -> int:
    try:
        ident = int(key)
    except ValueError:
        raise FormatError(f"allocation.{key}: not an id") from None
    if ident not in ids:
        raise FormatError(f"allocation.{key}: unknown id")
    return ident


def allocation_to_dict(allocation: Allocation) -> dict[str, Any]:
    """The JSON object of an allocation, keys in id order."""
    out: dict[str, Any] = {}
    for ident in sorted(allocation):
        value = allocation[ident]
        out[str(ident)] = list(value) if isinstance(value, tuple) else value
    return {"allocation": out}


def read_problem(path: str | Path) -> Problem:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"problem: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FormatError("problem: expected a JSON object")
    return problem_from_dict(data)


def write_problem(path: str | Path, problem: Problem) -> None:
    Path(path).write_text(json.dumps(problem_to_dict(problem), indent=1) + "\n", encoding="utf-8")


def read_allocation(path: str | Path, problem: Problem) -> Allocation:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FormatError(f"allocation: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FormatError("allocation: expected a JSON object")
    return allocation_from_dict(problem, data)


def write_allocation(path: str | Path, allocation: Allocation) -> None:
    Path(path).write_text(json.dumps(allocation_to_dict(allocation)) + "\n", encoding="utf-8")
