"""The cost model of both stages (Shaft 2014, as ``specs/MCI.md`` states it); lower is better.

Ambulance stage, victim of severity ``s`` and needs ``r``:

* carried by an ambulance with crew ``a`` to a hospital of resource level ``R`` at distance
  ``d``: ``d + 3 + 4·(2 − a) + s·a + c_res`` with ``c_res = 2 + (R − r)`` if ``R ≥ r``,
  else ``4 + (r − R)``;
* not carried: ``29 − s``;
* total = SWF(single costs) + 2 × victims not carried + Σ over hospitals of
  ``10 × (n − capacity)`` if ``n > capacity`` else ``capacity − n`` (``n`` = victims this
  allocation sends there; a hospital's ``current`` patients are not part of the cost, its
  ``capacity`` already counts new victims only).

Hospital stage, patient of severity ``s`` needing procedure ``p``:

* given a bundle of type ``t``: ``34 − t·(5 − s) − skill[t][p]``; not given one: ``40 − s``;
* total = SWF(single costs) + 2 × patients without a bundle.

SWF: utilitarian = sum, egalitarian = max, Nash = product.  The penalties are added after
the SWF.  Under a policy the victim's rank is added to its single cost first.  Every value
here is an exact integer (a Nash product of 300 costs has ~430 digits; Python integers hold
it, and comparisons between them are exact, which is what "compare in logarithms" asks of
floating point).

Internally both stages become one :class:`Compact` form: *items* (victims or patients),
*options* (a class of interchangeable units × a site), the cost of every item under every
option, and unit counts per class.  Ambulances with the same crew, and bundles of the same
type, are interchangeable in the cost model, so the solvers work on classes and
:func:`materialize` picks concrete ids afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from triage.mci.problem import (
    Allocation,
    AllocationLike,
    AmbulanceAllocation,
    AmbulanceProblem,
    HospitalAllocation,
    HospitalProblem,
    Patient,
    Policy,
    Problem,
    Victim,
)

# Skill of bundle type A–F (rows) on procedure A–E (columns): 1 low, 2 medium, 3 high.
SKILL: tuple[tuple[int, ...], ...] = (
    (1, 1, 1, 2, 2),
    (2, 2, 1, 1, 1),
    (2, 3, 2, 3, 1),
    (2, 2, 1, 1, 2),
    (3, 2, 2, 3, 2),
    (2, 3, 3, 2, 3),
)

UNASSIGNED_PENALTY = 2
OVER_CAPACITY = 10
UNDER_CAPACITY = 1


def ambulance_cost(severity: int, needs: int, crew: int, resources: int, distance: int) -> int:
    """Single cost of a victim carried by a crew to a hospital."""
    c_res = 2 + (resources - needs) if resources >= needs else 4 + (needs - resources)
    return distance + 3 + 4 * (2 - crew) + severity * crew + c_res


def ambulance_unassigned_cost(severity: int) -> int:
    return 29 - severity


def hospital_cost(severity: int, procedure: int, bundle_type: int) -> int:
    """Single cost of a patient given a bundle."""
    return 34 - bundle_type * (5 - severity) - SKILL[bundle_type - 1][procedure - 1]


def hospital_unassigned_cost(severity: int) -> int:
    return 40 - severity


def capacity_term(n: int, capacity: int) -> int:
    """A hospital's term: 10 per victim over capacity, 1 per place left free."""
    return OVER_CAPACITY * (n - capacity) if n > capacity else UNDER_CAPACITY * (capacity - n)


def swf_value(swf: str, costs: Sequence[int]) -> int:
    """Sum, max (0 for nobody) or product (1 for nobody) of the single costs."""
    if swf == "utilitarian":
        return sum(costs)
    if swf == "egalitarian":
        return max(costs, default=0)
    return math.prod(costs)


