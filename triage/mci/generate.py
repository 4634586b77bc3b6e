"""Random instances in the thesis's sizes: 30 victims / 20 ambulances / 3 hospitals and
10 patients / 6 bundles (Shaft 2014), and a larger 300 / 100 / 10.

Seeded and deterministic.  Hospitals and the incident are placed on a 16 × 16 grid; the
distance category comes from the Manhattan distance (1 close ≤ 3, 2 medium ≤ 8, 3 far).
Hospital capacities share out roughly the number of ambulances.  Ranks follow each
principle's attribute (ties to the lower id): first come first served = longest ``wait``
first, sickest first = lowest ``severity``, youngest first = lowest ``age``, lives saved =
highest ``survival_pct``, prognosis = most ``expected_years``; lottery, instrumental value
and reciprocity have no attribute in the model and are random permutations.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Protocol

from triage.mci.problem import (
    Ambulance,
    AmbulanceProblem,
    Bundle,
    Hospital,
    HospitalProblem,
    Patient,
    Victim,
)


class _Person(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def wait(self) -> int: ...
    @property
    def severity(self) -> int: ...
    @property
    def age(self) -> int: ...
    @property
    def survival_pct(self) -> int: ...
    @property
    def expected_years(self) -> int: ...


def distance_category(manhattan: int) -> int:
    return 1 if manhattan <= 3 else 2 if manhattan <= 8 else 3


def principle_ranks(people: Sequence[_Person], rng: random.Random) -> list[dict[str, int]]:
    """Each person's rank (0 = first) under every principle."""
    keys: dict[str, Callable[[_Person], tuple[int, int]]] = {
        "first_come_first_served": lambda p: (-p.wait, p.id),
        "sickest_first": lambda p: (p.severity, p.id),
        "youngest_first": lambda p: (p.age, p.id),
        "lives_saved": lambda p: (-p.survival_pct, p.id),
        "prognosis": lambda p: (-p.expected_years, p.id),
    }
    ranks: list[dict[str, int]] = [{} for _ in people]
    index = {p.id: n for n, p in enumerate(people)}
    for name in ("lottery", "instrumental_value", "reciprocity"):
        order = list(people)
        rng.shuffle(order)
        for r, p in enumerate(order):
            ranks[index[p.id]][name] = r
    for name, key in keys.items():
        for r, p in enumerate(sorted(people, key=key)):
            ranks[index[p.id]][name] = r
    return ranks


def _attributes(rng: random.Random) -> tuple[int, int, int, int]:
    age = rng.randint(1, 90)
    return (
        rng.randint(0, 5),
        age,
        rng.randint(5, 99),
        max(1, 85 - age + rng.randint(-10, 10)),
    )


def ambulance_instance(
    victims: int = 30, ambulances: int = 20, hospitals: int = 3, seed: int = 0
) -> AmbulanceProblem:
    rng = random.Random(seed)
    raw = []
    for n in range(victims):
        wait, age, surv, years = _attributes(rng)
        raw.append(Victim(n + 1, rng.randint(1, 4), rng.randint(1, 3), wait, age, surv, years))
    ranks = principle_ranks(raw, rng)
    people = tuple(
        Victim(v.id, v.severity, v.needs, v.wait, v.age, v.survival_pct, v.expected_years, r)
        for v, r in zip(raw, ranks, strict=True)
    )
    first = victims + 1
    fleet = tuple(Ambulance(first + n, rng.randint(1, 2)) for n in range(ambulances))
    scene = (rng.randint(0, 15), rng.randint(0, 15))
    share = max(1, round(ambulances / max(1, hospitals)))
    sites = []
    for n in range(hospitals):
        x, y = rng.randint(0, 15), rng.randint(0, 15)
        sites.append(
            Hospital(
                id=first + ambulances + n,
                resources=rng.randint(1, 3),
                capacity=rng.randint(max(1, share // 2), share + share // 2),
                distance=distance_category(abs(x - scene[0]) + abs(y - scene[1])),
                current=rng.randint(0, 2 * share),
            )
        )
    return AmbulanceProblem(people, fleet, tuple(sites))


def hospital_instance(patients: int = 10, bundles: int = 6, seed: int = 0) -> HospitalProblem:
    rng = random.Random(seed)
    raw = []
    for n in range(patients):
        wait, age, surv, years = _attributes(rng)
        raw.append(Patient(n + 1, rng.randint(1, 4), rng.randint(1, 5), wait, age, surv, years))
    ranks = principle_ranks(raw, rng)
    people = tuple(
        Patient(p.id, p.severity, p.procedure, p.wait, p.age, p.survival_pct, p.expected_years, r)
        for p, r in zip(raw, ranks, strict=True)
    )
    kit = tuple(Bundle(patients + 1 + n, rng.randint(1, 6)) for n in range(bundles))
    return HospitalProblem(people, kit)
