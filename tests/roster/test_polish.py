"""Single-cell moves on a large roster (roster.solver.polish): they lower the cost the
greedy start leaves, never break a hard rule, and stop at their deadline."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from roster.solver import curtois, decompose, polish, search
from roster.solver.problem import SolveOptions
from roster.solver.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import generate_curtois


def _greedy(tmp_path: Path, days: int, staff: int, types: int, seed: int = 1):
    path = generate_curtois.write(tmp_path, days, staff, types, seed)
    inst = curtois.load(path)
    problem = curtois.to_problem(inst)
    roster, failed = decompose.greedy(problem, time.monotonic() + 30)
    assert not failed
    return inst, problem, roster


def test_moves_lower_the_cost_of_the_greedy_start_and_keep_every_rule(tmp_path: Path) -> None:
    """A quarter of 30 people: the greedy start leaves shifts of the wrong type; the
    moves take a large part of that back, and the whole roster still passes both the
    verifier and the format-level checker."""
    inst, problem, roster = _greedy(tmp_path, 84, 30, 5)
    before = curtois.objective(inst, roster)
    assert verify(problem, roster) == []
    better = polish.polish(problem, roster, time.monotonic() + 60)
    after = curtois.objective(inst, better)
    assert verify(problem, better) == []
    assert curtois.hard_violations(inst, better) == []
    assert after < 0.8 * before, (before, after)
    # Nobody is left out and nobody has two shifts a day.
    assert {a.staff for a in better} == {a.staff for a in roster}
    assert len({(a.staff, a.day) for a in better}) == len(better)


def test_moves_never_exceed_a_slots_maximum(tmp_path: Path) -> None:
    """With every slot capped at what the greedy roster already has there, no move may
    add anyone to a slot (it could only take people away or swap a shift into a slot
    that someone else leaves)."""
    _, problem, roster = _greedy(tmp_path, 28, 12, 3, seed=2)
    on = {}
    for a in roster:
        on[(a.day, a.shift, a.unit)] = on.get((a.day, a.shift, a.unit), 0) + 1
    capped = dataclasses.replace(problem, coverage=tuple(
        dataclasses.replace(r, maximum=on.get((r.day, r.shift, r.unit), 0))
        for r in problem.coverage))
    better = polish.polish(capped, roster, time.monotonic() + 30)
    after = {}
    for a in better:
        after[(a.day, a.shift, a.unit)] = after.get((a.day, a.shift, a.unit), 0) + 1
    assert all(n <= on.get(key, 0) for key, n in after.items())
    assert verify(capped, better) == []


def test_the_moves_stop_at_their_deadline(tmp_path: Path) -> None:
    _, problem, roster = _greedy(tmp_path, 182, 60, 6)
    started = time.monotonic()
    better = polish.polish(problem, roster, started + 1.0)
    assert time.monotonic() - started < 1.0 + 1.0
    assert verify(problem, better) == []


def test_a_long_period_solved_whole_still_gets_a_roster_when_its_model_finds_none(
        tmp_path: Path, monkeypatch) -> None:
    """Twelve weeks are solved as one model; should that search end with nothing (a
    machine far busier than the estimate), the greedy roster improved by the moves is
    returned instead, every rule kept."""
    path = generate_curtois.write(tmp_path, 84, 22, 3, 1)
    inst = curtois.load(path)
    problem = curtois.to_problem(inst)
    assert not decompose.should_split(problem, SolveOptions(time_limit_s=10))
    monkeypatch.setattr(search, "solve_model",
                        lambda rm, options, started, deadline: decompose.empty(
                            rm.p, "unknown", started))
    result = search.solve(problem, SolveOptions(time_limit_s=10, num_workers=2))
    assert result.assignments
    assert verify(problem, result.assignments) == []
    assert curtois.hard_violations(inst, result.assignments) == []
    assert {a.staff for a in result.assignments} == {person.id for person in problem.staff}
