"""Generated regional networks (benchmarks, demos and tests).

:func:`network` builds ``sites`` hospitals on a 100 km square, each linked to its four
nearest neighbours (transfer time 1–3 epochs, cost growing with distance), with
``resource_types`` resource types cycling through a realistic catalogue: nurses (ward,
ICU, ED), physicians, respiratory therapists and technicians (whole people, the nurses
and therapists critical), ventilators, monitors and pumps (whole devices, ventilators
critical), and an hours-based resource (agency hours, continuous).  Demand follows a
day/night profile scaled by each site's size, with a surge at one site in ten; each site
covers most of its usual demand with its own fixed units; the mobile pool is about a
tenth of the total demand and a few on-call units join during the horizon.

Everything is drawn from ``random.Random(seed)``, so a seed always gives the same
network.
"""

from __future__ import annotations

import math
import random

from allocation.redeploy.problem import Cell, Initial, Problem, Resource, Transfer

# id, base demand per site of size 1, whole units, critical, hourly cost, movable
_CATALOGUE: tuple[tuple[str, float, bool, bool, float, bool], ...] = (
    ("RN", 24, True, True, 60, True),
    ("ICU_RN", 8, True, True, 75, True),
    ("ED_RN", 10, True, True, 70, True),
    ("MD", 6, True, False, 150, True),
    ("RT", 4, True, True, 55, True),
    ("TECH", 6, True, False, 40, True),
    ("VENT", 5, True, True, 20, True),
    ("MONITOR", 12, True, False, 5, True),
    ("PUMP", 16, True, False, 3, True),
    ("AGENCY_HOURS", 30, False, False, 90, True),
)


def network(sites: int = 20, resource_types: int = 10, epochs: int = 24, seed: int = 1, *,
            first_plan: bool = True, equity_band: float | None = 0.15,
            discount: float = 0.99, neighbours: int = 4) -> Problem:
    """A regional network; see the module docstring.

    ``first_plan`` leaves ``initial`` empty (the pool is placed freely in epoch 0);
    otherwise the pool starts spread over the sites as ``initial`` says.
    """
    rng = random.Random(seed)
    names = tuple(f"S{n + 1:03d}" for n in range(sites))
    where = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in names]
    size = [rng.uniform(0.5, 2.0) for _ in names]
    surge = {n for n in range(sites) if rng.random() < 0.1} or {rng.randrange(sites)}

    resources: list[Resource] = []
    kinds: list[tuple[str, float, bool, bool, float, bool]] = []
    for n in range(resource_types):
        rid, base, whole, critical, wage, movable = _CATALOGUE[n % len(_CATALOGUE)]
        if n >= len(_CATALOGUE):
            rid = f"{rid}_{n // len(_CATALOGUE) + 1}"
        kinds.append((rid, base, whole, critical, wage, movable))

    cells: list[Cell] = []
    pools: dict[str, float] = {}
    for rid, base, whole, _critical, wage, _movable in kinds:
        total = 0.0
        for s, site in enumerate(names):
            start = rng.randrange(epochs)
            demand, buffer, fixed, joins = [], [], [], []
            own = base * size[s] * rng.uniform(0.9, 1.05)
            for t in range(epochs):
                hour = t % 24
                level = base * size[s] * (1 + 0.15 * math.sin(2 * math.pi * (hour - 8) / 24))
                if s in surge and t >= start // 2:
                    level *= 1.0 + min(0.6, 0.1 * (t - start // 2 + 1))
                level *= rng.uniform(0.9, 1.1)
                d = round(level) if whole else round(level, 1)
                demand.append(float(d))
                b = math.ceil(0.5 * math.sqrt(d)) if whole else round(0.5 * math.sqrt(d), 1)
                buffer.append(float(b))
                # Own staff change at the 07:00 and 19:00 handovers.
                f = own * (1.05 if 7 <= hour < 19 else 0.9)
                fixed.append(float(round(f)) if whole else round(f, 1))
                joins.append(1.0 if whole and t == epochs // 3 and rng.random() < 0.15 else 0.0)
                total += d
            cells.append(Cell(
                facility=site, resource=rid, demand=tuple(demand), buffer=tuple(buffer),
                fixed=tuple(fixed), joins=tuple(joins), cost=round(1.3 * wage, 2),
                fixed_cost=wage, penalty=round(wage * rng.uniform(8, 12), 2),
                shortfall_cap=None,
            ))
        pools[rid] = float(round(0.12 * total / epochs)) if whole else round(0.12 * total / epochs, 1)

    for rid, _base, whole, critical, wage, _movable in kinds:
        resources.append(Resource(rid, integer=whole, critical=critical,
                                  switching_cost=round(0.1 * wage, 2), pool=pools[rid]))

    transfers: list[Transfer] = []
    for s in range(sites):
        dist = sorted((math.dist(where[s], where[k]), k) for k in range(sites) if k != s)
        for d, k in dist[:neighbours]:
            for rid, _base, _whole, _critical, wage, movable in kinds:
                if movable:
                    transfers.append(Transfer(names[s], names[k], rid,
                                              cost=round(5 + 0.02 * wage * d, 2),
                                              epochs=1 + int(d // 40)))

    initial: list[Initial] = []
    if not first_plan:
        for rid, _base, whole, _critical, _wage, _movable in kinds:
            left = pools[rid]
            for s, site in enumerate(names):
                share = left if s == sites - 1 else pools[rid] * size[s] / sum(size)
                if whole:
                    share = float(min(left, round(share)))
                initial.append(Initial(site, rid, share))
                left -= share
    return Problem(
        epochs=epochs, facilities=names, resources=tuple(resources), cells=tuple(cells),
        transfers=tuple(transfers), initial=tuple(initial), discount=discount,
        equity_band=equity_band,
    )
