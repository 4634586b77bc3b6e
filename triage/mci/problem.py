"""The two allocation problems of a mass-casualty incident, as plain dataclasses.

The model follows Shaft (2014), *A Framework for Resource Allocation in Time Critical
Dynamic Environments* (MMath thesis, University of Waterloo), as the team's
``specs/MCI.md`` states it:

* the **ambulance stage** gives each victim an (ambulance, destination hospital) pair or
  nothing; an ambulance carries one victim per trip, hospitals are shared up to a soft
  capacity;
* the **hospital stage** gives each patient one treatment bundle (room, staff and
  equipment) or nothing; a bundle serves one patient until the procedure ends.

Attributes are the thesis's small integers.  ``ranks`` holds the victim's rank
(0 = first) under each principle of allocation; the principle ``none`` ranks nobody.

An allocation is a mapping from victim id to ``(ambulance id, hospital id)`` or ``None``
(ambulance stage), or from patient id to bundle id or ``None`` (hospital stage).  Ids
missing from the mapping are unassigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SWF = Literal["utilitarian", "egalitarian", "nash"]
SWFS: tuple[SWF, ...] = ("utilitarian", "egalitarian", "nash")

PRINCIPLES: tuple[str, ...] = (
    "none",
    "lottery",
    "first_come_first_served",
    "sickest_first",
    "youngest_first",
    "lives_saved",
    "prognosis",
    "instrumental_value",
    "reciprocity",
)

AmbulanceAllocation = dict[int, tuple[int, int] | None]
HospitalAllocation = dict[int, int | None]
Allocation = AmbulanceAllocation | HospitalAllocation
# What functions accept: any read-only mapping (ids missing are unassigned).
AllocationLike = Mapping[int, tuple[int, int] | None] | Mapping[int, int | None]


@dataclass(frozen=True)
class Policy:
    """A social-welfare function and a principle of allocation.

    Under a principle other than ``none`` each victim's rank (0 = first) is added to its
    single cost, assigned or not (``specs/MCI.md``).  Under the utilitarian sum the rank
    term is a constant; under the egalitarian max and the Nash product it changes which
    allocation is best.  Values are always reported without the rank term too.  A victim
    without a rank for the principle counts 0.
    """

    swf: SWF = "utilitarian"
    principle: str = "none"

    def __post_init__(self) -> None:
        if self.swf not in SWFS:
            raise ValueError(f"swf: unknown social-welfare function {self.swf!r}")
        if self.principle not in PRINCIPLES:
            raise ValueError(f"principle: unknown principle {self.principle!r}")


@dataclass(frozen=True)
class Victim:
    """A victim at the scene (ambulance stage).

    ``severity`` 1 critical … 4 good; ``needs`` 1–3 the level of care needed; ``wait`` the
    time category since first sensed (0 = just sensed).
    """

    id: int
    severity: int
    needs: int
    wait: int = 0
    age: int = 0
    survival_pct: int = 0
    expected_years: int = 0
    ranks: Mapping[str, int] = field(default_factory=dict)

    def rank(self, principle: str) -> int:
        return 0 if principle == "none" else int(self.ranks.get(principle, 0))


@dataclass(frozen=True)
class Patient:
    """A patient in hospital (hospital stage): ``severity`` 1–5 (5 = discharged) and the
    ``procedure`` 1–5 (A–E) needed next."""

    id: int
    severity: int
    procedure: int
    wait: int = 0
    age: int = 0
    survival_pct: int = 0
    expected_years: int = 0
    ranks: Mapping[str, int] = field(default_factory=dict)

    def rank(self, principle: str) -> int:
        return 0 if principle == "none" else int(self.ranks.get(principle, 0))


@dataclass(frozen=True)
class Ambulance:
    """An ambulance and its crew: 1 basic, 2 experienced."""

    id: int
    crew: int


@dataclass(frozen=True)
class Hospital:
    """A receiving hospital: ``resources`` 1–3 (level of care), ``capacity`` (new victims it
    can take), ``distance`` 1 close, 2 medium, 3 far, ``current`` patients already there."""

    id: int
    resources: int
    capacity: int
    distance: int
    current: int = 0


@dataclass(frozen=True)
class Bundle:
    """A treatment bundle (room + staff + equipment) of ``type`` 1–6 (A–C basic, D–F
    advanced)."""

    id: int
    type: int


@dataclass(frozen=True)
class AmbulanceProblem:
    victims: tuple[Victim, ...]
    ambulances: tuple[Ambulance, ...]
    hospitals: tuple[Hospital, ...]
    stage: Literal["ambulance"] = "ambulance"


@dataclass(frozen=True)
class HospitalProblem:
    patients: tuple[Patient, ...]
    bundles: tuple[Bundle, ...]
    stage: Literal["hospital"] = "hospital"


Problem = AmbulanceProblem | HospitalProblem