@dataclass(frozen=True)
class Compact:
    """Items × options form of either stage.

    Option ``k`` (0 ≤ k < K) uses one unit of class ``option_class[k]`` and sends the item
    to site ``option_site[k]`` (a hospital index, or −1 in the hospital stage).  Index ``K``
    stands for "not assigned".  ``cost[i][k]`` is the single cost without the rank term;
    ``cost[i][K]`` the cost of leaving item ``i`` unassigned.
    """

    stage: str
    item_ids: tuple[int, ...]
    cost: tuple[tuple[int, ...], ...]
    rank: tuple[int, ...]
    option_class: tuple[int, ...]
    option_site: tuple[int, ...]
    class_units: tuple[tuple[int, ...], ...]
    site_ids: tuple[int, ...]
    site_capacity: tuple[int, ...]
    swf: str

    @property
    def num_options(self) -> int:
        return len(self.option_class)

    def option_of(self, unit_class: int, site: int) -> int:
        for k in range(self.num_options):
            if self.option_class[k] == unit_class and self.option_site[k] == site:
                return k
        raise KeyError((unit_class, site))


def compact(problem: Problem, policy: Policy) -> Compact:
    """The items × options form of ``problem`` under ``policy``; items in id order."""
    if isinstance(problem, AmbulanceProblem):
        victims = sorted(problem.victims, key=lambda v: v.id)
        crews = sorted({a.crew for a in problem.ambulances})
        units = tuple(tuple(sorted(a.id for a in problem.ambulances if a.crew == c)) for c in crews)
        hospitals = sorted(problem.hospitals, key=lambda h: h.id)
        option_class = tuple(c for c in range(len(crews)) for _ in hospitals)
        option_site = tuple(s for _ in crews for s in range(len(hospitals)))
        cost = tuple(
            (
                *tuple(
                    ambulance_cost(
                        v.severity, v.needs, crews[c], hospitals[s].resources, hospitals[s].distance
                    )
                    for c, s in zip(option_class, option_site, strict=True)
                ),
                ambulance_unassigned_cost(v.severity),
            )
            for v in victims
        )
        return Compact(
            stage="ambulance",
            item_ids=tuple(v.id for v in victims),
            cost=cost,
            rank=tuple(v.rank(policy.principle) for v in victims),
            option_class=option_class,
            option_site=option_site,
            class_units=units,
            site_ids=tuple(h.id for h in hospitals),
            site_capacity=tuple(h.capacity for h in hospitals),
            swf=policy.swf,
        )
    patients = sorted(problem.patients, key=lambda p: p.id)
    types = sorted({b.type for b in problem.bundles})
    units = tuple(tuple(sorted(b.id for b in problem.bundles if b.type == t)) for t in types)
    cost = tuple(
        (
            *tuple(hospital_cost(p.severity, p.procedure, t) for t in types),
            hospital_unassigned_cost(p.severity),
        )
        for p in patients
    )
    return Compact(
        stage="hospital",
        item_ids=tuple(p.id for p in patients),
        cost=cost,
        rank=tuple(p.rank(policy.principle) for p in patients),
        option_class=tuple(range(len(types))),
        option_site=tuple(-1 for _ in types),
        class_units=units,
        site_ids=(),
        site_capacity=(),
        swf=policy.swf,
    )


Plan = list[int]
"""Option index per item (``K`` = not assigned), items in :attr:`Compact.item_ids` order."""


def plan_total(model: Compact, plan: Sequence[int], *, with_rank: bool = True) -> int:
    """The total of a plan: SWF of the single costs, then the penalties."""
    k_null = model.num_options
    singles = [model.cost[i][k] + (model.rank[i] if with_rank else 0) for i, k in enumerate(plan)]
    total = swf_value(model.swf, singles)
    total += UNASSIGNED_PENALTY * sum(1 for k in plan if k == k_null)
    counts = [0] * len(model.site_ids)
    for k in plan:
        if k != k_null and model.option_site[k] >= 0:
            counts[model.option_site[k]] += 1
    total += sum(capacity_term(n, cap) for n, cap in zip(counts, model.site_capacity, strict=True))
    return total


def plan_of(model: Compact, allocation: AllocationLike) -> Plan:
    """The plan of a concrete allocation (ids already checked by the reader)."""
    unit_class = {u: c for c, units in enumerate(model.class_units) for u in units}
    site_index = {h: s for s, h in enumerate(model.site_ids)}
    plan = [model.num_options] * len(model.item_ids)
    for i, ident in enumerate(model.item_ids):
        value = allocation.get(ident)
        if value is None:
            continue
        if isinstance(value, tuple):
            plan[i] = model.option_of(unit_class[value[0]], site_index[value[1]])
        else:
            plan[i] = model.option_of(unit_class[value], -1)
    return plan


