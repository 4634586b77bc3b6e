"""The fairness floors: exact on small cases, and never above what a roster reaches."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import replace

import pytest

from roster.solver import floors
from roster.solver.formulation import RosterModel
from roster.solver.problem import (
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
from roster.solver.synthetic import hospital_unit
from roster.solver.verify import verify


def brute_count_floor(options, need, slack, unit):
    best = None
    for choice in itertools.product(*options):
        if sum(c for _, c in choice) < need:
            continue
        values = [v for v, _ in choice]
        spread = max(0, math.ceil((max(values) - min(values) - slack) / unit))
        best = spread if best is None else min(best, spread)
    return 0 if best is None else best


def brute_hours_floor(ranges):
    per_person = []
    for lowest, highest, step, contracted in ranges:
        per_person.append([m - contracted for m in range(0, highest + 1, step) if m >= lowest])
    return min(-(-max(c) // 60) - min(c) // 60 for c in itertools.product(*per_person))


@pytest.mark.parametrize("seed", range(40))
def test_count_floor_matches_exhaustive_search(seed):
    rng = random.Random(seed)
    options = []
    for _ in range(rng.randint(2, 4)):
        scale = rng.choice([100, 125, 167, 200, 250])
        options.append([(scale * c, c) for c in range(rng.randint(0, 4) + 1)])
    need = rng.randint(0, sum(len(o) - 1 for o in options) + 1)
    assert floors.count_spread_floor(options, need, 50, 100) == brute_count_floor(
        options, need, 50, 100)


@pytest.mark.parametrize("seed", range(40))
def test_hours_floor_matches_exhaustive_search(seed):
    rng = random.Random(seed)
    ranges = []
    for _ in range(rng.randint(2, 4)):
        step = rng.choice([480, 720, 240])
        lowest = rng.randint(0, 6) * 240
        highest = lowest + rng.randint(1, 5) * 480
        ranges.append((lowest, highest, step, rng.randint(lowest, highest)))
    assert floors.hours_spread_floor(ranges) == brute_hours_floor(ranges)


def test_a_part_timer_beside_full_timers_forces_a_spread():
    # Two full-timers with one night left each (1 night = 100 per FTE) and a 0.6 FTE
    # nurse (1 night = 167) must share three nights: the part-timer then works at
    # least 1.67 nights per FTE against the others' 1, more than half a night apart.
    full = [(0, 0), (100, 1)]
    options = [full, full, [(0, 0), (167, 1), (334, 2)]]
    assert floors.count_spread_floor(options, 3, 50, 100) == 1
    assert brute_count_floor(options, 3, 50, 100) == 1
    # With nothing to cover, everyone can work none: no spread is forced.
    assert floors.count_spread_floor(options, 0, 50, 100) == 0


def test_unreachable_cover_bounds_nothing():
    assert floors.count_spread_floor([[(0, 0), (100, 1)], [(0, 0), (150, 1)]], 5, 50, 100) == 0


def test_generated_unit_gets_its_floors_as_cuts():
    rm = RosterModel(hospital_unit(seed=7))
    spread = rm.spread_vars["fairness_hours"]
    # The hours cut holds unconditionally: it bounds the spread variable's minimum.
    cuts = [c for c in rm.m.proto.constraints
            if list(c.linear.vars) == [spread.index] and c.linear.domain[0] > 0]
    assert cuts, "expected a lower bound on the hours spread"


def random_team(seed: int) -> Problem:
    """A week of nights and days for four to six people of mixed FTE, some on leave,
    with contracts that pin their hours: small enough to prove optimal."""
    rng = random.Random(seed)
    day = ShiftType("D", 480, start_minute=7 * 60)
    night = ShiftType("N", 480 + 60 * rng.choice([0, 2, 4]), start_minute=22 * 60,
                      is_night=True)
    staff = []
    for i in range(rng.randint(4, 6)):
        fte = rng.choice([1.0, 0.8, 0.6, 0.5])
        days_off = {d: "leave" for d in range(7) if rng.random() < 0.15}
        contracted = round(fte * 2400 * (7 - len(days_off)) / 7)
        staff.append(Staff(f"S{i}", fte=fte, days_off=days_off, contract=Contract(
            min_total_minutes=max(0, contracted - 480), max_total_minutes=contracted + 480,
            contracted_minutes=contracted, max_shifts_per_type={"N": rng.randint(1, 4)})))
    cover = [CoverageRequirement(d, "N", minimum=rng.randint(1, 2), maximum=2)
             for d in range(7)]
    cover += [CoverageRequirement(d, "D", minimum=1, maximum=3) for d in range(7)]
    return Problem(num_days=7, shift_types=(day, night), staff=tuple(staff),
                   coverage=tuple(cover), start_date=dt.date(2025, 3, 3),
                   fatigue=FatigueRules(None, None, None, None, None),
                   weights=replace(SoftWeights.benchmark(), fairness_nights=5,
                                   fairness_weekends=3, fairness_hours=2))


# Teams whose every minimum can be met, so every cut is active; on each, raising any
# floor by one changes the optimum (the floors are tight there).
COVERABLE = [1, 3, 4, 9, 14, 15]


@pytest.mark.parametrize("seed", COVERABLE)
def test_floors_never_cut_off_the_optimum(seed, monkeypatch):
    """Proved optimal with and without the cuts: the same optimum, so no cut removed a
    roster the full model allows."""
    problem = random_team(seed)
    options = SolveOptions(time_limit_s=20, num_workers=2, seed=0, use_lns=False)
    with_floors = solve(problem, options)
    monkeypatch.setattr(RosterModel, "_fairness_floors", lambda self: None)
    without = solve(problem, options)
    assert with_floors.status == without.status == "optimal"
    assert with_floors.objective == without.objective
    assert verify(problem, with_floors.assignments) == []


def test_the_floor_is_the_optimum_when_nothing_else_costs():
    # A full-timer and a 0.6 FTE nurse must share every night of a week, one a night,
    # hours free: 4 + 3 nights (400 against 500 per FTE) is the best split and still
    # costs one unit of night spread, which the proved bound knows at once.
    night = ShiftType("N", 480, start_minute=23 * 60, is_night=True)
    staff = (Staff("full", fte=1.0), Staff("part", fte=0.6))
    problem = Problem(num_days=7, shift_types=(night,), staff=staff,
                      coverage=tuple(CoverageRequirement(d, "N", minimum=1, maximum=1)
                                     for d in range(7)),
                      start_date=dt.date(2025, 3, 3),
                      fatigue=FatigueRules(None, None, None, None, None),
                      weights=replace(SoftWeights.benchmark(), fairness_nights=7))
    result = solve(problem, SolveOptions(time_limit_s=10, num_workers=2, seed=0))
    assert result.status == "optimal"
    assert result.objective == result.bound == 7
    assert result.breakdown["fairness_nights"] == 7
