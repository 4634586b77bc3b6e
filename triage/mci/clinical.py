"""A clinical objective for the ambulance stage: the expected number of survivors.

Survival falls with the time to definitive care, by triage category, along the
"shifted log-logistic" curves of Mills, Argon and Ziya (2013), "Resource-based patient
prioritization in mass-casualty incidents", *Manufacturing & Service Operations Management*
15(3):361–377, fitted to the time-dependent survival estimates of Sacco et al. (2005),
"Precise formulation and evidence-based application of resource-constrained triage",
*Academic Emergency Medicine* 12(8):759–770 (RPM score, Pennsylvania Trauma Outcome Study):

    p(t) = β0 / ((t / β1) ** β2 + 1)        (t in minutes)

* immediate (severity 1, critical):  β0 = 0.3510, β1 = 35.838,   β2 = 1.9886
* delayed (severity 2, serious):     β0 = 0.9124, β1 = 213.5976, β2 = 2.3445
* minor (severity 3 fair, 4 good):   flat, p(t) = 1 (no time-critical risk in the model)

These are the fits for penetrating trauma; other injury mechanisms have their own.  Check the values against the paper before using the numbers clinically: the
allocation it recommends depends on the shape (the immediate class loses half its chance in
about 36 minutes, the delayed class in about 3.5 hours) more than on the exact figures.

When a victim has a ``survival_pct`` (the triage officer's estimate if treated now), it
replaces β0, so the curve gives that victim's own chance scaled by the category's decline.

Times (our assumptions, stated so they can be changed): one ``wait`` category is
10 minutes; the drive is 10, 20 or 40 minutes for distance 1, 2, 3; a hospital whose
resource level is below the victim's needs adds a 30-minute secondary transfer per level
short; a victim left without an ambulance this round is taken on the next one, 60 minutes
later, to a medium-distance hospital able to treat them.  Ambulances and hospital
capacities are hard limits here (one victim per ambulance, at most ``capacity`` victims per
hospital): this objective counts lives, not the thesis's soft costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from triage.mci.cost import compact, materialize
from triage.mci.problem import AmbulanceAllocation, AmbulanceProblem, Hospital, Policy, Victim

CURVES: dict[str, tuple[float, float, float]] = {
    "immediate": (0.3510, 35.838, 1.9886),
    "delayed": (0.9124, 213.5976, 2.3445),
}
WAIT_MINUTES = 10
DRIVE_MINUTES = {1: 10, 2: 20, 3: 40}
TRANSFER_MINUTES = 30
NEXT_ROUND_MINUTES = 60
SCALE = 1_000_000


def category(severity: int) -> str:
    return "immediate" if severity == 1 else "delayed" if severity == 2 else "minor"


def survival(severity: int, minutes: float, start_pct: int = 0) -> float:
    """Probability of survival when definitive care starts after ``minutes``."""
    cat = category(severity)
    if cat == "minor":
        return 1.0 if start_pct <= 0 else start_pct / 100
    b0, b1, b2 = CURVES[cat]
    if start_pct > 0:
        b0 = start_pct / 100
    return float(b0 / ((max(0.0, minutes) / b1) ** b2 + 1))


def minutes_to_care(victim: Victim, hospital: Hospital | None) -> float:
    base = victim.wait * WAIT_MINUTES
    if hospital is None:
        return base + NEXT_ROUND_MINUTES + DRIVE_MINUTES[2]
    short = max(0, victim.needs - hospital.resources)
    return base + DRIVE_MINUTES[hospital.distance] + TRANSFER_MINUTES * short


def victim_survival(victim: Victim, hospital: Hospital | None) -> float:
    return survival(victim.severity, minutes_to_care(victim, hospital), victim.survival_pct)


def expected_survivors(problem: AmbulanceProblem, allocation: AmbulanceAllocation) -> float:
    """Σ over victims of their survival probability under ``allocation``."""
    hospitals = {h.id: h for h in problem.hospitals}
    total = 0.0
    for v in problem.victims:
        value = allocation.get(v.id)
        total += victim_survival(v, hospitals[value[1]] if value else None)
    return total


@dataclass(frozen=True)
class ClinicalResult:
    allocation: AmbulanceAllocation
    expected_survivors: float
    survival: dict[int, float]
    status: str
    seconds: float


def clinical_solve(problem: AmbulanceProblem, *, time_limit_s: float = 10.0) -> ClinicalResult:
    """The allocation that maximises expected survivors (CP-SAT on probabilities scaled to
    integers of 1e-6); ``status`` is ``optimal`` when proven."""
    started = time.perf_counter()
    model = compact(problem, Policy())
    victims = sorted(problem.victims, key=lambda v: v.id)
    hospitals = sorted(problem.hospitals, key=lambda h: h.id)
    k_null = model.num_options
    n = len(victims)
    gain = [
        [
            round(SCALE * victim_survival(v, hospitals[model.option_site[k]]))
            - round(SCALE * victim_survival(v, None))
            for k in range(k_null)
        ]
        for v in victims
    ]
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{k}") for k in range(k_null)] for i in range(n)]
    for i in range(n):
        m.add_at_most_one(x[i])
    for c, units in enumerate(model.class_units):
        m.add(
            sum(x[i][k] for i in range(n) for k in range(k_null) if model.option_class[k] == c)
            <= len(units)
        )
    for s, h in enumerate(hospitals):
        m.add(
            sum(x[i][k] for i in range(n) for k in range(k_null) if model.option_site[k] == s)
            <= max(0, h.capacity)
        )
    m.maximize(sum(gain[i][k] * x[i][k] for i in range(n) for k in range(k_null)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(
        0.001, time_limit_s - (time.perf_counter() - started)
    )
    code = solver.solve(m)
    plan = [k_null] * n
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i in range(n):
            for k in range(k_null):
                if solver.boolean_value(x[i][k]):
                    plan[i] = k
    allocation = materialize(model, plan)
    amb: AmbulanceAllocation = {k: v for k, v in allocation.items() if not isinstance(v, int)}
    by_id = {h.id: h for h in hospitals}
    per_victim = {
        v.id: victim_survival(v, by_id[a[1]] if (a := amb.get(v.id)) else None) for v in victims
    }
    return ClinicalResult(
        allocation=amb,
        expected_survivors=sum(per_victim.values()),
        survival=per_victim,
        status="optimal" if code == cp_model.OPTIMAL else "feasible",
        seconds=time.perf_counter() - started,
    )
