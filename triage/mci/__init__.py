"""Mass-casualty allocation: a plain solver package with no Django import.

The model and file formats are those of ``specs/MCI.md`` (after Shaft 2014): the ambulance
stage (victim → ambulance + hospital) and the hospital stage (patient → treatment bundle),
under a policy = social-welfare function × principle of allocation.  Solvers: the greedy
principle approach, first-improvement hill climbing with random restarts, and an exact
CP-SAT optimum for sum and max; a clinical objective (expected survivors); the corrector;
a time-stepped simulation; and an instance generator.
"""

from __future__ import annotations

from triage.mci.clinical import clinical_solve, expected_survivors
from triage.mci.corrector import Correction, correct
from triage.mci.cost import Evaluation, evaluate
from triage.mci.io import (
    FormatError,
    allocation_from_dict,
    allocation_to_dict,
    problem_from_dict,
    problem_to_dict,
    read_allocation,
    read_problem,
)
from triage.mci.problem import (
    PRINCIPLES,
    SWFS,
    Ambulance,
    AmbulanceProblem,
    Bundle,
    Hospital,
    HospitalProblem,
    Patient,
    Policy,
    Victim,
)
from triage.mci.solve import METHODS, SolveResult, default_method, solve

__all__ = [
    "METHODS",
    "PRINCIPLES",
    "SWFS",
    "Ambulance",
    "AmbulanceProblem",
    "Bundle",
    "Correction",
    "Evaluation",
    "FormatError",
    "Hospital",
    "HospitalProblem",
    "Patient",
    "Policy",
    "SolveResult",
    "Victim",
    "allocation_from_dict",
    "allocation_to_dict",
    "clinical_solve",
    "correct",
    "default_method",
    "evaluate",
    "expected_survivors",
    "problem_from_dict",
    "problem_to_dict",
    "read_allocation",
    "read_problem",
    "solve",
]
