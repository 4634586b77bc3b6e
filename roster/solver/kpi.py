"""Dashboard figures of a roster, computed from the assignments alone.

Computed in plain Python rather than read from the model so the same figures can be
shown for a hand-edited roster (the manager's grid) as for a solver answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from roster.solver import derive
from roster.solver.problem import Assignment, Kpis, Problem


def compute_kpis(problem: Problem, roster: Iterable[Assignment]) -> Kpis:
    roster = list(roster)
    staff_by_id = {p.id: p for p in problem.staff}
    shift_len = {t.id: t.length_minutes for t in problem.shift_types}
    night_ids = derive.night_ids(problem.shift_types)

    # Coverage ratio: how much of each requirement's target is met.
    at_slot: dict[tuple[int, str, str], list[str]] = {}
    for a in roster:
        at_slot.setdefault((a.day, a.shift, a.unit), []).append(a.staff)
    met = wanted = 0
    for req in problem.coverage:
        target = max(req.minimum, req.preferred or 0)
        if target <= 0:
            continue
        n = sum(1 for sid in at_slot.get((req.day, req.shift, req.unit), [])
                if sid in staff_by_id and derive.qualifies(staff_by_id[sid], req))
        met += min(n, target)
        wanted += target
    coverage_ratio = met / wanted if wanted else 1.0

    minutes: dict[str, int] = {p.id: 0 for p in problem.staff}
    nights: dict[str, int] = {p.id: 0 for p in problem.staff}
    worked: set[tuple[str, int]] = set()
    by_day: dict[tuple[str, int], tuple[str, str]] = {}
    for a in roster:
        if a.staff not in minutes:
            continue
        minutes[a.staff] += shift_len.get(a.shift, 0)
        nights[a.staff] += a.shift in night_ids
        worked.add((a.staff, a.day))
        by_day[(a.staff, a.day)] = (a.shift, a.unit)

    contracted = {p.id: problem.contracted_minutes(p) for p in problem.staff}
    over = sum(max(0, minutes[s] - contracted[s]) for s in minutes)
    total_contracted = sum(contracted.values())
    overtime_pct = 100.0 * over / total_contracted if total_contracted else 0.0

    honoured = 0
    for r in problem.requests:
        got = by_day.get((r.staff, r.day))
        has = got is not None and (r.shift is None or got[0] == r.shift)
        honoured += has == r.on
    request_pct = 100.0 * honoured / len(problem.requests) if problem.requests else 100.0

    groups = derive.weekends(problem)
    # Nights and weekends per available full-time equivalent (a 0.5 FTE nurse's 4 nights
    # are 8; so are a full-timer's 4 with half the period on leave).
    base = {p.id: derive.available_fte(problem, p) for p in problem.staff}
    weekends = [sum(1 for days in groups if any((p.id, d) in worked for d in days)) / base[p.id]
                for p in problem.staff if base[p.id] > 0]
    night_staff = [nights[p.id] / base[p.id] for p in problem.staff if base[p.id] > 0
                   and any(p.contract.max_shifts_per_type.get(n, 1) > 0 for n in night_ids)]
    hours = [(minutes[p.id] - contracted[p.id]) / 60 for p in problem.staff]

    stability: float | None = None
    if problem.reference_roster is not None:
        ref = {(a.staff, a.day): (a.shift, a.unit) for a in problem.reference_roster}
        total_cells = len(problem.staff) * problem.num_days
        same = sum(1 for p in problem.staff for d in range(problem.num_days)
                   if ref.get((p.id, d)) == by_day.get((p.id, d)))
        stability = 100.0 * same / total_cells if total_cells else 100.0

    def spread(values: list[float]) -> float:
        return round(max(values) - min(values), 2) if len(values) >= 2 else 0.0

    return Kpis(
        coverage_ratio=coverage_ratio,
        overtime_pct=overtime_pct,
        request_honoring_pct=request_pct,
        nights_spread=spread(night_staff),
        weekends_spread=spread(weekends),
        hours_spread=(max(hours) - min(hours)) if len(hours) >= 2 else 0.0,
        stability_pct=stability,
    )
