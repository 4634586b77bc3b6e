"""When staff are short the solver returns its best roster plus the shortfall, and each
uncovered slot names who could have worked it and the rule that stopped each of them."""

from __future__ import annotations

import datetime as dt

from roster.solver.explain import ALREADY_WORKING, NOTHING, explain
from roster.solver.problem import (
    Assignment,
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftType,
    SoftWeights,
    SolveOptions,
    Staff,
)
from roster.solver.search import solve
from roster.solver.verify import (
    DAY_OFF,
    MAX_CONSECUTIVE_NIGHTS,
    MAX_MINUTES_7_DAYS,
    MAX_SHIFTS_PER_TYPE,
    REST,
    verify,
)

D = ShiftType("D", 480, start_minute=7 * 60)
N = ShiftType("N", 600, start_minute=21 * 60, is_night=True)
RULES = FatigueRules(max_shift_minutes=720, min_rest_minutes=600,
                     max_minutes_7_days=60 * 60, max_consecutive_days=6,
                     max_consecutive_nights=3)


def problem(*staff: Staff, coverage: tuple[CoverageRequirement, ...], days: int = 7) -> Problem:
    return Problem(num_days=days, shift_types=(D, N), staff=staff, coverage=coverage,
                   fatigue=RULES, weights=SoftWeights.benchmark(),
                   start_date=dt.date(2025, 3, 3))


def rules_for(explanation: object, staff: str) -> set[str]:
    candidates = {c.staff: c for c in explanation.candidates}  # type: ignore[attr-defined]
    return {b.rule for b in candidates[staff].blockers}


def test_a_short_unit_gets_its_best_roster_and_the_reason_for_every_gap() -> None:
    # Day 3 needs two on days; the only other nurse is on leave, so one place stays
    # empty whatever the solver does.
    p = problem(Staff("ana"), Staff("bob", days_off={3: "annual leave"}),
                coverage=(CoverageRequirement(3, "D", minimum=2),))
    result = solve(p, SolveOptions(time_limit_s=5, num_workers=2, seed=0))
    assert result.status == "shortfall"
    assert Assignment("ana", 3, "D") in result.assignments
    assert [(s.requirement.day, s.missing) for s in result.shortfalls] == [(3, 1)]
    assert verify(p, result.assignments) == []

    [gap] = explain(p, result.assignments)
    assert gap.missing == 1
    assert [c.staff for c in gap.candidates] == ["bob"]
    assert rules_for(gap, "bob") == {DAY_OFF}
    assert "annual leave" in gap.text()


def test_rest_after_a_night_is_named() -> None:
    p = problem(Staff("ana"), coverage=(CoverageRequirement(1, "D", minimum=1),))
    [gap] = explain(p, [Assignment("ana", 0, "N")])
    assert rules_for(gap, "ana") == {REST}


def test_sixty_hours_in_seven_days_is_named() -> None:
    long_day = ShiftType("L", 720, start_minute=7 * 60)
    p = Problem(num_days=7, shift_types=(long_day,), staff=(Staff("ana"),),
                coverage=(CoverageRequirement(5, "L", minimum=1),), fatigue=RULES,
                weights=SoftWeights.benchmark(), start_date=dt.date(2025, 3, 3))
    roster = [Assignment("ana", d, "L") for d in range(5)]  # 60 h already
    [gap] = explain(p, roster)
    assert rules_for(gap, "ana") == {MAX_MINUTES_7_DAYS}


def test_max_consecutive_nights_is_named() -> None:
    p = problem(Staff("ana"), coverage=(CoverageRequirement(3, "N", minimum=1),))
    [gap] = explain(p, [Assignment("ana", d, "N") for d in range(3)])
    assert MAX_CONSECUTIVE_NIGHTS in rules_for(gap, "ana")


def test_a_contract_limit_is_named() -> None:
    contract = Contract(max_shifts_per_type={"D": 1})
    p = problem(Staff("ana", contract=contract),
                coverage=(CoverageRequirement(4, "D", minimum=1),))
    [gap] = explain(p, [Assignment("ana", 1, "D")])
    assert rules_for(gap, "ana") == {MAX_SHIFTS_PER_TYPE}


def test_someone_already_on_another_shift_that_day_is_named_with_it() -> None:
    p = problem(Staff("ana"), coverage=(CoverageRequirement(2, "D", minimum=1),))
    [gap] = explain(p, [Assignment("ana", 2, "N")])
    assert ALREADY_WORKING in rules_for(gap, "ana")
    assert "already working shift N" in gap.text()


def test_people_without_what_the_slot_needs_are_not_listed_and_free_people_are_flagged() -> None:
    need = CoverageRequirement(0, "D", minimum=2, certifications=frozenset({"ACLS"}))
    p = problem(Staff("ana", certifications={"ACLS": None}),
                Staff("bob", certifications={"ACLS": None}), Staff("cy"),
                coverage=(need,))
    [gap] = explain(p, [Assignment("ana", 0, "D")])
    assert gap.missing == 1
    assert [c.staff for c in gap.candidates] == ["bob"]  # cy holds no ACLS; ana counts
    assert rules_for(gap, "bob") == {NOTHING}
    assert gap.candidates[0].available
