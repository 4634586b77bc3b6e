"""Local moves on a complete roster, for periods too large for the model to search.

On a long period of many people (a year of 100 or 150 staff) even a week's window is a
model CP-SAT cannot improve in the second or two a minute allows it, and the greedy
start (:func:`roster.solver.decompose.greedy`) leaves shifts of the wrong type: one
slot above its preferred number while another of the same day is short.  This pass
repairs that one cell at a time:

* **change**: someone working a day takes another shift type (or unit) that day;
* **add**: someone off takes a shift where the cover is short;
* **drop**: someone leaves a slot above its preferred number.

A move is kept only when it lowers the cost (missing people first, then the cover's
weights and the requests, as the model counts them) and the person's whole roster
still keeps every hard rule of theirs, checked by :mod:`roster.solver.verify` (the
same check the greedy start makes).  Slot maximums are never exceeded.  It stops at
its deadline or when a whole pass finds nothing.
"""

from __future__ import annotations

import dataclasses
import random
import time

from roster.solver import derive
from roster.solver.problem import Assignment, CoverageRequirement, Problem, ShiftRequest, Staff
from roster.solver.verify import verify

#: What one missing person of a minimum weighs against the soft terms.
SHORTFALL = 100_000
_FORBIDDEN = 1 << 40


def _req_cost(req: CoverageRequirement, n: int) -> int:
    if req.maximum is not None and n > req.maximum:
        return _FORBIDDEN
    cost = SHORTFALL * req.priority * max(0, req.minimum - n)
    if req.preferred is not None:
        cost += req.weight_under * max(0, req.preferred - n) + \
            req.weight_over * max(0, n - req.preferred)
    return cost


def polish(problem: Problem, roster: list[Assignment], deadline: float,
           seed: int = 0) -> list[Assignment]:
    """``roster`` improved by single-cell moves until ``deadline`` (see the module
    docstring); every person's roster keeps their rules as it did."""
    rng = random.Random(seed)
    staff = {person.id: person for person in problem.staff}
    reqs: dict[tuple[int, str, str], list[int]] = {}
    for i, req in enumerate(problem.coverage):
        reqs.setdefault((req.day, req.shift, req.unit), []).append(i)
    count = [0] * len(problem.coverage)
    grid: dict[str, dict[int, Assignment]] = {person.id: {} for person in problem.staff}
    for a in roster:
        grid[a.staff][a.day] = a
    qualifies: dict[tuple[str, int], bool] = {}

    def qual(person: Staff, i: int) -> bool:
        key = (person.id, i)
        if key not in qualifies:
            qualifies[key] = derive.qualifies(person, problem.coverage[i])
        return qualifies[key]

    for a in roster:
        for i in reqs.get((a.day, a.shift, a.unit), ()):
            if qual(staff[a.staff], i):
                count[i] += 1
    wishes: dict[tuple[str, int], list[ShiftRequest]] = {}
    for r in problem.requests:
        wishes.setdefault((r.staff, r.day), []).append(r)

    def slot_delta(person: Staff, key: tuple[int, str, str], step: int) -> int:
        total = 0
        for i in reqs.get(key, ()):
            if qual(person, i):
                req = problem.coverage[i]
                total += _req_cost(req, count[i] + step) - _req_cost(req, count[i])
        return total

    def wish_delta(person: Staff, day: int, before: str | None, after: str | None) -> int:
        total = 0
        for r in wishes.get((person.id, day), ()):
            for shift, sign in ((before, -1), (after, 1)):
                hit = shift is not None and (r.shift is None or shift == r.shift)
                if r.on != hit:
                    total += sign * r.weight
        return total

    def apply(person: Staff, key: tuple[int, str, str], step: int) -> None:
        for i in reqs.get(key, ()):
            if qual(person, i):
                count[i] += step

    alone = {person.id: dataclasses.replace(problem, staff=(person,), coverage=(),
                                            requests=())
             for person in problem.staff}
    units = problem.unit_ids()
    kinds = {person.id: [t.id for t in problem.shift_types
                         if person.contract.max_shifts_per_type.get(t.id, 1) > 0]
             for person in problem.staff}

    def legal(person: Staff, mine: dict[int, Assignment]) -> bool:
        return not verify(alone[person.id], list(mine.values()))

    def try_cell(person: Staff, day: int) -> bool:
        """The best improving move of ``person`` on ``day``; whether one was made."""
        mine = grid[person.id]
        now = mine.get(day)
        out = 0 if now is None else slot_delta(person, (day, now.shift, now.unit), -1)
        options: list[tuple[int, Assignment | None]] = []
        if now is not None:
            options.append((out + wish_delta(person, day, now.shift, None), None))
        for t in kinds[person.id]:
            for u in units if person.allowed_units is None else \
                    [u for u in units if u in person.allowed_units]:
                if now is not None and (now.shift, now.unit) == (t, u):
                    continue
                if (day, t, u) not in reqs:
                    continue
                gain = out + slot_delta(person, (day, t, u), 1) + wish_delta(
                    person, day, None if now is None else now.shift, t)
                if gain < 0:
                    options.append((gain, Assignment(person.id, day, t, u)))
        options.sort(key=lambda o: o[0])
        for gain, move in options:
            if gain >= 0:
                break
            trial = dict(mine)
            if move is None:
                del trial[day]
            else:
                trial[day] = move
            if not legal(person, trial):
                continue
            if now is not None:
                apply(person, (day, now.shift, now.unit), -1)
            if move is not None:
                apply(person, (day, move.shift, move.unit), 1)
            grid[person.id] = trial
            return True
        return False

    people = list(problem.staff)
    days = list(range(problem.num_days))
    while time.monotonic() < deadline:
        improved = False
        # Days where the cover is short first, then everyone else's days.
        short = {problem.coverage[i].day for i in range(len(count))
                 if _req_cost(problem.coverage[i], count[i]) > 0}
        order = sorted(short) + [d for d in days if d not in short]
        for day in order:
            if time.monotonic() >= deadline:
                break
            rng.shuffle(people)
            for person in people:
                if day in person.fixed:
                    continue
                if try_cell(person, day):
                    improved = True
        if not improved:
            break
    return sorted(a for mine in grid.values() for a in mine.values())
