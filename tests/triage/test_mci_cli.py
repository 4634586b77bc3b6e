"""The command-line contract of bench/mci_benchmark.py, run as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.triage.test_mci_cost import AMBULANCE, HOSPITAL
from triage.mci.io import problem_to_dict

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "mci_benchmark.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def run_json(*args: str) -> Any:
    done = run(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def ambulance_file(tmp_path: Path) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_to_dict(AMBULANCE)))
    return path


@pytest.fixture
def hospital_file(tmp_path: Path) -> Path:
    path = tmp_path / "hospital.json"
    path.write_text(json.dumps(problem_to_dict(HOSPITAL)))
    return path


def write(tmp_path: Path, allocation: dict[str, Any]) -> Path:
    path = tmp_path / "allocation.json"
    path.write_text(json.dumps({"allocation": allocation}))
    return path


@pytest.mark.parametrize(
    ("swf", "principle", "value", "without"),
    [
        ("utilitarian", "none", 61, 61),
        ("egalitarian", "none", 39, 39),
        ("nash", "none", 2814, 2814),
        ("utilitarian", "sickest_first", 64, 61),
        ("nash", "sickest_first", 3254, 2814),
    ],
)
def test_it_prints_an_allocations_value_under_the_policy(
    ambulance_file: Path, tmp_path: Path, swf: str, principle: str, value: int, without: int
) -> None:
    allocation = write(tmp_path, {"1": [10, 20], "2": [11, 20], "3": None})
    out = run_json(
        str(ambulance_file), "--allocation", str(allocation), "--swf", swf, "--principle", principle
    )
    assert (out["value"], out["value_without_rank"]) == (value, without)


def test_it_scores_a_hospital_stage_allocation(hospital_file: Path, tmp_path: Path) -> None:
    allocation = write(tmp_path, {"1": 30, "2": 31})
    assert run_json(str(hospital_file), "--allocation", str(allocation))["value"] == 74


def test_it_solves_to_a_proven_optimum_by_default(ambulance_file: Path) -> None:
    out = run_json(str(ambulance_file))
    assert (out["method"], out["status"], out["optimal"]) == ("exact", "optimal", True)
    assert isinstance(out["seconds"], float)
    assert set(out["allocation"]) == {"1", "2", "3"}


def test_the_allocation_it_finds_scores_the_value_it_printed(
    ambulance_file: Path, tmp_path: Path
) -> None:
    found = run_json(str(ambulance_file), "--swf", "nash", "--method", "local", "--restarts", "5")
    assert found["status"] == "feasible"
    allocation = write(tmp_path, found["allocation"])
    scored = run_json(str(ambulance_file), "--allocation", str(allocation), "--swf", "nash")
    assert scored["value"] == found["value"]


def test_it_prints_a_readable_summary_without_json(ambulance_file: Path) -> None:
    done = run(str(ambulance_file), "--method", "greedy")
    assert done.returncode == 0
    assert "value:" in done.stdout and "status: feasible" in done.stdout


def test_it_refuses_an_allocation_that_uses_an_ambulance_twice(
    ambulance_file: Path, tmp_path: Path
) -> None:
    allocation = write(tmp_path, {"1": [10, 20], "2": [10, 21]})
    done = run(str(ambulance_file), "--allocation", str(allocation))
    assert done.returncode == 2
    assert "ambulance 10" in done.stderr


def test_it_rejects_an_unknown_principle(ambulance_file: Path) -> None:
    done = run(str(ambulance_file), "--principle", "tallest_first")
    assert done.returncode == 2


def test_without_a_problem_file_it_benchmarks_each_method(tmp_path: Path) -> None:
    out = run_json("--method", "greedy")
    names = {row["instances"] for row in out["rows"]}
    assert names == {"ambulance 30/20/3", "hospital 10/6", "ambulance 300/100/10"}
    assert all(row["method"] == "greedy" and row["median_seconds"] >= 0 for row in out["rows"])
