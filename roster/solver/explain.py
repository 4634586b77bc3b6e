"""Why a coverage minimum was missed: who could have worked it and what stopped them.

For every uncovered requirement (day, shift, unit, role/skills/certifications), the
explanation lists each person who holds what the slot needs and, for that person, the
rules that stop them from being added to the roster *as it stands*: leave, "already
working shift X that day", "rest after night shift on day 3", "60 h in 7 days reached",
"contract: max shifts of type N", …

The check is done by really adding the candidate assignment and running the
independent verifier (:mod:`roster.solver.verify`), so the reasons are exactly the hard
rules the roster would break — nothing is inferred from the solver's internals.  The
result is structured (dataclasses, stable rule codes) and renders to plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from roster.solver import derive, verify
from roster.solver.problem import Assignment, CoverageRequirement, Problem, Staff

# Extra rule codes (besides the verifier's) used by explanations.
ALREADY_WORKING = "already_working"
REQUIREMENT_CERTIFICATION = "requirement_certification"
NOTHING = "none"


@dataclass(frozen=True)
class Blocker:
    """One rule stopping a candidate.  ``rule`` is a verifier code (``verify.REST`` …) or
    one of :data:`ALREADY_WORKING`, :data:`REQUIREMENT_CERTIFICATION`,
    :data:`NOTHING` (no hard rule stops them)."""

    rule: str
    reason: str


@dataclass(frozen=True)
class Candidate:
    staff: str
    blockers: tuple[Blocker, ...]

    @property
    def available(self) -> bool:
        return all(b.rule == NOTHING for b in self.blockers)


@dataclass(frozen=True)
class ShortfallExplanation:
    requirement: CoverageRequirement
    missing: int
    candidates: tuple[Candidate, ...]

    @property
    def slot(self) -> str:
        r = self.requirement
        what = r.label or _describe(r)
        unit = f" in {r.unit}" if r.unit else ""
        return f"day {r.day} shift {r.shift}{unit}: {what}"

    def text(self) -> str:
        lines = [f"{self.slot} — {self.missing} short"]
        if not self.candidates:
            lines.append("  nobody holds what this slot needs")
        for c in self.candidates:
            lines.append(f"  {c.staff}: " + "; ".join(b.reason for b in c.blockers))
        return "\n".join(lines)


def _describe(r: CoverageRequirement) -> str:
    parts = []
    if r.roles:
        parts.append("/".join(sorted(r.roles)))
    parts += sorted(r.skills) + sorted(r.certifications)
    needed = " ".join(parts) if parts else "staff"
    return f"{r.minimum} × {needed}"


def explain(problem: Problem, roster: Iterable[Assignment]) -> list[ShortfallExplanation]:
    """One explanation per coverage minimum that ``roster`` leaves short."""
    roster = list(roster)
    return [explain_requirement(problem, roster, req, missing)
            for req, missing in verify.shortfalls(problem, roster)]


def explain_requirement(problem: Problem, roster: list[Assignment], req: CoverageRequirement,
                        missing: int) -> ShortfallExplanation:
    candidates = []
    for person in problem.staff:
        if not derive.holds_what_requirement_needs(person, req):
            continue
        mine = [a for a in roster if a.staff == person.id]
        if any(a.day == req.day and a.shift == req.shift and a.unit == req.unit for a in mine) \
                and derive.qualifies(person, req):
            continue  # already counted on this slot
        candidates.append(Candidate(person.id, tuple(_blockers(problem, roster, person, req))))
    return ShortfallExplanation(req, missing, tuple(candidates))


def _blockers(problem: Problem, roster: list[Assignment], person: Staff,
              req: CoverageRequirement) -> list[Blocker]:
    out: list[Blocker] = []
    for cert in sorted(req.certifications):
        problem_text = derive.certification_problem(person, cert, req.day)
        if problem_text is not None:
            out.append(Blocker(REQUIREMENT_CERTIFICATION, problem_text))
    mine = [a for a in roster if a.staff == person.id]
    same_day = [a for a in mine if a.day == req.day]
    if same_day:
        a = same_day[0]
        where = f" in {a.unit}" if a.unit and a.unit != req.unit else ""
        out.append(Blocker(ALREADY_WORKING, f"already working shift {a.shift}{where} that day"))
        # Judge the other rules as if they were moved off that shift.
        mine = [x for x in mine if x.day != req.day]
    candidate = Assignment(person.id, req.day, req.shift, req.unit)
    others_on_slot = [a for a in roster if a.staff != person.id
                      and (a.day, a.shift, a.unit) == (req.day, req.shift, req.unit)]
    before = _keys(problem, person, mine + others_on_slot, req)
    after = verify.verify(problem, [*mine, candidate, *others_on_slot])
    seen: set[str] = set()
    for v in after:
        relevant = v.staff == person.id or (v.rule == verify.COVERAGE_MAXIMUM and v.day == req.day)
        if not relevant or (v.rule, v.staff, v.day) in before:
            continue
        reason = _phrase(problem, person, roster, req, v)
        if reason not in seen:
            seen.add(reason)
            out.append(Blocker(v.rule, reason))
    if not out:
        out.append(Blocker(NOTHING, "available: no hard rule stops this assignment"))
    return out


def _keys(problem: Problem, person: Staff, roster: list[Assignment],
          req: CoverageRequirement) -> set[tuple[str, str | None, int | None]]:
    return {(v.rule, v.staff, v.day) for v in verify.verify(problem, roster)
            if v.staff == person.id or v.rule == verify.COVERAGE_MAXIMUM}


def _phrase(problem: Problem, person: Staff, roster: list[Assignment], req: CoverageRequirement,
            v: verify.Violation) -> str:
    c = person.contract
    fatigue = problem.fatigue_for(person)
    if v.rule == verify.DAY_OFF:
        reason = person.days_off.get(req.day, "leave")
        return f"on {reason}" if "leave" in reason.lower() else f"unavailable ({reason})"
    if v.rule in (verify.REST, verify.FORBIDDEN_SUCCESSION):
        return _rest_phrase(problem, person, roster, req)
    if v.rule == verify.MAX_MINUTES_7_DAYS:
        cap = fatigue.max_minutes_7_days or 0
        return f"{cap / 60:g} h in 7 days reached"
    if v.rule == verify.MAX_CONSECUTIVE_NIGHTS:
        return f"max consecutive nights ({fatigue.max_consecutive_nights})"
    if v.rule == verify.MAX_CONSECUTIVE_DAYS:
        limit, _ = derive.consecutive_limits(problem, person)
        return f"max consecutive working days ({limit})"
    if v.rule == verify.MAX_SHIFTS_PER_TYPE:
        return f"contract: max shifts of type {req.shift} ({c.max_shifts_per_type.get(req.shift)})"
    if v.rule == verify.MAX_TOTAL_MINUTES:
        return f"contract: max total minutes ({c.max_total_minutes}) reached"
    if v.rule == verify.MAX_WEEKENDS:
        return f"contract: max weekends ({c.max_weekends}) reached"
    if v.rule == verify.MIN_CONSECUTIVE_DAYS_OFF:
        return f"contract: min consecutive days off ({c.min_consecutive_days_off})"
    if v.rule == verify.MIN_CONSECUTIVE_DAYS:
        return f"contract: min consecutive working days ({c.min_consecutive_work_days})"
    if v.rule == verify.UNAVAILABLE_WEEKDAY:
        return f"contract: cannot work {derive.weekday_name(problem.weekday(req.day))}s"
    if v.rule == verify.MAX_SHIFT_LENGTH:
        limit = derive.max_shift_minutes(problem, person, problem.unit(req.unit)) or 0
        return f"shift longer than the {limit / 60:g} h maximum"
    if v.rule == verify.COVERAGE_MAXIMUM:
        return "slot already at its maximum"
    if v.rule in (verify.UNIT_ACCESS, verify.UNIT_ROLE, verify.UNIT_SKILL,
                  verify.UNIT_CERTIFICATION):
        return v.detail
    return v.detail


def _rest_phrase(problem: Problem, person: Staff, roster: list[Assignment],
                 req: CoverageRequirement) -> str:
    """Name the neighbouring shift that leaves too little rest."""
    worked: dict[int, str] = {a.day: a.shift for a in roster
                              if a.staff == person.id and a.day != req.day}
    for i, sid in enumerate(person.history):
        if sid is not None:
            worked.setdefault(i - len(person.history), sid)
    pairs = derive.forbidden_successions(problem, person)
    for gap in sorted(pairs):
        before = worked.get(req.day - gap)
        if before is not None and (before, req.shift) in pairs[gap]:
            return f"rest after {_shift_name(problem, before)} shift on day {req.day - gap}"
        after = worked.get(req.day + gap)
        if after is not None and (req.shift, after) in pairs[gap]:
            return f"rest before {_shift_name(problem, after)} shift on day {req.day + gap}"
    return "minimum rest between shifts"


def _shift_name(problem: Problem, shift_id: str) -> str:
    t = problem.shift(shift_id)
    if t.label:
        return t.label
    return "night" if t.is_night else shift_id
