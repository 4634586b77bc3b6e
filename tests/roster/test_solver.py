"""The roster solver respects every hard rule even when the objective tempts it not to.

Each problem is tiny (a few people, one or two weeks) so it solves in well under a
second; every roster returned is re-checked by the independent verifier.  No database.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from roster.solver.formulation import RosterModel
from roster.solver.problem import (
    Assignment,
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftRequest,
    ShiftType,
    SoftWeights,
    SolveOptions,
    SolveResult,
    Staff,
    Unit,
)
from roster.solver.search import (
    _Callback,
    _Incumbent,
    _local_search,
    _result,
    solve,
)
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify

D = ShiftType("D", 480, start_minute=7 * 60, label="day")
E = ShiftType("E", 480, start_minute=15 * 60, label="evening")
N = ShiftType("N", 480, start_minute=23 * 60, is_night=True, label="night")
LONG = ShiftType("L", 720, start_minute=7 * 60)
NO_LIMITS = FatigueRules(None, None, None, None, None)
FAST = SolveOptions(time_limit_s=5.0, num_workers=2, seed=1)


def problem(*staff: Staff, coverage: tuple[CoverageRequirement, ...] = (), days: int = 7,
            shifts: tuple[ShiftType, ...] = (D, E, N), fatigue: FatigueRules = NO_LIMITS,
            requests: tuple[ShiftRequest, ...] = (), units: tuple[Unit, ...] = (),
            weights: SoftWeights | None = None, **kw: object) -> Problem:
    return Problem(num_days=days, shift_types=shifts, staff=staff, coverage=coverage,
                   requests=requests, units=units, fatigue=fatigue,
                   weights=weights or SoftWeights.benchmark(),
                   start_date=dt.date(2025, 3, 3), **kw)  # type: ignore[arg-type]


def need(day: int, shift: str, n: int = 1, **kw: object) -> CoverageRequirement:
    return CoverageRequirement(day, shift, minimum=n, **kw)  # type: ignore[arg-type]


def want(staff: str, day: int, shift: str | None, weight: int = 50) -> ShiftRequest:
    return ShiftRequest(staff, day, shift, on=True, weight=weight)


def solved(p: Problem, options: SolveOptions = FAST) -> SolveResult:
    result = solve(p, options)
    assert result.status in ("optimal", "feasible", "shortfall"), result.status
    assert verify(p, result.assignments) == []
    assert sum(result.breakdown.values()) == result.objective
    return result


def worked(result: SolveResult, staff: str = "A") -> dict[int, str]:
    return {a.day: a.shift for a in result.assignments if a.staff == staff}


# --------------------------------------------------------------------- hard rules --


def test_it_never_assigns_a_day_shift_after_a_night_without_rest() -> None:
    p = problem(Staff("A"), coverage=(need(0, "N"), need(1, "D")),
                fatigue=replace(NO_LIMITS, min_rest_minutes=600),
                requests=(want("A", 0, "N"), want("A", 1, "D")))
    result = solved(p)
    assert len(worked(result)) == 1
    assert result.status == "shortfall"
    assert len(result.shortfalls) == 1


def test_it_carries_rest_after_the_previous_periods_last_night_into_day_zero() -> None:
    p = problem(Staff("A", history=(None, "N", "N")), coverage=(need(0, "D"), need(0, "E")),
                fatigue=replace(NO_LIMITS, min_rest_minutes=600),
                requests=(want("A", 0, "D"),))
    result = solved(p)
    assert 0 not in worked(result)  # 07:00 and 15:00 both leave < 10 h after 07:00
    assert result.status == "shortfall"


def test_it_respects_explicit_forbidden_successions_from_history_too() -> None:
    late = ShiftType("LATE", 480, forbidden_next=frozenset({"EARLY"}))
    early = ShiftType("EARLY", 480)
    p = problem(Staff("A", history=("LATE",)), shifts=(early, late),
                coverage=(*(need(d, "EARLY") for d in range(3)), need(1, "LATE")))
    result = solved(p)
    shifts = worked(result)
    assert shifts.get(0) != "EARLY"
    assert not (shifts.get(1) == "LATE" and shifts.get(2) == "EARLY")


def test_it_never_gives_anyone_two_shifts_on_one_day() -> None:
    p = problem(Staff("A"), coverage=(need(2, "D"), need(2, "E"), need(2, "N")),
                requests=(want("A", 2, "D"), want("A", 2, "E")))
    result = solved(p)
    assert len(worked(result)) == 1
    assert sum(s.missing for s in result.shortfalls) == 2


def test_it_never_rosters_someone_on_leave_even_when_they_are_needed_and_asked() -> None:
    p = problem(Staff("A", days_off={3: "annual leave"}), Staff("B", days_off={3: "sick"}),
                coverage=(need(3, "D", 2),), requests=(want("A", 3, "D"),))
    result = solved(p)
    assert all(a.day != 3 for a in result.assignments)
    assert result.shortfalls[0].missing == 2


def test_it_never_uses_a_weekday_the_contract_excludes() -> None:
    p = problem(Staff("A", contract=Contract(unavailable_weekdays=frozenset({2}))),
                coverage=(need(2, "D"),))  # 2025-03-05 is a Wednesday
    assert worked(solved(p)) == {}


def test_it_only_rosters_people_with_the_units_skill_and_a_valid_certification() -> None:
    icu = Unit("ICU", required_skills=frozenset({"icu"}),
               required_certifications=frozenset({"ACLS"}))
    p = problem(
        Staff("A", skills=frozenset({"icu"}), certifications={"ACLS": None},
              days_off={0: "annual leave", 1: "annual leave"}),
        Staff("B", certifications={"ACLS": None}),          # no ICU skill
        Staff("C", skills=frozenset({"icu"}), certifications={"ACLS": 2}),  # lapses day 2
        units=(icu,), days=4,
        coverage=tuple(need(d, "D", unit="ICU") for d in range(4)),
        requests=(want("B", 2, "D"), want("C", 3, "D")),
    )
    result = solved(p)
    by_day = {a.day: a.staff for a in result.assignments}
    assert by_day == {0: "C", 1: "C", 2: "A", 3: "A"}


def test_a_requirement_counts_only_people_with_its_certification() -> None:
    p = problem(Staff("A", certifications={"ACLS": None}, days_off={3: "annual leave"}),
                Staff("B"),
                coverage=(need(3, "D", certifications=frozenset({"ACLS"})),))
    result = solved(p)
    assert result.status == "shortfall"
    assert "A" not in {a.staff for a in result.assignments if a.day == 3}


def test_it_never_assigns_a_shift_longer_than_the_maximum() -> None:
    marathon = ShiftType("X", 13 * 60, start_minute=7 * 60)
    p = problem(Staff("A"), shifts=(D, marathon), coverage=(need(0, "X"),),
                fatigue=replace(NO_LIMITS, max_shift_minutes=720))
    result = solved(p)
    assert worked(result) == {}
    assert result.status == "shortfall"


def test_it_keeps_within_60_hours_in_any_seven_days_counting_history() -> None:
    p = problem(Staff("A", history=("L", "L", "L")), shifts=(LONG,),
                coverage=tuple(need(d, "L") for d in range(7)),
                fatigue=replace(NO_LIMITS, max_minutes_7_days=3600))
    days = sorted(worked(solved(p)))
    assert len([d for d in days if d <= 3]) <= 2  # 36 h of history in days -3..3
    assert len(days) <= 5


def test_it_caps_consecutive_working_days_counting_history() -> None:
    p = problem(Staff("A", history=("D", "D", "D", "D")),
                coverage=tuple(need(d, "D") for d in range(7)),
                fatigue=replace(NO_LIMITS, max_consecutive_days=6))
    days = worked(solved(p))
    assert 2 not in days or not {0, 1} <= set(days)


def test_it_caps_consecutive_nights_counting_history() -> None:
    p = problem(Staff("A", history=("N", "N", "N")),
                coverage=tuple(need(d, "N") for d in range(7)),
                fatigue=replace(NO_LIMITS, max_consecutive_nights=4))
    days = worked(solved(p))
    assert not {0, 1} <= set(days)


def test_it_respects_the_contracts_maximum_shifts_of_a_type() -> None:
    p = problem(Staff("A", contract=Contract(max_shifts_per_type={"N": 2})),
                coverage=tuple(need(d, "N") for d in range(7)))
    assert sum(1 for s in worked(solved(p)).values() if s == "N") == 2


def test_it_respects_the_contracts_total_minutes_both_ways() -> None:
    capped = problem(Staff("A", contract=Contract(max_total_minutes=3 * 480)),
                     coverage=tuple(need(d, "D") for d in range(7)))
    assert len(worked(solved(capped))) == 3
    off = tuple(ShiftRequest("A", d, None, on=False, weight=9) for d in range(7))
    floor = problem(Staff("A", contract=Contract(min_total_minutes=2 * 480)), requests=off)
    assert len(worked(solved(floor))) == 2


def test_it_never_leaves_an_isolated_working_day_when_the_contract_forbids_it() -> None:
    p = problem(Staff("A", contract=Contract(min_consecutive_work_days=2)),
                coverage=(need(3, "D"),),
                requests=tuple(ShiftRequest("A", d, None, on=False, weight=5) for d in (2, 4)))
    result = solved(p)
    days = sorted(worked(result))
    assert 3 in days and len(days) >= 2


def test_it_never_leaves_a_single_day_off_between_work_when_the_contract_forbids_it() -> None:
    p = problem(Staff("A", contract=Contract(min_consecutive_days_off=2,
                                             max_consecutive_work_days=4)),
                coverage=tuple(need(d, "D") for d in (0, 1, 3, 4)))
    result = solved(p)
    days = set(worked(result))
    assert not any(d - 1 in days and d not in days and d + 1 in days for d in range(1, 6))
    assert sum(s.missing for s in result.shortfalls) == 1  # 4 in a row max: one day lost


def test_it_respects_the_contracts_maximum_weekends() -> None:
    p = problem(Staff("A", contract=Contract(max_weekends=1)), days=14,
                coverage=tuple(need(d, "D") for d in (5, 6, 12, 13)))
    days = set(worked(solved(p)))
    assert not (days & {5, 6} and days & {12, 13})


def test_a_coverage_maximum_is_never_exceeded_even_when_people_ask_to_work() -> None:
    p = problem(Staff("A"), Staff("B"), Staff("C"),
                coverage=(CoverageRequirement(0, "D", minimum=1, maximum=2),),
                requests=tuple(want(s, 0, "D") for s in "ABC"))
    result = solved(p)
    assert sum(1 for a in result.assignments if a.day == 0) == 2


# ------------------------------------------------------------ shortfall, objective --


def test_a_shortage_is_reported_as_shortfall_never_as_a_failure() -> None:
    p = problem(Staff("A"), Staff("B"), coverage=(need(0, "D", 5, priority=3),))
    result = solved(p)
    assert result.status == "shortfall"
    assert [s.missing for s in result.shortfalls] == [3]
    assert result.breakdown["shortfall"] == 3 * 3 * result.shortfall_unit


def test_one_missing_person_costs_more_than_every_soft_term_together() -> None:
    hates = tuple(ShiftRequest("A", d, None, on=False, weight=1000) for d in range(7))
    p = problem(Staff("A"), coverage=(need(0, "D"),), requests=hates,
                weights=SoftWeights(overtime_per_hour=50, fairness_hours=50))
    result = solved(p)
    assert worked(result) == {0: "D"}
    assert result.shortfall_unit > 1000


def test_it_meets_preferred_cover_and_requests_when_nothing_stops_it() -> None:
    p = problem(Staff("A"), Staff("B"), Staff("C"),
                coverage=(CoverageRequirement(1, "D", preferred=2, weight_under=10,
                                              weight_over=3),),
                requests=(want("C", 4, "E", 2), ShiftRequest("A", 1, "D", on=False, weight=1)))
    result = solved(p)
    on_day_1 = {a.staff for a in result.assignments if a.day == 1 and a.shift == "D"}
    assert on_day_1 == {"B", "C"}
    assert worked(result, "C")[4] == "E"
    assert result.objective == 0
    assert result.kpis is not None and result.kpis.request_honoring_pct == 100.0


def test_it_spreads_nights_evenly() -> None:
    p = problem(*(Staff(s) for s in "ABC"), days=6,
                coverage=tuple(need(d, "N", maximum=1) for d in range(6)),
                weights=replace(SoftWeights.benchmark(), fairness_nights=10))
    result = solved(p)
    counts = [sum(1 for a in result.assignments if a.staff == s and a.shift == "N")
              for s in "ABC"]
    assert counts == [2, 2, 2]
    assert result.kpis is not None and result.kpis.nights_spread == 0


def test_nights_are_shared_in_proportion_to_fte() -> None:
    # A full-timer and a half-timer share six nights: 4 and 2 is even per FTE; 3 and 3
    # would give the half-timer twice the full-timer's share.
    p = problem(Staff("full"), Staff("half", fte=0.5), days=6,
                coverage=tuple(need(d, "N", maximum=1) for d in range(6)),
                weights=replace(SoftWeights.benchmark(), fairness_nights=10))
    result = solved(p)
    nights = {s: sum(1 for a in result.assignments if a.staff == s and a.shift == "N")
              for s in ("full", "half")}
    assert nights == {"full": 4, "half": 2}
    assert result.kpis is not None and result.kpis.nights_spread == 0
    assert result.breakdown["fairness_nights"] == 0


def test_someone_back_from_leave_is_expected_to_do_only_their_share() -> None:
    # "back" is on leave half the period: 4 and 2 nights is even per available FTE.
    p = problem(Staff("here"), Staff("back", days_off={3: "leave", 4: "leave", 5: "leave"}),
                days=6, coverage=tuple(need(d, "N", maximum=1) for d in range(6)),
                weights=replace(SoftWeights.benchmark(), fairness_nights=10))
    result = solved(p)
    nights = {s: sum(1 for a in result.assignments if a.staff == s) for s in ("here", "back")}
    assert nights == {"here": 4, "back": 2}
    assert result.kpis is not None and result.kpis.nights_spread == 0


def test_it_puts_a_senior_on_each_shift_when_it_can() -> None:
    p = problem(Staff("A", seniority=10), Staff("B", seniority=1), Staff("C", seniority=1),
                days=1, coverage=(need(0, "D"),),
                requests=(want("B", 0, "D", 3),),
                weights=replace(SoftWeights.benchmark(), no_senior=20),
                senior_min_seniority=5)
    result = solved(p)
    assert "A" in {a.staff for a in result.assignments}


def test_it_keeps_the_published_roster_when_nothing_changed() -> None:
    published = (Assignment("B", 0, "D"), Assignment("B", 1, "E"))
    p = problem(Staff("A"), Staff("B"), coverage=(need(0, "D"), need(1, "E")),
                reference_roster=published,
                weights=replace(SoftWeights.benchmark(), stability=5))
    result = solved(p)
    assert result.assignments == tuple(sorted(published))
    assert result.kpis is not None and result.kpis.stability_pct == 100.0


def test_it_avoids_overtime_by_sharing_the_work() -> None:
    p = problem(Staff("A", contract=Contract(contracted_minutes=960)),
                Staff("B", contract=Contract(contracted_minutes=960)),
                coverage=tuple(need(d, "D") for d in range(4)),
                weights=replace(SoftWeights.benchmark(), overtime_per_hour=5))
    result = solved(p)
    assert result.breakdown["overtime"] == 0
    assert len(worked(result, "A")) == len(worked(result, "B")) == 2


def test_float_staff_cover_another_unit_and_home_staff_do_not() -> None:
    units = (Unit("WARD"), Unit("ICU"))
    p = problem(Staff("home", allowed_units=frozenset({"WARD"})),
                Staff("float", allowed_units=frozenset({"WARD", "ICU"})),
                units=units, days=1, coverage=(need(0, "D", unit="ICU"),),
                requests=(want("home", 0, "D"),))
    result = solved(p)
    assert Assignment("float", 0, "D", "ICU") in result.assignments
    assert all(a.unit == "WARD" for a in result.assignments if a.staff == "home")


# ------------------------------------------------------------------ solve options --


def small_unit() -> Problem:
    return hospital_unit(seed=3, num_nurses=16, num_days=14)


def test_it_is_deterministic_under_a_fixed_seed_and_worker_count() -> None:
    p = small_unit()
    options = SolveOptions(time_limit_s=2.0, num_workers=2, seed=5, deterministic=True)
    first = solve(p, options)
    second = solve(p, options)
    assert first.assignments
    assert first.assignments == second.assignments
    assert first.objective == second.objective
    assert verify(p, first.assignments) == []


def test_it_reports_progress_and_stops_when_asked() -> None:
    events: list[tuple[int, float, float, float]] = []

    def progress(n: int, objective: float, bound: float, elapsed: float) -> None:
        events.append((n, objective, bound, elapsed))

    p = hospital_unit(seed=4, num_nurses=30, num_days=28)
    started = time.monotonic()
    result = solve(p, SolveOptions(time_limit_s=30.0, progress=progress,
                                   should_stop=lambda: len(events) >= 1))
    assert time.monotonic() - started < 15
    assert result.assignments and verify(p, result.assignments) == []
    assert events[0][0] == 1 and events[0][3] >= 0


def test_a_previous_roster_given_as_hint_is_a_warm_start() -> None:
    p = small_unit()
    first = solved(p, SolveOptions(time_limit_s=3.0, seed=2))
    assert first.objective is not None
    again = solved(p, SolveOptions(time_limit_s=0.5, seed=9, hint=first.assignments))
    assert again.objective is not None and again.objective <= first.objective


def test_a_generated_hospital_unit_is_rostered_without_violations() -> None:
    p = small_unit()
    result = solved(p, SolveOptions(time_limit_s=4.0, seed=0))
    assert result.kpis is not None
    assert 0.0 <= result.kpis.coverage_ratio <= 1.0
    assert result.gap is not None and result.gap >= 0


def test_a_contract_no_roster_can_keep_is_reported_infeasible_not_timed_out() -> None:
    # Eight shifts in a seven-day period: local search cannot prove this, the
    # feasibility search must, so the answer is "infeasible" rather than "unknown".
    impossible = Contract(min_total_minutes=8 * 480)
    p = problem(Staff("A", contract=impossible), Staff("B"), coverage=(need(0, "D"),))
    result = solve(p, SolveOptions(time_limit_s=20.0, num_workers=2, seed=0))
    assert result.status == "infeasible"
    assert result.assignments == ()


def test_the_first_local_search_hands_over_once_it_stops_improving() -> None:
    # A small unit's best local-search roster comes within a second or two; the rest
    # of the budget belongs to the searches that can prove or improve it.
    p = small_unit()
    options = SolveOptions(time_limit_s=60.0, num_workers=2, seed=0)
    rm = RosterModel(p)
    started = time.monotonic()
    inc = _Incumbent(rm, options, started)
    _local_search(rm, inc, options, limit=60.0)
    assert inc.values is not None
    assert time.monotonic() - started < 30
    values = inc.values
    assert verify(p, rm.assignments(lambda v: values[v.index])) == []


def test_a_throttled_search_still_hands_over_its_best_roster() -> None:
    # Copies are throttled (here: only the first), so the best roster reaches the
    # incumbent through flush() once the search ends.
    p = small_unit()
    options = SolveOptions(time_limit_s=3.0, num_workers=2, seed=0)
    rm = RosterModel(p)
    inc = _Incumbent(rm, options, time.monotonic())
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 3.0
    solver.parameters.num_workers = 2
    callback = _Callback(inc, global_bound=False, throttle=1e9)
    status = solver.solve(rm.m, callback)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    callback.flush(solver, status)
    assert inc.objective == round(solver.objective_value)
    values = inc.values
    assert values is not None
    assert verify(p, rm.assignments(lambda v: values[v.index])) == []


def test_a_roster_without_any_proved_bound_reports_none_never_infinity() -> None:
    # A budget that ends before the whole-model search proves anything: the answer
    # is the roster with "no bound", never an infinite gap on the manager's page.
    p = small_unit()
    options = SolveOptions(time_limit_s=3.0, num_workers=2, seed=0)
    rm = RosterModel(p)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 3.0
    assert solver.solve(rm.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    values = list(solver.response_proto.solution)
    inc = _Incumbent(rm, options, time.monotonic())
    inc.offer(round(solver.objective_value), values, -math.inf)
    result = _result(rm, inc, cp_model.UNKNOWN, time.monotonic())
    assert result.assignments and result.objective == round(solver.objective_value)
    assert result.bound is None and result.gap is None
