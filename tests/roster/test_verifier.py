"""The independent verifier catches every kind of hard-rule violation on hand-made rosters."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from roster.solver.problem import (
    Assignment,
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftType,
    SoftWeights,
    Staff,
    Unit,
)
from roster.solver.verify import (
    COVERAGE_MAXIMUM,
    DAY_OFF,
    FORBIDDEN_SUCCESSION,
    MAX_CONSECUTIVE_DAYS,
    MAX_CONSECUTIVE_NIGHTS,
    MAX_MINUTES_7_DAYS,
    MAX_SHIFT_LENGTH,
    MAX_SHIFTS_PER_TYPE,
    MAX_TOTAL_MINUTES,
    MAX_WEEKENDS,
    MIN_CONSECUTIVE_DAYS,
    MIN_CONSECUTIVE_DAYS_OFF,
    MIN_TOTAL_MINUTES,
    ONE_SHIFT_PER_DAY,
    REST,
    UNAVAILABLE_WEEKDAY,
    UNIT_ACCESS,
    UNIT_CERTIFICATION,
    UNIT_ROLE,
    UNIT_SKILL,
    UNKNOWN,
    shortfalls,
    verify,
)

D = ShiftType("D", 480, start_minute=7 * 60)
E = ShiftType("E", 480, start_minute=15 * 60)
N = ShiftType("N", 480, start_minute=23 * 60, is_night=True)
LONG = ShiftType("L", 720, start_minute=7 * 60)
HUGE = ShiftType("X", 780, start_minute=7 * 60)
NO_LIMITS = FatigueRules(None, None, None, None, None)


def problem(*staff: Staff, days: int = 14, fatigue: FatigueRules = NO_LIMITS,
            coverage: tuple[CoverageRequirement, ...] = (),
            units: tuple[Unit, ...] = (), shifts: tuple[ShiftType, ...] = (D, E, N, LONG, HUGE),
            ) -> Problem:
    return Problem(num_days=days, shift_types=shifts, staff=staff or (Staff("A"),),
                   coverage=coverage, units=units, fatigue=fatigue,
                   weights=SoftWeights.benchmark(), start_date=dt.date(2025, 3, 3))


def rules(p: Problem, *roster: Assignment) -> list[str]:
    return sorted({v.rule for v in verify(p, roster)})


def a(day: int, shift: str = "D", staff: str = "A", unit: str = "") -> Assignment:
    return Assignment(staff, day, shift, unit)


def test_a_legal_roster_has_no_violations() -> None:
    p = problem(fatigue=FatigueRules())
    assert verify(p, [a(0), a(1), a(2, "E"), a(4, "N"), a(5, "N")]) == []


def test_it_flags_two_shifts_on_one_day() -> None:
    assert rules(problem(), a(3, "D"), a(3, "E")) == [ONE_SHIFT_PER_DAY]


def test_it_flags_unknown_staff_shift_unit_and_day() -> None:
    p = problem()
    assert rules(p, Assignment("Z", 0, "D")) == [UNKNOWN]
    assert rules(p, a(0, "Q")) == [UNKNOWN]
    assert rules(p, a(99)) == [UNKNOWN]
    assert rules(p, a(0, unit="ICU")) == [UNKNOWN]


def test_it_flags_work_on_leave() -> None:
    p = problem(Staff("A", days_off={4: "annual leave"}))
    violations = verify(p, [a(4)])
    assert [v.rule for v in violations] == [DAY_OFF]
    assert "annual leave" in violations[0].detail


def test_it_flags_a_weekday_the_contract_excludes() -> None:
    p = problem(Staff("A", contract=Contract(unavailable_weekdays=frozenset({6}))))
    assert rules(p, a(6)) == [UNAVAILABLE_WEEKDAY]  # 2025-03-09 is a Sunday
    assert rules(p, a(5)) == []


def test_it_flags_unit_access_role_skill_and_certification() -> None:
    icu = Unit("ICU", allowed_roles=frozenset({"RN"}), required_skills=frozenset({"icu"}),
               required_certifications=frozenset({"ACLS"}))
    ward = Unit("WARD")
    p = problem(
        Staff("A", role="RN", skills=frozenset({"icu"}), certifications={"ACLS": 5},
              allowed_units=frozenset({"ICU", "WARD"})),
        Staff("B", role="HCA", allowed_units=frozenset({"WARD"})),
        units=(icu, ward),
    )
    assert rules(p, a(2, unit="ICU")) == []
    assert rules(p, a(5, unit="ICU")) == [UNIT_CERTIFICATION]  # ACLS valid until day 4
    assert rules(p, a(1, staff="B", unit="ICU")) == sorted(
        [UNIT_ACCESS, UNIT_ROLE, UNIT_SKILL, UNIT_CERTIFICATION])


def test_it_flags_a_shift_longer_than_the_maximum() -> None:
    p = problem(fatigue=FatigueRules(max_shift_minutes=720, min_rest_minutes=None,
                                     max_minutes_7_days=None,
                                     max_consecutive_days=None,
                                     max_consecutive_nights=None))
    assert rules(p, a(0, "L")) == []
    assert rules(p, a(0, "X")) == [MAX_SHIFT_LENGTH]


def test_it_flags_a_day_shift_after_a_night_without_rest() -> None:
    p = problem(fatigue=replace(NO_LIMITS, min_rest_minutes=600))
    violations = verify(p, [a(2, "N"), a(3, "D")])
    assert [(v.rule, v.day) for v in violations] == [(REST, 3)]
    assert rules(p, a(2, "E"), a(3, "D")) == [REST]  # 23:00 → 07:00 is 8 h
    assert rules(p, a(2, "D"), a(3, "D")) == []
    assert rules(p, a(2, "N"), a(4, "D")) == []


def test_it_flags_missing_rest_across_the_start_of_the_period() -> None:
    p = problem(Staff("A", history=(None, "D", "N")),
                fatigue=replace(NO_LIMITS, min_rest_minutes=600))
    assert [(v.rule, v.day) for v in verify(p, [a(0, "D")])] == [(REST, 0)]
    assert rules(p, a(0, "N")) == []


def test_it_flags_an_explicitly_forbidden_succession() -> None:
    late = ShiftType("LATE", 480, forbidden_next=frozenset({"EARLY"}))
    early = ShiftType("EARLY", 480)
    p = problem(shifts=(early, late))
    assert rules(p, a(1, "LATE"), a(2, "EARLY")) == [FORBIDDEN_SUCCESSION]
    assert rules(p, a(1, "EARLY"), a(2, "LATE")) == []
    with_history = problem(Staff("A", history=("LATE",)), shifts=(early, late))
    assert rules(with_history, a(0, "EARLY")) == [FORBIDDEN_SUCCESSION]


def test_it_flags_more_than_60_hours_in_seven_days_counting_history() -> None:
    p = problem(fatigue=replace(NO_LIMITS, max_minutes_7_days=3600))
    five_long = [a(d, "L") for d in range(5)]
    assert rules(p, *five_long) == []
    assert rules(p, *five_long, a(6, "D")) == [MAX_MINUTES_7_DAYS]
    tired = problem(Staff("A", history=("L", "L", "L")),
                    fatigue=replace(NO_LIMITS, max_minutes_7_days=3600))
    assert rules(tired, a(0, "L"), a(1, "L")) == []
    assert rules(tired, a(0, "L"), a(1, "L"), a(2, "D")) == [MAX_MINUTES_7_DAYS]


def test_it_flags_too_many_consecutive_days_counting_history() -> None:
    p = problem(Staff("A", history=("D", "D")),
                fatigue=replace(NO_LIMITS, max_consecutive_days=6))
    assert rules(p, *[a(d) for d in range(4)]) == []
    assert rules(p, *[a(d) for d in range(5)]) == [MAX_CONSECUTIVE_DAYS]
    contract = problem(Staff("A", contract=Contract(max_consecutive_work_days=3)))
    assert rules(contract, *[a(d) for d in range(3, 7)]) == [MAX_CONSECUTIVE_DAYS]


def test_it_flags_too_many_consecutive_nights() -> None:
    p = problem(Staff("A", history=("N",)),
                fatigue=replace(NO_LIMITS, max_consecutive_nights=4))
    assert rules(p, *[a(d, "N") for d in range(3)]) == []
    assert rules(p, *[a(d, "N") for d in range(4)]) == [MAX_CONSECUTIVE_NIGHTS]


def test_it_flags_short_runs_of_work_and_rest_but_not_at_the_edges() -> None:
    p = problem(Staff("A", contract=Contract(min_consecutive_work_days=2,
                                             min_consecutive_days_off=2)))
    assert rules(p, a(0), a(3), a(4), a(13)) == []  # runs touching day 0 / day 13 are exempt
    assert rules(p, a(3), a(6), a(7)) == [MIN_CONSECUTIVE_DAYS]
    assert rules(p, a(3), a(4), a(6), a(7)) == [MIN_CONSECUTIVE_DAYS_OFF]


def test_a_short_run_started_in_history_must_continue_into_the_period() -> None:
    p = problem(Staff("A", history=(None, "D"), contract=Contract(min_consecutive_work_days=2)))
    assert rules(p) == [MIN_CONSECUTIVE_DAYS]
    assert rules(p, a(0)) == []


def test_it_flags_contract_limits_on_types_totals_and_weekends() -> None:
    c = Contract(max_shifts_per_type={"N": 1}, min_total_minutes=960, max_total_minutes=1440,
                 max_weekends=1)
    p = problem(Staff("A", contract=c))
    assert rules(p, a(0, "N"), a(3, "N")) == [MAX_SHIFTS_PER_TYPE]
    assert rules(p, a(0)) == [MIN_TOTAL_MINUTES]
    assert rules(p, a(0), a(1), a(2), a(3)) == [MAX_TOTAL_MINUTES]
    assert rules(p, a(5), a(6)) == []  # one weekend, both days
    assert rules(p, a(6), a(12)) == [MAX_WEEKENDS]


def test_it_flags_a_slot_above_its_maximum_and_reports_shortfall_separately() -> None:
    req = CoverageRequirement(0, "D", minimum=2, maximum=2)
    p = problem(Staff("A"), Staff("B"), Staff("C"), coverage=(req,))
    three = [a(0, staff=s) for s in "ABC"]
    assert rules(p, *three) == [COVERAGE_MAXIMUM]
    assert shortfalls(p, three[:1]) == [(req, 1)]
    assert shortfalls(p, three[:2]) == []
