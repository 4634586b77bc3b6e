"""The public benchmark: the loader, the published objective and the benchmark command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from roster.solver import curtois
from roster.solver.problem import Assignment, SolveOptions
from roster.solver.search import solve
from roster.solver.verify import verify

# Instance 1 of the public benchmark and its best known value, as published.
BENCHMARKS = Path(__file__).resolve().parents[1] / "data" / "curtois"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

TINY = """\
# two nurses, one week, two shift types
SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,600,E

SECTION_STAFF
A,E=7|L=3,4800,0,5,1,1,1
B,E=7|L=0,4800,960,5,2,1,1

SECTION_DAYS_OFF
B,3

SECTION_SHIFT_ON_REQUESTS
A,0,E,2

SECTION_SHIFT_OFF_REQUESTS
B,1,E,3

SECTION_COVER
0,E,1,100,1
1,E,2,100,1
"""


def tiny(tmp_path: Path) -> curtois.CurtoisInstance:
    path = tmp_path / "Tiny.txt"
    path.write_text(TINY, encoding="utf-8")
    return curtois.load(path)


def test_the_loader_reads_every_section(tmp_path: Path) -> None:
    inst = tiny(tmp_path)
    assert inst.name == "Tiny" and inst.horizon == 7
    assert [(s.id, s.length, s.not_follow) for s in inst.shifts] == [
        ("E", 480, ()), ("L", 600, ("E",))]
    a, b = inst.employees
    assert a.max_shifts == {"E": 7, "L": 3} and b.min_total_minutes == 960
    assert inst.days_off == {"B": (3,)}
    assert [(r.employee, r.day, r.shift, r.weight) for r in inst.on_requests] == [("A", 0, "E", 2)]
    assert [(c.day, c.shift, c.requirement) for c in inst.cover] == [(0, "E", 1), (1, "E", 2)]


def test_the_objective_is_the_published_one(tmp_path: Path) -> None:
    inst = tiny(tmp_path)
    # Day 0: A's request met, cover met.  Day 1: B works against an off request (3)
    # and is the only one on E where two are needed (100).  Day 2 has no cover line:
    # its shift costs nothing.  A second E on day 0 is over cover (1).
    roster = [Assignment("A", 0, "E"), Assignment("B", 1, "E"), Assignment("A", 2, "E")]
    assert curtois.objective(inst, roster) == 3 + 100
    assert curtois.objective(inst, [*roster, Assignment("B", 0, "E")]) == 3 + 100 + 1
    assert curtois.objective(inst, []) == 2 + 100 + 200


def test_the_format_checker_catches_what_the_format_forbids(tmp_path: Path) -> None:
    inst = tiny(tmp_path)
    roster = [Assignment("A", 0, "L"), Assignment("A", 1, "E"), Assignment("B", 3, "E")]
    problems = curtois.hard_violations(inst, roster)
    assert any("E may not follow L" in p for p in problems)
    assert any("B day 3: works on a day off" in p for p in problems)


def test_a_malformed_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "Bad.txt"
    path.write_text(TINY.replace("0,E,1,100,1", "0,E,one,100,1"), encoding="utf-8")
    with pytest.raises(curtois.CurtoisFormatError, match="line 23"):
        curtois.load(path)


def test_the_solver_objective_equals_the_published_objective(tmp_path: Path) -> None:
    inst = tiny(tmp_path)
    problem = curtois.to_problem(inst)
    result = solve(problem, SolveOptions(time_limit_s=5, num_workers=2, seed=0))
    assert result.status == "optimal"
    assert result.objective == curtois.objective(inst, result.assignments)
    assert curtois.hard_violations(inst, result.assignments) == []
    assert verify(problem, result.assignments) == []


def test_instance_1_reaches_its_best_known_value() -> None:
    inst = curtois.load(BENCHMARKS / "Instance1.txt")
    problem = curtois.to_problem(inst)
    result = solve(problem, SolveOptions(time_limit_s=30, num_workers=2, seed=0))
    assert curtois.objective(inst, result.assignments) == 607
    assert result.status == "optimal" and result.bound == 607
    assert curtois.hard_violations(inst, result.assignments) == []
    assert verify(problem, result.assignments) == []


def test_the_benchmark_command_prints_json_and_writes_checkable_solutions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import roster_benchmark

    code = roster_benchmark.main(["--seconds", "10", "--json", "--solutions", str(tmp_path),
                                  str(BENCHMARKS / "Instance1.txt")])
    assert code == 0
    [line] = capsys.readouterr().out.strip().splitlines()
    row = json.loads(line)
    assert set(row) >= {"instance", "objective", "best_known", "gap_pct", "bound", "seconds",
                        "violations"}
    assert (row["instance"], row["objective"], row["best_known"], row["gap_pct"]) == (
        "Instance1", 607, 607, 0.0)
    assert row["violations"] == 0
    written = (tmp_path / "Instance1.csv").read_text().splitlines()
    assert written[0] == "employee,day,shift"
    roster = curtois.read_solution(tmp_path / "Instance1.csv")
    inst = curtois.load(BENCHMARKS / "Instance1.txt")
    assert len(roster) == len(written) - 1
    assert curtois.objective(inst, roster) == 607
    assert curtois.hard_violations(inst, roster) == []


def test_the_benchmark_command_repeats_runs_and_prints_their_medians(
        capsys: pytest.CaptureFixture[str]) -> None:
    import roster_benchmark

    code = roster_benchmark.main(["--seconds", "10", "--repeats", "2",
                                  str(BENCHMARKS / "Instance1.txt")])
    assert code == 0
    out = capsys.readouterr().out
    assert "run 1 of 2:" in out and "run 2 of 2:" in out
    medians = out.split("median of 2 runs:")[1].splitlines()
    row = next(line.split() for line in medians if line.startswith("Instance1"))
    # instance, median objective, best known, median gap, range, violations
    assert row == ["Instance1", "607", "607", "0.0", "607-607", "0"]
    assert "runs' mean gaps 0.00, 0.00 %: median 0.00 %" in out


def test_the_benchmark_command_names_a_file_it_cannot_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import roster_benchmark

    bad = tmp_path / "Broken.txt"
    bad.write_text("SECTION_HORIZON\n14\n")
    with pytest.raises(SystemExit) as exited:
        roster_benchmark.main(["--seconds", "1", str(bad)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Broken.txt: missing SECTION_SHIFTS" in err
