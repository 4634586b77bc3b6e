"""The roster solver at scale: the time limit (model building included), rosters for
periods solved in pieces, and every hard rule across the pieces' seams."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from roster.solver import curtois, decompose
from roster.solver.problem import SolveOptions
from roster.solver.search import solve, solve_model
from roster.solver.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import generate_curtois


def generated(tmp_path: Path, days: int, staff: int, types: int, seed: int = 1) -> Path:
    return generate_curtois.write(tmp_path, days, staff, types, seed)


def test_the_generator_writes_the_family_format_at_the_size_asked(tmp_path: Path) -> None:
    path = generated(tmp_path, 42, 32, 4)
    inst = curtois.load(path)
    assert (inst.horizon, len(inst.employees), len(inst.shifts)) == (42, 32, 4)
    assert len(inst.cover) == 42 * 4
    assert all(c.weight_under == 100 and c.weight_over == 1 for c in inst.cover)
    assert inst.on_requests and inst.off_requests and inst.days_off
    # Seeded: the same seed writes the same file, another seed another one.
    again = generate_curtois.generate(42, 32, 4, 1)
    assert path.read_bytes() == again.encode("ascii")
    assert generate_curtois.generate(42, 32, 4, 2) != again


def test_the_time_limit_holds_on_a_large_instance_model_building_included(
        tmp_path: Path) -> None:
    """Half a year of 100 staff and 8 shift types: its whole model alone takes longer
    to build than the limit on a loaded machine."""
    path = generated(tmp_path, 182, 100, 8)
    started = time.monotonic()
    problem = curtois.to_problem(curtois.load(path))
    result = solve(problem, SolveOptions(time_limit_s=10, num_workers=2))
    elapsed = time.monotonic() - started
    # A loaded 2-core machine overshoots by CP-SAT's presolve of the piece at hand.
    assert elapsed < 10 + 8, elapsed
    # Whatever it returns keeps every hard rule.
    if result.assignments:
        assert verify(problem, result.assignments) == []


def test_a_period_in_pieces_keeps_every_rule_across_the_seams(tmp_path: Path) -> None:
    """Eight weeks in four fortnights: rest, consecutive days and days off, weekends and
    the period's totals checked over the whole period by the independent verifier."""
    path = generated(tmp_path, 56, 12, 3, seed=3)
    inst = curtois.load(path)
    problem = curtois.to_problem(inst)
    old = decompose.PIECE_WEEKS
    decompose.PIECE_WEEKS = 2
    try:
        result = decompose.solve_in_pieces(
            problem, SolveOptions(time_limit_s=24, num_workers=2), time.monotonic(),
            solve_model)
    finally:
        decompose.PIECE_WEEKS = old
    assert result.assignments, result.status
    assert verify(problem, result.assignments) == []
    assert curtois.hard_violations(inst, result.assignments) == []
    # The pieces were really joined: people work on both sides of every seam.
    days = {a.day for a in result.assignments}
    assert {13, 14, 27, 28, 41, 42} <= days
    assert result.objective is not None and result.objective >= 0


def test_half_a_year_gets_a_roster_that_keeps_every_rule_within_a_short_limit(
        tmp_path: Path) -> None:
    """26 weeks of 50 people: the greedy start rosters everyone within their rules
    (rest, runs, weekends, the period's totals) before the windows improve it, so a
    short limit still returns a roster, checked whole by the independent verifier."""
    path = generated(tmp_path, 182, 50, 6)
    inst = curtois.load(path)
    problem = curtois.to_problem(inst)
    started = time.monotonic()
    result = solve(problem, SolveOptions(time_limit_s=8, num_workers=2))
    assert time.monotonic() - started < 8 + 8
    assert result.assignments, result.status
    assert verify(problem, result.assignments) == []
    assert curtois.hard_violations(inst, result.assignments) == []
    # Everyone works, across the whole half year.
    assert {a.staff for a in result.assignments} == {p.id for p in problem.staff}
    assert max(a.day for a in result.assignments) >= 175
