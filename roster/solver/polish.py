"""Local moves on a complete roster, for periods too large for the model to search.

On a long period of many people (a year of 100 or 150 staff) even a week's window is a
model CP-SAT cannot improve in the second or two a minute allows it, and the greedy
start (:func:`roster.solver.decompose.greedy`) leaves shifts of the wrong type: one
slot above its preferred number while another of the same day is short.  This pass
repairs that one cell at a time:

* **change**: someone working a day takes another shift type (or unit) that day;
* **add**: someone off takes a shift where the cover is short;
* **drop**: someone leaves a slot above its preferred number;
* **move**: someone off takes a short slot and gives up a shift of another day of
  theirs, where it is least needed (their totals for the period stay as they are).

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
#: Moves of a shift from another day of the same person tried per cell.
MOVE_TRIES = 8


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

    lengths = {t.id: t.length_minutes for t in problem.shift_types}
    weekend_of = {d: i for i, group in enumerate(derive.weekends(problem)) for d in group}
    forbidden = {person.id: derive.forbidden_successions(problem, person)
                 for person in problem.staff}
    longest = {person.id: derive.consecutive_limits(problem, person)[0]
               for person in problem.staff}

    def shift_on(person: Staff, mine: dict[int, Assignment], d: int) -> str | None:
        a = mine.get(d)
        return a.shift if a is not None else derive.history_shift(person, d)

    def plausible(person: Staff, mine: dict[int, Assignment], changed: tuple[int, ...]) -> bool:
        """Cheap necessary checks around the changed days (successions, runs, the
        period's totals), so most moves that break a rule never reach the verifier."""
        c = person.contract
        rules = forbidden[person.id]
        for d in changed:
            if d not in mine:
                continue
            t = mine[d].shift
            for g, pairs in rules.items():
                before, after = shift_on(person, mine, d - g), shift_on(person, mine, d + g)
                if (before is not None and (before, t) in pairs) or \
                        (after is not None and (t, after) in pairs):
                    return False
            top = longest[person.id]
            if top is not None:
                run, e = 1, d - 1
                while shift_on(person, mine, e) is not None and run <= top:
                    run, e = run + 1, e - 1
                e = d + 1
                while shift_on(person, mine, e) is not None and run <= top:
                    run, e = run + 1, e + 1
                if run > top:
                    return False
        last = problem.num_days - 1
        for d in changed:
            if d in person.days_off and d in mine:
                return False
            for e in (d - 1, d, d + 1):
                if not 0 <= e <= last:
                    continue
                working = shift_on(person, mine, e) is not None
                least = c.min_consecutive_work_days if working else c.min_consecutive_days_off
                if least <= 1:
                    continue
                lo, hi = e, e
                while lo > 0 and (shift_on(person, mine, lo - 1) is not None) == working:
                    lo -= 1
                while hi < last and (shift_on(person, mine, hi + 1) is not None) == working:
                    hi += 1
                # Only runs inside the period: the ends have rules of their own.
                if lo > 0 and hi < last and hi - lo + 1 < least:
                    return False
        if c.max_weekends is not None and any(d in weekend_of for d in changed) and \
                len({weekend_of[d] for d in mine if d in weekend_of}) > c.max_weekends:
            return False
        limit = c.max_shifts_per_type
        for d in changed:
            if d in mine:
                t = mine[d].shift
                if t in limit and sum(1 for a in mine.values() if a.shift == t) > limit[t]:
                    return False
        minutes = sum(lengths[a.shift] for a in mine.values())
        return minutes >= c.min_total_minutes and (
            c.max_total_minutes is None or minutes <= c.max_total_minutes)

    def legal(person: Staff, mine: dict[int, Assignment], changed: tuple[int, ...]) -> bool:
        return plausible(person, mine, changed) and \
            not verify(alone[person.id], list(mine.values()))

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
            if not legal(person, trial, (day,)):
                continue
            if now is not None:
                apply(person, (day, now.shift, now.unit), -1)
            if move is not None:
                apply(person, (day, move.shift, move.unit), 1)
            grid[person.id] = trial
            return True
        return False

    def try_move(person: Staff, day: int) -> bool:
        """``person``, off on ``day``, works a short slot there instead of one of their
        other days (their totals stay as they are); whether a move was made."""
        mine = grid[person.id]
        adds = []
        for t in kinds[person.id]:
            for u in units if person.allowed_units is None else \
                    [u for u in units if u in person.allowed_units]:
                if (day, t, u) in reqs:
                    gain = slot_delta(person, (day, t, u), 1) + wish_delta(person, day, None, t)
                    if gain < 0:
                        adds.append((gain, t, u))
        if not adds:
            return False
        drops = sorted((slot_delta(person, (d, a.shift, a.unit), -1)
                        + wish_delta(person, d, a.shift, None), d)
                       for d, a in mine.items() if d not in person.fixed)
        pairs = sorted((g + r, t, u, d) for g, t, u in adds for r, d in drops[:MOVE_TRIES]
                       if g + r < 0)
        for _, t, u, d in pairs[:MOVE_TRIES]:
            trial = dict(mine)
            gone = trial.pop(d)
            trial[day] = Assignment(person.id, day, t, u)
            if not legal(person, trial, (day, d)):
                continue
            apply(person, (d, gone.shift, gone.unit), -1)
            apply(person, (day, t, u), 1)
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
                if try_cell(person, day) or (day not in grid[person.id]
                                              and try_move(person, day)):
                    improved = True
        if not improved:
            break
    return sorted(a for mine in grid.values() for a in mine.values())
