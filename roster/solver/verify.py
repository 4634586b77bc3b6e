"""An independent checker of every hard rule.

Written separately from the model on purpose: it imports nothing from ``model`` or
``derive`` and states each rule the way a person would check a roster by hand
(timelines, runs, real rest in minutes between consecutive shifts), so a mistake in
the model's formulation shows up as a violation here rather than being repeated.

:func:`verify` returns one :class:`Violation` per broken rule instance; an empty list
means the roster is legal.  Coverage minimums are not violations (they are allowed
with explicit shortfall); :func:`shortfalls` lists them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from roster import rulebook
from roster.solver.problem import (
    Assignment,
    CoverageRequirement,
    Problem,
    ShiftType,
    Staff,
)

# Rule codes: the rulebook's (the same strings every other path reports). Only the
# codes are shared; every rule below is checked by this module's own logic.
UNKNOWN = rulebook.UNKNOWN
ONE_SHIFT_PER_DAY = rulebook.ONE_SHIFT_A_DAY
DAY_OFF = rulebook.DAY_OFF
UNAVAILABLE_WEEKDAY = rulebook.UNAVAILABLE_WEEKDAY
UNIT_ACCESS = rulebook.UNIT_ACCESS
UNIT_ROLE = rulebook.ROLE
UNIT_SKILL = rulebook.SKILL
UNIT_CERTIFICATION = rulebook.CERTIFICATION
MAX_SHIFT_LENGTH = rulebook.MAX_SHIFT_LENGTH
REST = rulebook.MIN_REST
FORBIDDEN_SUCCESSION = rulebook.FORBIDDEN_SUCCESSION
MAX_MINUTES_7_DAYS = rulebook.MAX_HOURS_7_DAYS
MAX_CONSECUTIVE_DAYS = rulebook.MAX_CONSECUTIVE_DAYS
MAX_CONSECUTIVE_NIGHTS = rulebook.MAX_CONSECUTIVE_NIGHTS
MIN_CONSECUTIVE_DAYS = rulebook.MIN_CONSECUTIVE_DAYS
MIN_CONSECUTIVE_DAYS_OFF = rulebook.MIN_CONSECUTIVE_DAYS_OFF
MAX_SHIFTS_PER_TYPE = rulebook.MAX_SHIFTS_PER_TYPE
MIN_TOTAL_MINUTES = rulebook.MIN_TOTAL_MINUTES
MAX_TOTAL_MINUTES = rulebook.MAX_TOTAL_MINUTES
MAX_WEEKENDS = rulebook.MAX_WEEKENDS
COVERAGE_MAXIMUM = rulebook.COVERAGE_MAXIMUM


@dataclass(frozen=True)
class Violation:
    """``rule`` broken by ``staff`` (None for a slot-level rule) around ``day``."""

    rule: str
    staff: str | None
    day: int | None
    detail: str

    def __str__(self) -> str:
        who = self.staff if self.staff is not None else "-"
        when = f"day {self.day}" if self.day is not None else "period"
        return f"[{self.rule}] {who} {when}: {self.detail}"


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _weekday(problem: Problem, day: int) -> int:
    first = problem.start_date.weekday() if problem.start_date else problem.start_weekday
    return (first + day) % 7


def _cert_ok(person: Staff, cert: str, day: int) -> bool:
    if cert not in person.certifications:
        return False
    until = person.certifications[cert]
    return until is None or day < until


def _touches(known: list[int], idx: int, n: int, days: dict[int, Assignment]) -> bool:
    """Whether the run of ``n`` known days from position ``idx`` holds a rostered day
    (runs made only of history and shifts fixed elsewhere are not this roster's)."""
    return any(known[i] in days for i in range(idx, idx + n))


def _runs(flags: list[bool]) -> list[tuple[bool, int, int]]:
    """Maximal runs as (value, start index, length)."""
    out: list[tuple[bool, int, int]] = []
    for i, f in enumerate(flags):
        if out and out[-1][0] == f:
            value, start, n = out[-1]
            out[-1] = (value, start, n + 1)
        else:
            out.append((f, i, 1))
    return out


def verify(problem: Problem, roster: Iterable[Assignment]) -> list[Violation]:
    """Every hard-rule violation of ``roster`` (empty list = legal roster)."""
    roster = list(roster)
    out: list[Violation] = []
    staff = {p.id: p for p in problem.staff}
    shifts = {t.id: t for t in problem.shift_types}
    units = {u.id: u for u in problem.units} if problem.units else None
    h = problem.num_days

    by_person: dict[str, dict[int, Assignment]] = {p.id: {} for p in problem.staff}
    for a in roster:
        if a.staff not in staff:
            out.append(Violation(UNKNOWN, a.staff, a.day, "unknown staff member"))
            continue
        if a.shift not in shifts:
            out.append(Violation(UNKNOWN, a.staff, a.day, f"unknown shift type {a.shift!r}"))
            continue
        if not 0 <= a.day < h:
            out.append(Violation(UNKNOWN, a.staff, a.day, "day outside the period"))
            continue
        if (units is not None and a.unit not in units) or (units is None and a.unit != ""):
            out.append(Violation(UNKNOWN, a.staff, a.day, f"unknown unit {a.unit!r}"))
            continue
        if a.day in by_person[a.staff]:
            other = by_person[a.staff][a.day]
            out.append(Violation(ONE_SHIFT_PER_DAY, a.staff, a.day,
                                 f"works {other.shift} and {a.shift} on the same day"))
            continue
        by_person[a.staff][a.day] = a

    for person in problem.staff:
        out.extend(_check_person(problem, person, by_person[person.id], shifts))

    # Coverage maximums.
    for req in problem.coverage:
        if req.maximum is None:
            continue
        n = _count(problem, req, roster)
        if n > req.maximum:
            out.append(Violation(COVERAGE_MAXIMUM, None, req.day,
                                 f"{n} people on {req.shift}/{req.unit or '-'} "
                                 f"({req.label or 'requirement'}), maximum {req.maximum}"))
    return out


def _check_person(problem: Problem, person: Staff, days: dict[int, Assignment],
                  shifts: dict[str, ShiftType]) -> list[Violation]:
    out: list[Violation] = []
    pid = person.id
    h = problem.num_days
    fatigue = person.fatigue if person.fatigue is not None else problem.fatigue
    contract = person.contract

    # --- per assignment -----------------------------------------------------------
    for d, a in sorted(days.items()):
        t = shifts[a.shift]
        if d in person.days_off:
            out.append(Violation(person.day_off_rules.get(d, DAY_OFF), pid, d,
                                 f"works {a.shift} on a day off ({person.days_off[d]})"))
        if d in person.fixed:
            out.append(Violation(ONE_SHIFT_PER_DAY, pid, d,
                                 f"works {a.shift} and, elsewhere, {person.fixed[d]} on the same day"))
        wd = _weekday(problem, d)
        if wd in contract.unavailable_weekdays:
            out.append(Violation(UNAVAILABLE_WEEKDAY, pid, d,
                                 f"contract excludes {_DAY_NAMES[wd]}s"))
        if person.allowed_units is not None and a.unit not in person.allowed_units:
            out.append(Violation(UNIT_ACCESS, pid, d, f"may not work in unit {a.unit!r}"))
        unit = next((u for u in problem.units if u.id == a.unit), None)
        if unit is not None:
            if unit.allowed_roles and person.role not in unit.allowed_roles:
                out.append(Violation(UNIT_ROLE, pid, d,
                                     f"role {person.role!r} not allowed in unit {a.unit!r}"))
            for skill in sorted(unit.required_skills - person.skills):
                out.append(Violation(UNIT_SKILL, pid, d,
                                     f"unit {a.unit!r} requires skill {skill!r}"))
            for cert in sorted(unit.required_certifications):
                if not _cert_ok(person, cert, d):
                    out.append(Violation(UNIT_CERTIFICATION, pid, d,
                                         f"unit {a.unit!r} requires a valid {cert}"))
        # The longest shift is the working unit's to set when it sets one (the rulebook).
        longest = fatigue.max_shift_minutes
        if unit is not None and unit.max_shift_minutes is not None:
            longest = unit.max_shift_minutes
        if longest is not None and t.length_minutes > longest:
            out.append(Violation(MAX_SHIFT_LENGTH, pid, d,
                                 f"{a.shift} lasts {t.length_minutes} min, maximum {longest}"))

    # --- timeline over history + period ------------------------------------------
    first = -len(person.history)
    timeline: dict[int, str | None] = {}
    for i, sid in enumerate(person.history):
        timeline[first + i] = sid if sid in shifts else None
    last = max([h - 1, *person.fixed])
    for d in range(last + 1):
        # A day worked here and elsewhere is reported above; the rules below see the
        # shift worked here.
        timeline[d] = days[d].shift if d in days else person.fixed.get(d)
    known = list(range(first, last + 1))

    # Explicit forbidden successions (next calendar day).
    for d in known[:-1]:
        a_id, b_id = timeline[d], timeline[d + 1]
        if a_id is not None and b_id is not None and b_id in shifts[a_id].forbidden_next \
                and d + 1 >= 0:
            out.append(Violation(FORBIDDEN_SUCCESSION, pid, d + 1,
                                 f"{b_id} may not follow {a_id} (day {d})"))
    # Real rest between consecutive shifts in time order.
    if fatigue.min_rest_minutes is not None:
        # Real time: a clock change moves and stretches the shifts it touches.
        timed = [(st, st + problem.real_minutes(d, shifts[s]), d, s)
                 for d in known if (s := timeline[d]) is not None
                 and (st := problem.real_start(d, shifts[s])) is not None]
        timed.sort()
        for (_, end1, d1, s1), (start2, _, d2, s2) in itertools.pairwise(timed):
            rest = start2 - end1
            if rest < fatigue.min_rest_minutes and (d1 in days or d2 in days):
                out.append(Violation(REST, pid, d2,
                                     f"only {rest / 60:g} h rest between {s1} on day {d1} "
                                     f"and {s2} (minimum {fatigue.min_rest_minutes / 60:g} h)"))

    # Rolling 7 days (minutes count on the day a shift starts).
    if fatigue.max_minutes_7_days is not None:
        cap = fatigue.max_minutes_7_days
        for start in range(-6, max(last - 6, 0) + 1):
            window = [d for d in range(start, start + 7) if d in timeline]
            if not any(d in days for d in window):
                continue
            minutes = sum(problem.real_minutes(d, shifts[s]) for d in window
                          if (s := timeline[d]) is not None)
            if minutes > cap:
                out.append(Violation(MAX_MINUTES_7_DAYS, pid, max(start, 0),
                                     f"{minutes / 60:g} h in days {start}..{start + 6} "
                                     f"(maximum {cap / 60:g} h)"))

    # Runs of work / days off / nights over the known days.
    work = [timeline[d] is not None for d in known]
    caps = [c for c in (contract.max_consecutive_work_days, fatigue.max_consecutive_days)
            if c is not None]
    max_days = min(caps) if caps else None
    for value, idx, n in _runs(work):
        start, end = known[idx], known[idx] + n - 1
        # A run entirely in history still counts when the day closing it is day 0.
        closes_in_period = end >= -1
        inside = idx > 0 and idx + n < len(known)
        if value and max_days is not None and n > max_days and _touches(known, idx, n, days):
            out.append(Violation(MAX_CONSECUTIVE_DAYS, pid, max(start, 0),
                                 f"{n} consecutive working days from day {start} "
                                 f"(maximum {max_days})"))
        if value and inside and closes_in_period and n < contract.min_consecutive_work_days:
            out.append(Violation(MIN_CONSECUTIVE_DAYS, pid, max(start, 0),
                                 f"a run of {n} working day(s) from day {start} "
                                 f"(minimum {contract.min_consecutive_work_days})"))
        if not value and inside and closes_in_period and n < contract.min_consecutive_days_off:
            out.append(Violation(MIN_CONSECUTIVE_DAYS_OFF, pid, max(start, 0),
                                 f"a run of {n} day(s) off from day {start} "
                                 f"(minimum {contract.min_consecutive_days_off})"))
    if fatigue.max_consecutive_nights is not None:
        nights = [(s := timeline[d]) is not None and shifts[s].is_night for d in known]
        for value, idx, n in _runs(nights):
            start = known[idx]
            if value and n > fatigue.max_consecutive_nights and _touches(known, idx, n, days):
                out.append(Violation(MAX_CONSECUTIVE_NIGHTS, pid, max(start, 0),
                                     f"{n} consecutive nights from day {start} "
                                     f"(maximum {fatigue.max_consecutive_nights})"))

    # Contract totals.
    counts: dict[str, int] = {}
    total = 0
    for a in days.values():
        counts[a.shift] = counts.get(a.shift, 0) + 1
        total += shifts[a.shift].length_minutes
    for sid, n in sorted(counts.items()):
        limit = contract.max_shifts_per_type.get(sid)
        if limit is not None and n > limit:
            out.append(Violation(MAX_SHIFTS_PER_TYPE, pid, None,
                                 f"{n} shifts of type {sid} (maximum {limit})"))
    if total < contract.min_total_minutes:
        out.append(Violation(MIN_TOTAL_MINUTES, pid, None,
                             f"{total} min worked (minimum {contract.min_total_minutes})"))
    if contract.max_total_minutes is not None and total > contract.max_total_minutes:
        out.append(Violation(MAX_TOTAL_MINUTES, pid, None,
                             f"{total} min worked (maximum {contract.max_total_minutes})"))

    # Weekends: a Saturday and the Sunday after it; either or both counts once.
    if contract.max_weekends is not None:
        worked_weekends: set[int] = set()
        for d in days:
            wd = _weekday(problem, d)
            if wd == 5:
                worked_weekends.add(d)
            elif wd == 6:
                worked_weekends.add(d - 1)  # keyed by its Saturday (may be day -1)
        if len(worked_weekends) > contract.max_weekends:
            out.append(Violation(MAX_WEEKENDS, pid, None,
                                 f"{len(worked_weekends)} weekends worked "
                                 f"(maximum {contract.max_weekends})"))
    return out


def _qualifies(person: Staff, req: CoverageRequirement) -> bool:
    if req.roles and person.role not in req.roles:
        return False
    if not req.skills <= person.skills:
        return False
    return all(_cert_ok(person, c, req.day) for c in req.certifications)


def _count(problem: Problem, req: CoverageRequirement, roster: list[Assignment]) -> int:
    staff = {p.id: p for p in problem.staff}
    seen: set[str] = set()
    for a in roster:
        if (a.day, a.shift, a.unit) == (req.day, req.shift, req.unit) and a.staff in staff \
                and a.staff not in seen and _qualifies(staff[a.staff], req):
            seen.add(a.staff)
    return len(seen)


def shortfalls(problem: Problem, roster: Iterable[Assignment]) -> list[tuple[
    CoverageRequirement, int
]]:
    """(requirement, missing people) for every coverage minimum not met."""
    roster = list(roster)
    out = []
    for req in problem.coverage:
        n = _count(problem, req, roster)
        if n < req.minimum:
            out.append((req, req.minimum - n))
    return out
