"""Reading and writing the JSON file format of the specification (``REDEPLOY.md``).

Input (one object)::

    {"epochs": 3, "epoch_minutes": 60, "discount": 1.0, "equity_band": null,
     "facilities": ["A", "B"],
     "resources": [{"id": "RN", "integer": true, "critical": true, "switching_cost": 0,
                    "pool": [15]}],
     "cells": [{"facility": "A", "resource": "RN", "demand": [10, 10, 10],
                "buffer": [0, 0, 0], "fixed": [0, 0, 0], "joins": [0, 0, 0], "cost": 1,
                "fixed_cost": 1, "penalty": 10, "shortfall_cap": null}],
     "transfers": [{"from": "A", "to": "B", "resource": "RN", "cost": 0, "epochs": 1}],
     "initial": [{"facility": "A", "resource": "RN", "units": 0}],
     "in_transit": [{"from": "B", "to": "A", "resource": "RN", "units": 2, "arrives": 1}]}

Leniencies: ``pool`` may be a number or a list (its first entry is ``S_j0``; the pool
changes later only through ``joins``); a series may be a single number (the same in every
epoch) or be left out (zeros); ``fixed_cost`` defaults to ``cost``; an ``initial`` entry
may say how many of its units were ``working`` (switching is then charged in epoch 0);
an ``in_transit`` entry's arrival epoch may also be spelt ``arrival``, ``arrival_epoch``
or ``eta``.  Anything else malformed raises :class:`ProblemError` naming the field.

Output: see :func:`result_to_dict`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allocation.redeploy.problem import (
    Cell,
    Initial,
    InTransit,
    Problem,
    Resource,
    Result,
    Transfer,
)


class ProblemError(ValueError):
    """The file is not a valid problem; ``field`` names the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _number(value: Any, field: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemError(field, f"expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ProblemError(field, "must be finite")
    if minimum is not None and number < minimum:
        raise ProblemError(field, f"must be at least {minimum:g}")
    return number


def _optional_number(value: Any, field: str, *, minimum: float | None = None) -> float | None:
    return None if value is None else _number(value, field, minimum=minimum)


def _integer(value: Any, field: str, *, minimum: int | None = None) -> int:
    number = _number(value, field, minimum=minimum)
    if number != int(number):
        raise ProblemError(field, "must be a whole number")
    return int(number)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(field, "expected a non-empty string")
    return value


def _series(value: Any, epochs: int, field: str, *, minimum: float | None) -> tuple[float, ...]:
    if value is None:
        return (0.0,) * epochs
    if not isinstance(value, list):
        return (_number(value, field, minimum=minimum),) * epochs
    if len(value) != epochs:
        raise ProblemError(field, f"expected {epochs} values, got {len(value)}")
    return tuple(_number(v, f"{field}[{t}]", minimum=minimum) for t, v in enumerate(value))


def _objects(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list):
        raise ProblemError(key, "expected a list")
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ProblemError(f"{key}[{n}]", "expected an object")
    return items


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """Read a problem from the specification's JSON object (see the module docstring)."""
    if not isinstance(data, dict):
        raise ProblemError("problem", "expected a JSON object")
    epochs = _integer(data.get("epochs"), "epochs", minimum=1)
    facilities_raw = data.get("facilities")
    if not isinstance(facilities_raw, list) or not facilities_raw:
        raise ProblemError("facilities", "expected a non-empty list of names")
    facilities = tuple(_text(f, f"facilities[{n}]") for n, f in enumerate(facilities_raw))
    if len(set(facilities)) != len(facilities):
        raise ProblemError("facilities", "names must be unique")
    known_facilities = set(facilities)

    resources: list[Resource] = []
    for n, raw in enumerate(_objects(data, "resources")):
        where = f"resources[{n}]"
        pool_raw = raw.get("pool", 0)
        if isinstance(pool_raw, list):
            pool_raw = pool_raw[0] if pool_raw else 0
        resources.append(Resource(
            id=_text(raw.get("id"), f"{where}.id"),
            integer=bool(raw.get("integer", True)),
            critical=bool(raw.get("critical", False)),
            switching_cost=_number(raw.get("switching_cost", 0), f"{where}.switching_cost",
                                   minimum=0),
            pool=_number(pool_raw, f"{where}.pool", minimum=0),
        ))
    if not resources:
        raise ProblemError("resources", "expected at least one resource type")
    if len({r.id for r in resources}) != len(resources):
        raise ProblemError("resources", "ids must be unique")
    known_resources = {r.id for r in resources}

    def facility(value: Any, field: str) -> str:
        name = _text(value, field)
        if name not in known_facilities:
            raise ProblemError(field, f"unknown facility {name!r}")
        return name

    def resource(value: Any, field: str) -> str:
        name = _text(value, field)
        if name not in known_resources:
            raise ProblemError(field, f"unknown resource {name!r}")
        return name

    cells: list[Cell] = []
    seen: set[tuple[str, str]] = set()
    for n, raw in enumerate(_objects(data, "cells")):
        where = f"cells[{n}]"
        key = (facility(raw.get("facility"), f"{where}.facility"),
               resource(raw.get("resource"), f"{where}.resource"))
        if key in seen:
            raise ProblemError(where, f"a second cell for {key[0]} / {key[1]}")
        seen.add(key)
        cells.append(Cell(
            facility=key[0],
            resource=key[1],
            demand=_series(raw.get("demand"), epochs, f"{where}.demand", minimum=0),
            buffer=_series(raw.get("buffer"), epochs, f"{where}.buffer", minimum=0),
            fixed=_series(raw.get("fixed"), epochs, f"{where}.fixed", minimum=0),
            joins=_series(raw.get("joins"), epochs, f"{where}.joins", minimum=None),
            cost=_number(raw.get("cost", 0), f"{where}.cost"),
            fixed_cost=_optional_number(raw.get("fixed_cost"), f"{where}.fixed_cost"),
            penalty=_number(raw.get("penalty", 0), f"{where}.penalty"),
            shortfall_cap=_optional_number(raw.get("shortfall_cap"), f"{where}.shortfall_cap",
                                           minimum=0),
        ))

    transfers: list[Transfer] = []
    for n, raw in enumerate(_objects(data, "transfers")):
        where = f"transfers[{n}]"
        source = facility(raw.get("from"), f"{where}.from")
        target = facility(raw.get("to"), f"{where}.to")
        if source == target:
            raise ProblemError(where, "a transfer needs two different facilities")
        transfers.append(Transfer(
            source=source, target=target,
            resource=resource(raw.get("resource"), f"{where}.resource"),
            cost=_number(raw.get("cost", 0), f"{where}.cost"),
            epochs=_integer(raw.get("epochs", 1), f"{where}.epochs", minimum=0),
        ))

    initial: list[Initial] = []
    for n, raw in enumerate(_objects(data, "initial")):
        where = f"initial[{n}]"
        initial.append(Initial(
            facility=facility(raw.get("facility"), f"{where}.facility"),
            resource=resource(raw.get("resource"), f"{where}.resource"),
            units=_number(raw.get("units", 0), f"{where}.units", minimum=0),
            working=_optional_number(raw.get("working"), f"{where}.working", minimum=0),
        ))

    in_transit: list[InTransit] = []
    for n, raw in enumerate(_objects(data, "in_transit")):
        where = f"in_transit[{n}]"
        arrives: Any = None
        for spelling in ("arrives", "arrival", "arrival_epoch", "eta"):
            if spelling in raw:
                arrives = raw[spelling]
                break
        origin = raw.get("from")
        in_transit.append(InTransit(
            target=facility(raw.get("to"), f"{where}.to"),
            resource=resource(raw.get("resource"), f"{where}.resource"),
            units=_number(raw.get("units", 0), f"{where}.units", minimum=0),
            arrives=_integer(arrives, f"{where}.arrives", minimum=0),
            source=facility(origin, f"{where}.from") if origin is not None else "",
        ))

    band = _optional_number(data.get("equity_band"), "equity_band", minimum=0)
    discount = _number(data.get("discount", 1.0), "discount")
    if not 0 < discount <= 1:
        raise ProblemError("discount", "must lie in (0, 1]")
    return Problem(
        epochs=epochs,
        facilities=facilities,
        resources=tuple(resources),
        cells=tuple(cells),
        transfers=tuple(transfers),
        initial=tuple(initial),
        in_transit=tuple(in_transit),
        epoch_minutes=_integer(data.get("epoch_minutes", 60), "epoch_minutes", minimum=1),
        discount=discount,
        equity_band=band,
    )


def load_problem(path: str | Path) -> Problem:
    """Read a problem file; a file that is not JSON raises :class:`ProblemError`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProblemError("file", f"not valid JSON ({exc})") from exc
    return problem_from_dict(data)


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem in the specification's format (``load_problem`` reads it back)."""
    return {
        "epochs": problem.epochs,
        "epoch_minutes": problem.epoch_minutes,
        "discount": problem.discount,
        "equity_band": problem.equity_band,
        "facilities": list(problem.facilities),
        "resources": [
            {"id": r.id, "integer": r.integer, "critical": r.critical,
             "switching_cost": r.switching_cost, "pool": [r.pool]}
            for r in problem.resources
        ],
        "cells": [
            {"facility": c.facility, "resource": c.resource, "demand": list(c.demand),
             "buffer": list(c.buffer), "fixed": list(c.fixed), "joins": list(c.joins),
             "cost": c.cost, "fixed_cost": c.unit_fixed_cost, "penalty": c.penalty,
             "shortfall_cap": c.shortfall_cap}
            for c in problem.cells
        ],
        "transfers": [
            {"from": tr.source, "to": tr.target, "resource": tr.resource, "cost": tr.cost,
             "epochs": tr.epochs}
            for tr in problem.transfers
        ],
        "initial": [
            {"facility": e.facility, "resource": e.resource, "units": e.units,
             **({"working": e.working} if e.working is not None else {})}
            for e in problem.initial
        ],
        "in_transit": [
            {"from": e.source or None, "to": e.target, "resource": e.resource,
             "units": e.units, "arrives": e.arrives}
            for e in problem.in_transit
        ],
    }


def _clean(value: float, whole: bool) -> float | int:
    """Whole numbers for integer resources, and no ``-0.0`` or 1e-12 noise in the file."""
    if whole:
        return round(value)
    rounded = round(value, 6)
    return 0.0 if rounded == 0 else rounded


def result_to_dict(problem: Problem, result: Result) -> dict[str, Any]:
    """The output object of the specification.

    Keys: ``status`` (``optimal``, ``feasible`` when the time ran out with a plan not
    proved optimal, ``fallback`` when the solver failed and the proportional rule
    planned), ``objective`` (the plan's cost, discounted, without relaxation penalties),
    ``bound``, ``gap``, ``penalty`` (added by relaxations), ``cells`` (one object per
    (facility, resource) with the lists ``x``, ``y``, ``u``, ``q``, ``w`` indexed by
    epoch: the input's cells in their order, then pairs without a cell where mobile
    units waited, with only ``q`` non-zero), ``z`` (the transfers: ``from``, ``to``, ``resource``, ``epoch`` (departure),
    ``arrives`` (arrival epoch), ``units``; only non-zero ones), ``shadow_prices``
    (``resource``, ``epoch``, ``value``, ``facility`` where the unit is worth most),
    ``bottleneck`` (the largest shadow price or ``null``), ``equity_price`` (``null``
    without a band) and ``equity_prices`` per epoch, ``relaxed`` (``constraint``,
    ``facility``, ``resource``, ``epoch``, ``amount``, ``text``), ``alerts``,
    ``solver``, ``message``, ``seconds`` (wall time) and ``lp_seconds`` (the LPs'
    time added up over the blocks of resource types, which may run side by side).
    """
    whole = {r.id: r.integer for r in problem.resources}
    bottleneck = result.bottleneck()
    return {
        "status": result.status,
        "objective": round(result.objective, 6),
        "bound": _finite(result.bound),
        "gap": _finite(result.gap),
        "penalty": round(result.penalty, 6),
        "cells": [
            {"facility": p.facility, "resource": p.resource,
             **{name: [_clean(v, whole[p.resource]) for v in getattr(p, name)]
                for name in ("x", "y", "u", "q", "w")}}
            for p in result.plans
        ],
        "z": [
            {"from": m.source, "to": m.target, "resource": m.resource, "epoch": m.depart,
             "arrives": m.arrive, "units": _clean(m.units, whole[m.resource])}
            for m in result.moves
        ],
        "shadow_prices": [
            {"resource": s.resource, "epoch": s.epoch, "value": _clean(s.value, False),
             "facility": s.facility or None}
            for s in result.shadow_prices
        ],
        "bottleneck": None if bottleneck is None else {
            "resource": bottleneck.resource, "epoch": bottleneck.epoch,
            "value": _clean(bottleneck.value, False), "facility": bottleneck.facility or None,
        },
        "equity_price": (None if result.equity_price is None
                         else _clean(result.equity_price, False)),
        "equity_prices": [_clean(v, False) for v in result.equity_prices],
        "relaxed": [
            {"constraint": r.kind, "facility": r.facility or None,
             "resource": r.resource or None, "epoch": r.epoch,
             "amount": _clean(r.amount, False), "text": r.text()}
            for r in result.relaxed
        ],
        "alerts": list(result.alerts),
        "solver": result.solver,
        "message": result.message,
        "seconds": round(result.seconds, 3),
        "lp_seconds": round(result.lp_seconds, 3),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unknown bound or gap is ``null``."""
    return round(value, 9) if math.isfinite(value) else None


def dumps(problem: Problem, result: Result) -> str:
    return json.dumps(result_to_dict(problem, result))


__all__ = [
    "ProblemError",
    "dumps",
    "load_problem",
    "problem_from_dict",
    "problem_to_dict",
    "result_to_dict",
]

