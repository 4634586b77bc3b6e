"""Rule derivations shared by the model and the shortfall explanation.

These turn the declarative problem into the concrete facts the CP-SAT model needs
(who may ever work which slot, which shift pairs are forbidden successions, which days
form weekends).  The verifier deliberately does **not** use this module: it re-derives
every rule on its own so that a bug here cannot hide itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from roster.solver.problem import (
    MINUTES_PER_DAY,
    CoverageRequirement,
    Problem,
    ShiftType,
    Staff,
    Unit,
)


def static_block(problem: Problem, person: Staff, day: int, shift: ShiftType, unit_id: str) -> (
    str | None
):
    """Why ``person`` can never work ``shift`` on ``day`` in ``unit_id`` (``None`` if they may).

    "Static" means the reason does not depend on the rest of the roster: leave,
    unavailability, shift length, contract bans, unit access and qualifications.
    """
    if day in person.days_off:
        return f"{person.days_off[day]} on day {day}"
    if day in person.fixed:
        return f"already works {person.fixed[day]} elsewhere on day {day}"
    if problem.weekday(day) in person.contract.unavailable_weekdays:
        return f"contract: cannot work on {_WEEKDAYS[problem.weekday(day)]}s"
    unit = problem.unit(unit_id)
    limit = max_shift_minutes(problem, person, unit)
    if limit is not None and shift.length_minutes > limit:
        return f"shift {shift.id} is longer than the maximum of {limit} min"
    if person.contract.max_shifts_per_type.get(shift.id, 1) <= 0:
        return f"contract: may not work shift type {shift.id}"
    if person.allowed_units is not None and unit_id not in person.allowed_units:
        return f"not allowed to work in unit {unit_id!r}"
    if unit.allowed_roles and person.role not in unit.allowed_roles:
        return f"role {person.role!r} may not work in unit {unit_id!r}"
    missing_skills = unit.required_skills - person.skills
    if missing_skills:
        return f"lacks skill {', '.join(sorted(missing_skills))} required by unit {unit_id!r}"
    for cert in sorted(unit.required_certifications):
        reason = certification_problem(person, cert, day)
        if reason is not None:
            return f"{reason} (required by unit {unit_id!r})"
    return None


def max_shift_minutes(problem: Problem, person: Staff, unit: Unit) -> int | None:
    """The longest shift ``person`` may work in ``unit``: the unit's own limit when it
    has one (the rulebook's per-shift limits), else their fatigue rules'."""
    if unit.max_shift_minutes is not None:
        return unit.max_shift_minutes
    return problem.fatigue_for(person).max_shift_minutes


def certification_problem(person: Staff, cert: str, day: int) -> str | None:
    """``None`` if ``person`` holds ``cert`` valid on ``day``, else why not."""
    if cert not in person.certifications:
        return f"does not hold {cert}"
    expires = person.certifications[cert]
    if expires is not None and day >= expires:
        return f"{cert} expired on day {expires}"
    return None


def qualifies(person: Staff, req: CoverageRequirement) -> bool:
    """Does ``person`` count towards ``req`` when rostered on its slot?"""
    if req.roles and person.role not in req.roles:
        return False
    if not req.skills <= person.skills:
        return False
    return all(certification_problem(person, c, req.day) is None for c in req.certifications)


def holds_what_requirement_needs(person: Staff, req: CoverageRequirement) -> bool:
    """Like :func:`qualifies` but ignoring expiry: the people worth explaining."""
    if req.roles and person.role not in req.roles:
        return False
    return req.skills <= person.skills and req.certifications <= set(person.certifications)


def forbidden_successions(
    problem: Problem, person: Staff, day: int | None = None
) -> dict[int, set[tuple[str, str]]]:
    """gap (days) → pairs (a, b): working ``a`` on ``day`` forbids ``b`` on day+gap.

    Gap 1 holds the explicit ``forbidden_next`` lists.  The rest rule adds every pair
    whose real rest (from the end of ``a`` to the start of ``b``) is below
    ``min_rest_minutes`` (an overlap gives negative rest and is caught the same way).
    ``day=None`` uses the times on the clock face, which hold for every day that no
    clock change touches (:func:`rest_pairs_on` gives the pairs of one day).
    """
    out: dict[int, set[tuple[str, str]]] = {}
    for a in problem.shift_types:
        for b_id in a.forbidden_next:
            out.setdefault(1, set()).add((a.id, b_id))
    min_rest = problem.fatigue_for(person).min_rest_minutes
    timed = [t for t in problem.shift_types if t.start_minute is not None]
    if min_rest is None or not timed:
        return out
    base = 0 if day is None else day
    for a in timed:
        start_a = problem.real_start(base, a) if day is not None else base * MINUTES_PER_DAY + (a.start_minute or 0)
        assert start_a is not None
        end_a = start_a + (problem.real_minutes(base, a) if day is not None else a.length_minutes)
        for b in timed:
            gap = 1
            while True:
                start_b = (problem.real_start(base + gap, b) if day is not None
                           else (base + gap) * MINUTES_PER_DAY + (b.start_minute or 0))
                assert start_b is not None
                if start_b - end_a >= min_rest:
                    break
                out.setdefault(gap, set()).add((a.id, b.id))
                gap += 1
    return out


def moved_days(problem: Problem) -> set[int]:
    """Days whose shifts a clock change moves or stretches (their rest pairs differ)."""
    return {d for d, _ in problem.timing}


def weekends(problem: Problem) -> list[list[int]]:
    """Day-index groups, one per weekend touched by the period (Sat + following Sun).

    A period that starts on a Sunday has a first weekend of one day; one that ends on a
    Saturday a last weekend of one day.
    """
    groups: list[list[int]] = []
    for day in range(problem.num_days):
        wd = problem.weekday(day)
        if wd == 5 or (wd == 6 and (not groups or groups[-1][-1] != day - 1)):
            groups.append([day])
        elif wd == 6:
            groups[-1].append(day)
    return groups


def history_shift(person: Staff, day: int) -> str | None:
    """The shift worked on ``day`` outside the problem: history for a negative day, the
    ``fixed`` shifts otherwise (None = off/unknown)."""
    if day >= 0:
        return person.fixed.get(day)
    idx = len(person.history) + day
    if idx < 0:
        return None
    return person.history[idx]


def last_known_day(problem: Problem, person: Staff) -> int:
    """The last day whose work is known: the period's, or a fixed shift after it."""
    return max([problem.num_days - 1, *person.fixed])


def first_known_day(person: Staff) -> int:
    """The earliest day whose work status is known (start of history, or day 0)."""
    return -len(person.history)


def consecutive_limits(problem: Problem, person: Staff) -> tuple[int | None, int | None]:
    """(max consecutive working days, max consecutive nights): contract and fatigue combined."""
    fatigue = problem.fatigue_for(person)
    caps = [c for c in (person.contract.max_consecutive_work_days,
                        fatigue.max_consecutive_days) if c is not None]
    return (min(caps) if caps else None), fatigue.max_consecutive_nights


def night_ids(shift_types: Sequence[ShiftType]) -> set[str]:
    return {t.id for t in shift_types if t.is_night}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_name(weekday: int) -> str:
    return _WEEKDAYS[weekday]


FTE_SCALE = 100


def available_fte(problem: Problem, person: Staff) -> float:
    """FTE times the share of the period the person is not on leave or unavailable: the
    base against which their share of nights and weekends is judged."""
    days = problem.num_days
    off = sum(1 for d in person.days_off if 0 <= d < days)
    return person.fte * (days - off) / days if days else 0.0


def per_fte_scale(problem: Problem, person: Staff) -> int | None:
    """Integer weight turning a count into hundredths "per available full-time
    equivalent" (a 0.8 FTE nurse's 8 nights weigh as a full-timer's 10, and two weeks of
    leave halve what is expected); ``None`` for someone with no time available."""
    base = available_fte(problem, person)
    if base <= 0:
        return None
    return max(1, round(FTE_SCALE / base))