def materialize(
    model: Compact,
    plan: Sequence[int],
    prefer: AllocationLike | None = None,
    order: Sequence[int] | None = None,
) -> Allocation:
    """Concrete ids for a plan: the unit an item had in ``prefer`` is kept when it is of the
    right class; the others get the lowest free ids of their class, items taken in
    ``order`` (item indices; id order by default)."""
    k_null = model.num_options
    unit_class = {u: c for c, units in enumerate(model.class_units) for u in units}
    taken: set[int] = set()
    chosen: dict[int, int] = {}
    prefer = prefer or {}
    for i, ident in enumerate(model.item_ids):
        k = plan[i]
        if k == k_null:
            continue
        old = prefer.get(ident)
        unit = old[0] if isinstance(old, tuple) else old
        if unit is not None and unit_class.get(unit) == model.option_class[k] and unit not in taken:
            chosen[i] = unit
            taken.add(unit)
    for i in order if order is not None else range(len(model.item_ids)):
        k = plan[i]
        if k == k_null or i in chosen:
            continue
        unit = next(u for u in model.class_units[model.option_class[k]] if u not in taken)
        chosen[i] = unit
        taken.add(unit)
    if model.stage == "ambulance":
        amb: AmbulanceAllocation = {}
        for i, ident in enumerate(model.item_ids):
            k = plan[i]
            amb[ident] = None if k == k_null else (chosen[i], model.site_ids[model.option_site[k]])
        return amb
    hosp: HospitalAllocation = {}
    for i, ident in enumerate(model.item_ids):
        hosp[ident] = None if plan[i] == k_null else chosen[i]
    return hosp


@dataclass(frozen=True)
class Evaluation:
    """An allocation's value under a policy.

    ``value`` includes the rank term; ``value_without_rank`` does not.  ``single_costs``
    (by item id) include the rank term; ``penalties`` = unassigned + capacity terms.
    """

    value: int
    value_without_rank: int
    single_costs: dict[int, int]
    unassigned: int
    penalties: int

    @property
    def log10_value(self) -> float:
        return _log10(self.value)


def _log10(value: int) -> float:
    if value <= 0:
        return float("-inf") if value == 0 else float("nan")
    digits = len(str(value))
    if digits < 300:
        return math.log10(value)
    return math.log10(value // 10 ** (digits - 20)) + digits - 20


def evaluate_plan(model: Compact, plan: Sequence[int]) -> Evaluation:
    value = plan_total(model, plan)
    k_null = model.num_options
    singles = {
        ident: model.cost[i][plan[i]] + model.rank[i] for i, ident in enumerate(model.item_ids)
    }
    unassigned = sum(1 for k in plan if k == k_null)
    penalties = value - swf_value(model.swf, list(singles.values()))
    return Evaluation(
        value=value,
        value_without_rank=plan_total(model, plan, with_rank=False),
        single_costs=singles,
        unassigned=unassigned,
        penalties=penalties,
    )


def evaluate(problem: Problem, allocation: AllocationLike, policy: Policy) -> Evaluation:
    """Score a concrete allocation of ``problem`` under ``policy``."""
    model = compact(problem, policy)
    return evaluate_plan(model, plan_of(model, allocation))


def single_cost(item: Victim | Patient, problem: Problem, assignment: object) -> int:
    """Single cost (no rank term) of one victim or patient under one assignment."""
    if isinstance(problem, AmbulanceProblem):
        assert isinstance(item, Victim)
        if assignment is None:
            return ambulance_unassigned_cost(item.severity)
        assert isinstance(assignment, tuple)
        crew = next(a.crew for a in problem.ambulances if a.id == assignment[0])
        hosp = next(h for h in problem.hospitals if h.id == assignment[1])
        return ambulance_cost(item.severity, item.needs, crew, hosp.resources, hosp.distance)
    assert isinstance(problem, HospitalProblem) and isinstance(item, Patient)
    if assignment is None:
        return hospital_unassigned_cost(item.severity)
    btype = next(b.type for b in problem.bundles if b.id == assignment)
    return hospital_cost(item.severity, item.procedure, btype)
