"""Rostering a long or large period when the whole model cannot be built or searched
within the time limit: a constructive start, then re-optimisation window by window.

* **Constructive start.**  Each person's whole period is scheduled on its own, in a
  model of that person alone (every rule of theirs: rest, runs, weekends, days off and
  the period's totals exactly), worth most where the people scheduled before them
  left cover open; people with the fewest choices go first.  The result keeps every
  hard rule whatever the size, as long as each person has a schedule at all.
* **Windows with the rest fixed.**  Then windows of a few weeks (as long as their
  model builds in a fair share of the time left) are re-optimised in turn by the
  ordinary search (:mod:`roster.solver.search`), warm-started from the roster they
  have, so a window never comes back worse.  Around a window the roster stays as it
  is: the days before it are its people's ``Staff.history`` and the days after it
  their ``Staff.fixed`` shifts, as far back and ahead as any rule looks, and the
  formulation (``closed_end``) checks rest, consecutive days, days off and minimum
  runs across both seams.  Totals over the whole period (shifts per type, minutes,
  weekends) become what the person has left once the rest of their period is
  counted, so the whole still keeps them exactly.

Everything runs to one deadline set on entry: building each model stops with
:class:`~roster.solver.formulation.OutOfTime` when its share is spent, and windows are
sized by the build rate measured so far.  The objective reported counts cover,
missing people and requests (the terms that add up over windows); no bound is claimed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import time
from collections.abc import Callable

from roster.solver import derive, polish
from roster.solver.formulation import OutOfTime, RosterModel
from roster.solver.kpi import compute_kpis
from roster.solver.problem import (
    Assignment,
    CoverageRequirement,
    Problem,
    ShiftType,
    Shortfall,
    SolveOptions,
    SolveResult,
    Staff,
)

#: Model cells (staff × day × allowed shift type × unit) built per second, measured on
#: a loaded 2-core machine (20–26 thousand unloaded): decides whether the whole model
#: fits in its share of the budget and how long a piece may be.
CELLS_PER_SECOND = 15_000
#: The whole model is built only when that is expected to take at most this share of
#: the budget.
BUILD_SHARE = 0.25
#: Periods longer than this many weeks are solved in windows (the whole-model search
#: loses its way on long horizons: see the README's benchmarks).
MAX_WHOLE_WEEKS = 12
#: Models larger than this many cells are solved in windows whatever their build time
#: (Instance 12 has 11 256; the whole-model search of the family's 120-staff
#: four weeks, 33 712, found no roster in a minute on a loaded machine).
MAX_WHOLE_CELLS = 30_000
#: Preferred window length in weeks, shortened until a window's model takes at most
#: PIECE_BUILD_SHARE of its share of the time to build.
PIECE_WEEKS = 2
PIECE_BUILD_SHARE = 0.35
#: The single-cell moves of :mod:`roster.solver.polish` after the start may take at
#: most this share of the time left (they stop sooner when a pass finds nothing).
POLISH_SHARE = 0.8
#: Seconds kept back for putting the roster together at the end.
RESERVE_S = 1.0
DEBUG = False

SolveModel = Callable[[RosterModel, SolveOptions, float, float, bool], SolveResult]
#: A window runs column generation only with at least this many seconds (below, its
#: pricing leaves too little for the rest on a loaded machine).
PIECE_COLGEN_MIN_S = 20.0


def cells(problem: Problem, days: int | None = None) -> int:
    """The model's size in cells (allowed staff × day × shift type × unit), estimated
    without building it."""
    days = problem.num_days if days is None else days
    units = len(problem.unit_ids())
    total = 0
    for person in problem.staff:
        types = sum(1 for t in problem.shift_types
                    if person.contract.max_shifts_per_type.get(t.id, 1) > 0)
        where = units if person.allowed_units is None else max(1, len(person.allowed_units))
        total += types * where
    return total * days


def should_split(problem: Problem, options: SolveOptions) -> bool:
    """Pieces when the period is long, or when the whole model would take more than
    its share of the budget to build."""
    if options.deterministic or problem.num_days <= 7:
        return False
    if problem.num_days > 7 * MAX_WHOLE_WEEKS or cells(problem) > MAX_WHOLE_CELLS:
        return True
    return cells(problem) / CELLS_PER_SECOND > BUILD_SHARE * options.time_limit_s


def _piece_days(problem: Problem, seconds: float, left_days: int,
                rate: float = CELLS_PER_SECOND) -> int:
    """Days per piece: PIECE_WEEKS weeks, fewer when its model would take too long to
    build (at ``rate`` cells a second) in its share of ``seconds`` for ``left_days``."""
    per_day = cells(problem, 1) / rate
    weeks = PIECE_WEEKS
    while weeks > 1:
        days = 7 * weeks
        share = seconds * days / max(1, left_days)
        if per_day * days <= PIECE_BUILD_SHARE * share:
            break
        weeks -= 1
    return 7 * weeks


def _lookback(problem: Problem, person: Staff) -> int:
    """How many days before a piece its rules look at."""
    c = person.contract
    fatigue = problem.fatigue_for(person)
    return 2 + max(7, c.max_consecutive_work_days or 0, c.min_consecutive_work_days,
                   c.min_consecutive_days_off, fatigue.max_consecutive_days or 0,
                   fatigue.max_consecutive_nights or 0)


def solve_in_pieces(problem: Problem, options: SolveOptions, started: float,
                    solve_model: SolveModel) -> SolveResult:
    """Roster ``problem`` by the deadline ``started + options.time_limit_s``: each
    person's whole period on their own first (every rule of theirs kept, the period's
    totals exact), aimed at the cover the people before them left open; then windows
    of a few weeks re-optimised in turn with the rest of the roster fixed around them
    (see the module docstring)."""
    deadline = started + options.time_limit_s
    roster = _start(problem, options, deadline - RESERVE_S)
    if roster is None:
        return empty(problem, "unknown", started)
    # Single-cell moves first: cheap where even a week's window is a large model.
    now = time.monotonic()
    roster = polish.polish(problem, roster,
                           now + POLISH_SHARE * max(0.0, deadline - RESERVE_S - now),
                           options.seed)
    if DEBUG:
        print(f"  polished: {sum(_costs(problem, roster).values())}"
              f" {time.monotonic() - started:.1f}s", flush=True)
    solutions = 1
    if options.progress is not None:
        options.progress(solutions, float(sum(_costs(problem, roster).values())), -math.inf,
                         time.monotonic() - started)
    rate = float(CELLS_PER_SECOND)
    rng = random.Random(options.seed)
    start = 0
    while not (options.should_stop is not None and options.should_stop()):
        left = deadline - RESERVE_S - time.monotonic()
        length = _piece_days(problem, max(0.1, left * problem.num_days / WINDOW_SECONDS_DAYS),
                             problem.num_days, rate)
        if left < MIN_WINDOW_S:
            break
        if start >= problem.num_days:
            start = 0
        end = min(problem.num_days, start + length)
        if problem.num_days - end < 7:
            end = problem.num_days
        window = _window_problem(problem, start, end, roster)
        members: set[str] | None = None
        if cells(window) > BLOCK_CELLS:
            # Too large to improve in its share: a block of some of its people, around
            # a day whose cover is short half of the time, the others kept as they are.
            hot = _short_day(problem, roster, rng)
            if hot is not None and rng.random() < 0.5:
                start = max(0, min(problem.num_days - (end - start),
                                   hot - rng.randrange(end - start)))
                end = start + length if problem.num_days - start - length >= 7 \
                    else problem.num_days
                window = _window_problem(problem, start, end, roster)
            per = cells(window) / max(1, len(window.staff))
            k = max(1, min(len(window.staff), int(BLOCK_CELLS // max(1.0, per))))
            chosen = rng.sample(range(len(window.staff)), k)
            members = {window.staff[i].id for i in chosen}
            kept = [dataclasses.replace(a, day=a.day - start) for a in roster
                    if start <= a.day < end and a.staff not in members]
            window = _part(window, tuple(window.staff[i] for i in sorted(chosen)), kept)
            share = min(left, BLOCK_S)
        else:
            # Each window gets its share of what is left, at least MIN_WINDOW_S.
            share = max(MIN_WINDOW_S, left * (end - start) / problem.num_days)
        mine = roster if members is None else [a for a in roster if a.staff in members]
        result, built = _solve_window(window, options, time.monotonic() + min(left, share),
                                      solve_model, mine, start, end, problem.num_days)
        if built > 0.05:
            rate = 0.5 * rate + 0.5 * cells(window) / built
        if DEBUG:
            print(f"  window {start}-{end}: "
                  f"{None if result is None else (result.status, result.objective)}"
                  f" {time.monotonic() - started:.1f}s", flush=True)
        if result is not None and result.assignments and result.status != "unknown":
            inside = [a for a in mine if start <= a.day < end]
            if len(inside) == 0 or result.objective is not None:
                roster = [a for a in roster if not (start <= a.day < end and (
                    members is None or a.staff in members))] + [
                    dataclasses.replace(a, day=a.day + start) for a in result.assignments]
                solutions += 1
                if options.progress is not None:
                    options.progress(solutions, float(sum(_costs(problem, roster).values())),
                                     -math.inf, time.monotonic() - started)
        start = end
    return combined(problem, roster, solutions, started)


#: A window of more cells than this is re-optimised a block at a time: as many of its
#: people as make about this many cells, for at most BLOCK_S seconds each.
BLOCK_CELLS = 4000
BLOCK_S = 3.0


def _short_day(problem: Problem, roster: list[Assignment], rng: random.Random) -> int | None:
    """A day drawn in proportion to what ``roster`` misses of its cover there."""
    costs: dict[int, int] = {}
    for req in _residual(problem, roster):
        missed = 1000 * req.priority * req.minimum + (
            0 if req.preferred is None else req.weight_under * req.preferred)
        if missed:
            costs[req.day] = costs.get(req.day, 0) + missed
    if not costs:
        return None
    days = sorted(costs)
    return rng.choices(days, weights=[costs[d] for d in days])[0]


#: Seconds per day of the period that one round of windows is planned with (sizes the
#: windows: about a minute for a year).
WINDOW_SECONDS_DAYS = 364.0
#: A window is not started with less than this many seconds left.
MIN_WINDOW_S = 1.0


def _window_problem(problem: Problem, start: int, end: int,
                    roster: list[Assignment]) -> Problem:
    """Days ``start .. end-1`` as a problem of their own, the rest of ``roster`` fixed
    around them: history before, fixed shifts after (as far as any rule looks), and
    every total of the period less what the person works outside the window."""
    lengths = {t.id: t.length_minutes for t in problem.shift_types}
    by_person: dict[str, dict[int, str]] = {}
    for a in roster:
        by_person.setdefault(a.staff, {})[a.day] = a.shift
    days = end - start
    staff = []
    for person in problem.staff:
        c = person.contract
        mine = by_person.get(person.id, {})
        outside = {d: t for d, t in mine.items() if not start <= d < end}
        back = _lookback(problem, person)
        history: list[str | None] = []
        for d in range(start - back, start):
            if d < -len(person.history):
                continue
            if d < 0:
                history.append(person.history[len(person.history) + d])
            elif d in person.fixed:
                history.append(person.fixed[d])
            else:
                history.append(outside.get(d))
        fixed = {d - start: t for d, t in person.fixed.items() if d >= start}
        for d in range(end, min(problem.num_days, end + back)):
            if d in outside:
                fixed[d - start] = outside[d]
        minutes = sum(lengths[t] for t in outside.values())
        per_type = {t_id: max(0, limit - sum(1 for t in outside.values() if t == t_id))
                    for t_id, limit in c.max_shifts_per_type.items()}
        weekends = None
        if c.max_weekends is not None:
            worked = {d if problem.weekday(d) == 5 else d - 1 for d in outside
                      if problem.weekday(d) in (5, 6)}
            weekends = max(0, c.max_weekends - len(worked))
        contract = dataclasses.replace(
            c, max_shifts_per_type=per_type,
            min_total_minutes=max(0, c.min_total_minutes - minutes),
            max_total_minutes=(None if c.max_total_minutes is None
                               else max(0, c.max_total_minutes - minutes)),
            max_weekends=weekends,
            contracted_minutes=(None if c.contracted_minutes is None
                                else round(c.contracted_minutes * days / problem.num_days)))
        staff.append(dataclasses.replace(
            person,
            contract=contract,
            history=tuple(history),
            days_off={d - start: r for d, r in person.days_off.items() if start <= d < end},
            day_off_rules={d - start: r for d, r in person.day_off_rules.items()
                           if start <= d < end},
            fixed=fixed,
            certifications={k: (None if v is None else v - start)
                            for k, v in person.certifications.items()
                            if v is None or v - start > 0},
        ))
    return _renumbered(problem, start, end, tuple(staff))


def _renumbered(problem: Problem, start: int, end: int, staff: tuple[Staff, ...]) -> Problem:
    coverage = tuple(dataclasses.replace(r, day=r.day - start) for r in problem.coverage
                     if start <= r.day < end)
    requests = tuple(dataclasses.replace(r, day=r.day - start) for r in problem.requests
                     if start <= r.day < end)
    reference = None
    if problem.reference_roster is not None:
        reference = tuple(dataclasses.replace(a, day=a.day - start)
                          for a in problem.reference_roster if start <= a.day < end)
    timing = {(d - start, t): (s - start * 1440, n) for (d, t), (s, n) in problem.timing.items()
              if start <= d < end}
    return dataclasses.replace(
        problem, num_days=end - start, staff=staff, coverage=coverage, requests=requests,
        name=f"{problem.name} days {start}-{end - 1}",
        start_date=(None if problem.start_date is None
                    else problem.start_date + dt.timedelta(days=start)),
        start_weekday=problem.weekday(start),
        reference_roster=reference, timing=timing)


def _solve_window(window: Problem, options: SolveOptions, deadline: float,
                  solve_model: SolveModel, roster: list[Assignment], start: int,
                  end: int, problem_days: int) -> tuple[SolveResult | None, float]:
    """The window re-optimised from the roster it has now (a warm start never ends
    worse than the roster it was given), and the seconds its model took to build."""
    now = time.monotonic()
    hint = tuple(dataclasses.replace(a, day=a.day - start) for a in roster
                 if start <= a.day < end)
    window_options = dataclasses.replace(
        options, time_limit_s=max(0.05, deadline - now), hint=hint, progress=None)
    try:
        rm = RosterModel(window, deadline=now + 0.7 * (deadline - now),
                         closed_end=end < problem_days)
    except OutOfTime:
        return None, time.monotonic() - now
    built = time.monotonic() - now
    result = solve_model(rm, window_options, now, deadline,
                         deadline - now >= PIECE_COLGEN_MIN_S)
    return result, built


def _start(problem: Problem, options: SolveOptions,
           deadline: float) -> list[Assignment] | None:
    """The greedy start (:func:`greedy`); anyone it could not roster within their rules
    is then rostered by :func:`_constructive` against the cover still open."""
    began = time.monotonic()
    roster, failed = greedy(problem, began + GREEDY_SHARE * (deadline - began))
    first: frozenset[str] = frozenset()
    for _ in range(GREEDY_ROUNDS):
        if DEBUG:
            print(f"  greedy: {len(problem.staff) - len(failed)} people in"
                  f" {time.monotonic() - began:.1f}s, {len(failed)} left", flush=True)
        if not failed or time.monotonic() - began > 0.3 * (deadline - began):
            break
        # Again, those it could not roster first (with the most choice of cover).
        first = first | {person.id for person in failed}
        again, missed = greedy(problem, began + GREEDY_SHARE * (deadline - began), first)
        if len(missed) < len(failed):
            roster, failed = again, missed
    if not failed:
        return roster
    # Each of them alone in a model of their own (small: one person), against the
    # cover the others leave open.
    still: list[Staff] = []
    for person in failed:
        mine = _alone(problem, options, roster, person, deadline) \
            if time.monotonic() < deadline else None
        if mine is None:
            still.append(person)
        else:
            roster = roster + mine
    if DEBUG:
        print(f"  alone: {len(failed) - len(still)} more, {len(still)} left", flush=True)
    if not still:
        return roster
    return _repair(problem, options, roster, still, deadline)


def _alone(problem: Problem, options: SolveOptions, roster: list[Assignment],
           person: Staff, deadline: float) -> list[Assignment] | None:
    """``person``'s roster in a model of their own against the cover ``roster`` leaves
    open (None when there is none, or none found in a second)."""
    from ortools.sat.python import cp_model

    part = dataclasses.replace(
        problem, staff=(person,), coverage=_residual(problem, roster),
        requests=tuple(r for r in problem.requests if r.staff == person.id),
        weights=dataclasses.replace(problem.weights, fairness_nights=0,
                                    fairness_weekends=0, fairness_hours=0, no_senior=0))
    try:
        rm = RosterModel(part, deadline=deadline)
    except OutOfTime:
        return None
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, min(1.0, deadline - time.monotonic()))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = options.seed
    status = solver.solve(rm.m)
    if status == cp_model.UNKNOWN:
        # Nothing with the cover in view within the second: any roster of theirs.
        rm.m.clear_objective()  # type: ignore[no-untyped-call]
        solver.parameters.max_time_in_seconds = max(
            0.05, min(1.0, deadline - time.monotonic()))
        status = solver.solve(rm.m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values: list[int] = list(solver.response_proto.solution)

    def value(v: cp_model.IntVar, values: list[int] = values) -> int:
        return values[v.index]

    return rm.assignments(value)


def _repair(problem: Problem, options: SolveOptions, roster: list[Assignment],
            failed: list[Staff], deadline: float) -> list[Assignment] | None:
    """Those the greedy start could not roster, in one model together with as many of
    the most flexible people it did (their shifts taken back), against the cover the
    rest leave open; twice as many of them each time that has no roster."""
    from ortools.sat.python import cp_model

    done = {a.staff for a in roster}
    flexible = sorted((s for s, person in enumerate(problem.staff) if person.id in done),
                      key=lambda s: -_flexibility(problem, s))
    count = len(failed)
    while time.monotonic() < deadline:
        freed = [problem.staff[s] for s in flexible[:count]]
        ids = {person.id for person in freed}
        kept = [a for a in roster if a.staff not in ids]
        members = tuple(failed) + tuple(freed)
        part = _part(problem, members, kept)
        try:
            rm = RosterModel(part, deadline=deadline)
        except OutOfTime:
            return None
        solver = cp_model.CpSolver()
        left = deadline - time.monotonic()
        solver.parameters.max_time_in_seconds = max(0.05, min(REPAIR_S, 0.5 * left))
        solver.parameters.num_workers = max(1, options.num_workers)
        solver.parameters.random_seed = options.seed
        status = solver.solve(rm.m)
        if status == cp_model.UNKNOWN:
            # Nothing with the cover in view: any roster that keeps their rules will do
            # (the search after the start takes care of the cover).
            rm.m.clear_objective()  # type: ignore[no-untyped-call]
            solver.parameters.max_time_in_seconds = max(
                0.05, min(REPAIR_S, 0.5 * (deadline - time.monotonic())))
            status = solver.solve(rm.m)
        if DEBUG:
            print(f"  repair: {len(members)} people, {len(rm.x)} cells,"
                  f" {solver.status_name(status)}", flush=True)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values: list[int] = list(solver.response_proto.solution)

            def value(v: cp_model.IntVar, values: list[int] = values) -> int:
                return values[v.index]

            return kept + rm.assignments(value)
        if count >= len(flexible):
            return None
        count = min(len(flexible), 2 * count)
    return None


#: Seconds at most for each model of the repair (the cover counted, then any roster).
REPAIR_S = 5.0


def _constructive(problem: Problem, options: SolveOptions,
                  deadline: float) -> list[Assignment] | None:
    """A first roster that keeps every hard rule: the people in groups, the fewest
    choices first, each group's whole period in a model of that group alone (every
    rule of theirs, the period's totals exact) against the cover the groups before
    it left open.  None when a group has no roster at all, or time ran out."""
    from ortools.sat.python import cp_model

    roster: list[Assignment] = []
    order = sorted(range(len(problem.staff)), key=lambda s: _flexibility(problem, s))
    per_person = max(1, cells(problem) // max(1, len(problem.staff)))
    size = max(1, GROUP_CELLS // per_person)
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    n = 0
    while n < len(groups):
        group = groups[n]
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        members = tuple(problem.staff[s] for s in group)
        part = _part(problem, members, roster)
        try:
            rm = RosterModel(part, deadline=deadline)
        except OutOfTime:
            return None
        solver = cp_model.CpSolver()
        # Its share of what is left (half of it: the windows need the rest).
        share = 0.5 * left / (len(groups) - n)
        solver.parameters.max_time_in_seconds = max(0.05, share)
        solver.parameters.num_workers = max(1, options.num_workers)
        solver.parameters.random_seed = options.seed
        status = solver.solve(rm.m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and status != cp_model.INFEASIBLE:
            # No roster in its share: any roster that keeps the rules will do.
            rm.m.clear_objective()  # type: ignore[no-untyped-call]
            solver.parameters.max_time_in_seconds = max(
                0.05, min(deadline - time.monotonic(), max(2.0, 2 * share)))
            status = solver.solve(rm.m)
            if status == cp_model.UNKNOWN and len(group) > 1:
                # Still nothing: the group in halves, each a smaller search.
                half = len(group) // 2
                groups[n:n + 1] = [group[:half], group[half:]]
                continue
        if DEBUG:
            print(f"  group {n}: {len(members)} people, {len(rm.x)} cells,"
                  f" {solver.status_name(status)}", flush=True)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        values: list[int] = list(solver.response_proto.solution)

        def value(v: cp_model.IntVar, values: list[int] = values) -> int:
            return values[v.index]

        roster.extend(rm.assignments(value))
        n += 1
    return roster


#: People per group of the constructive start: as many as make about this many cells.
GROUP_CELLS = 3000


def _part(problem: Problem, members: tuple[Staff, ...], kept: list[Assignment]) -> Problem:
    """The sub-problem of rostering ``members`` around the ``kept`` shifts of everyone
    else: the cover those leave, the members' own requests, and no fairness or seniority
    terms (they only mean something over the whole team)."""
    names = {person.id for person in members}
    return dataclasses.replace(
        problem, staff=members, coverage=_residual(problem, kept),
        requests=tuple(r for r in problem.requests if r.staff in names),
        weights=dataclasses.replace(problem.weights, fairness_nights=0, fairness_weekends=0,
                                    fairness_hours=0, no_senior=0))


def _residual(problem: Problem, roster: list[Assignment]) -> tuple[CoverageRequirement, ...]:
    """The coverage requirements less the qualifying people ``roster`` already puts
    there (a maximum keeps only the places left)."""
    staff = {person.id: person for person in problem.staff}
    on_slot: dict[tuple[int, str, str], list[Staff]] = {}
    for a in roster:
        on_slot.setdefault((a.day, a.shift, a.unit), []).append(staff[a.staff])
    out = []
    for req in problem.coverage:
        n = sum(1 for person in on_slot.get((req.day, req.shift, req.unit), ())
                if derive.qualifies(person, req))
        out.append(dataclasses.replace(
            req, minimum=max(0, req.minimum - n),
            preferred=None if req.preferred is None else max(0, req.preferred - n),
            maximum=None if req.maximum is None else max(0, req.maximum - n)))
    return tuple(out)


def _flexibility(problem: Problem, s: int) -> int:
    """People with fewer choices go first (fewer shift types and units, more days
    off)."""
    person = problem.staff[s]
    types = sum(1 for t in problem.shift_types
                if person.contract.max_shifts_per_type.get(t.id, 1) > 0)
    units = len(problem.unit_ids()) if person.allowed_units is None else \
        len(person.allowed_units)
    return types * units * (problem.num_days - len(person.days_off))


def _costs(problem: Problem, roster: list[Assignment]) -> dict[str, int]:
    """Cover, shortfall and request costs of ``roster`` (the terms every problem has;
    fairness, seniority, stability and overtime are not measured here)."""
    staff = {person.id: person for person in problem.staff}
    on_slot: dict[tuple[int, str, str], list[Staff]] = {}
    worked: dict[tuple[str, int], str] = {}
    for a in roster:
        on_slot.setdefault((a.day, a.shift, a.unit), []).append(staff[a.staff])
        worked[(a.staff, a.day)] = a.shift
    costs = {"shortfall": 0, "cover_under": 0, "cover_over": 0, "requests_on": 0,
             "requests_off": 0}
    for req in problem.coverage:
        n = sum(1 for person in on_slot.get((req.day, req.shift, req.unit), ())
                if derive.qualifies(person, req))
        costs["shortfall"] += req.priority * max(0, req.minimum - n)
        if req.preferred is not None:
            costs["cover_under"] += req.weight_under * max(0, req.preferred - n)
            costs["cover_over"] += req.weight_over * max(0, n - req.preferred)
    for r in problem.requests:
        got = worked.get((r.staff, r.day))
        hit = got is not None and (r.shift is None or got == r.shift)
        if r.on and not hit:
            costs["requests_on"] += r.weight
        elif not r.on and hit:
            costs["requests_off"] += r.weight
    return costs


def empty(problem: Problem, status: str, started: float) -> SolveResult:
    return SolveResult(status, (), None, None, None, {}, None, (),  # type: ignore[arg-type]
                       time.monotonic() - started, 0, 1)


def combined(problem: Problem, roster: list[Assignment], solutions: int,
              started: float) -> SolveResult:
    """The roster as one answer.  Its objective counts cover, missing people (at one
    per person: ``shortfall_unit`` is 1 here) and requests; no lower bound is
    claimed."""
    assignments = tuple(sorted(roster))
    breakdown = _costs(problem, roster)
    staff = {person.id: person for person in problem.staff}
    on_slot: dict[tuple[int, str, str], list[Staff]] = {}
    for a in assignments:
        on_slot.setdefault((a.day, a.shift, a.unit), []).append(staff[a.staff])
    missing = []
    for req in problem.coverage:
        if req.minimum > 0:
            n = sum(1 for person in on_slot.get((req.day, req.shift, req.unit), ())
                    if derive.qualifies(person, req))
            if n < req.minimum:
                missing.append(Shortfall(req, req.minimum - n))
    return SolveResult(
        status="shortfall" if missing else "feasible",
        assignments=assignments,
        objective=float(sum(breakdown.values())),
        bound=None,
        gap=None,
        breakdown=breakdown,
        kpis=compute_kpis(problem, assignments),
        shortfalls=tuple(missing),
        solve_seconds=time.monotonic() - started,
        num_solutions=solutions,
        shortfall_unit=1,
    )


#: The greedy start's attempts for a person: the share of the way from their minimum
#: to their maximum minutes it aims at, and how many days ahead of an even pace it
#: keeps (each next attempt for anyone the one before failed works more, and earlier).
GREEDY_AIM = ((0.05, 0), (0.35, 0), (0.35, 4), (0.7, 7), (1.0, 10))
#: Greedy rounds at most: each next round takes first those the ones before could not
#: roster (while it has used less than a third of the time).
GREEDY_ROUNDS = 3
#: The greedy start may take this share of the time (it is what makes sure of a roster).
GREEDY_SHARE = 0.8
#: Attempts (as above) blind to the cover, for anyone the ones above failed: shift
#: types chosen for the person's own sake (the same as the day before where it may).
GREEDY_BLIND = ((0.05, 0), (0.35, 4), (1.0, 10))


def greedy(problem: Problem, deadline: float,
            first: frozenset[str] = frozenset()) -> tuple[list[Assignment], list[Staff]]:
    """A first roster built day by day for one person after another (the fewest
    choices first), each shift checked against every rule of theirs as it is placed and
    aimed at the cover still open; then each person's roster checked by
    :mod:`roster.solver.verify`.  Returns the roster of those it kept and the people it
    could not roster within their rules (for the model to take over)."""
    from roster.solver.verify import verify

    counts: dict[tuple[int, str, str], list[CoverageRequirement]] = {}
    for req in problem.coverage:
        counts.setdefault((req.day, req.shift, req.unit), []).append(req)
    filled: dict[tuple[int, str, str], int] = {}
    roster: list[Assignment] = []
    failed: list[Staff] = []
    order = sorted(range(len(problem.staff)),
                   key=lambda s: (problem.staff[s].id not in first, _flexibility(problem, s)))
    # Places left under the slots' maximums less the shifts the people still to come
    # need for their minimum hours (None: some slot has no maximum).  Nobody works more
    # than their pace while that is short, so the last ones still find places.
    places: float | None = None
    every = {(d, t.id, u) for d in range(problem.num_days) for t in problem.shift_types
             for u in problem.unit_ids()}
    caps = {key: min(r.maximum for r in reqs if r.maximum is not None)
            for key, reqs in counts.items() if any(r.maximum is not None for r in reqs)}
    if every <= set(caps):
        longest = max(t.length_minutes for t in problem.shift_types)
        places = sum(caps.values()) - sum(person.contract.min_total_minutes / longest
                                          for person in problem.staff)
    for s in order:
        person = problem.staff[s]
        extras = places is None or places > 0
        if time.monotonic() > deadline:
            failed.append(person)
            continue
        # Coverage maximums are kept as the shifts are placed (``filled``).
        alone = dataclasses.replace(problem, staff=(person,), coverage=())
        mine: list[Assignment] | None = None
        attempts = [(aim, lead, False) for aim, lead in GREEDY_AIM] + [
            (aim, lead, True) for aim, lead in GREEDY_BLIND]
        for aim, lead, blind in attempts:
            mine = _greedy_person(problem, person, counts, filled, aim, extras, lead, blind)
            if mine is not None and not verify(alone, mine):
                break
            mine = None
        if mine is None:
            failed.append(person)
            continue
        for a in mine:
            key = (a.day, a.shift, a.unit)
            filled[key] = filled.get(key, 0) + 1
        roster.extend(mine)
        if places is not None:
            places -= len(mine) - person.contract.min_total_minutes / longest
    return roster, failed


def _greedy_person(problem: Problem, person: Staff,
                   counts: dict[tuple[int, str, str], list[CoverageRequirement]],
                   filled: dict[tuple[int, str, str], int], aim: float,
                   extras: bool = True, lead: int = 0,
                   blind: bool = False) -> list[Assignment] | None:
    """One person's whole period, day by day (None when a rule leaves no way on),
    working ahead of their pace for open cover only with ``extras``."""
    h = problem.num_days
    c = person.contract
    fatigue = problem.fatigue_for(person)
    max_days, max_nights = derive.consecutive_limits(problem, person)
    shifts = {t.id: t for t in problem.shift_types}
    forbidden = derive.forbidden_successions(problem, person)
    gaps = sorted(forbidden)
    last = derive.last_known_day(problem, person)
    timeline: dict[int, str | None] = {d: derive.history_shift(person, d)
                                       for d in range(-len(person.history), 0)}
    for d, t_id in person.fixed.items():
        timeline[d] = t_id
    top = c.max_total_minutes
    low = c.min_total_minutes
    if top is not None:
        target = low + aim * (top - low)
    elif low:
        target = low * (1 + aim / 4)
    else:
        target = float(c.contracted_minutes or 0)
    weekends = derive.weekends(problem)
    weekend_of = {d: i for i, group in enumerate(weekends) for d in group}
    used_weekends: set[int] = set()
    per_type: dict[str, int] = {}
    minutes = 0
    out: list[Assignment] = []
    units = problem.unit_ids()
    kinds = [t for t in problem.shift_types if c.max_shifts_per_type.get(t.id, 1) > 0]

    def run_back(d: int, night: bool = False) -> int:
        n = 0
        while True:
            t_id = timeline.get(d - 1 - n)
            if t_id is None or (night and not shifts[t_id].is_night):
                return n
            n += 1

    def run_ahead(d: int, night: bool = False) -> int:
        n = 0
        while d + 1 + n <= last:
            t_id = timeline.get(d + 1 + n)
            if t_id is None or (night and not shifts[t_id].is_night):
                return n
            n += 1
        return n

    def legal(d: int, t: ShiftType, unit: str) -> bool:
        if c.max_shifts_per_type.get(t.id, 1 << 30) <= per_type.get(t.id, 0):
            return False
        if top is not None and minutes + t.length_minutes > top:
            return False
        w = weekend_of.get(d)
        if (w is not None and w not in used_weekends and c.max_weekends is not None
                and len(used_weekends) >= c.max_weekends):
            return False
        for g in gaps:
            before = timeline.get(d - g)
            if before is not None and (before, t.id) in forbidden[g]:
                return False
            after = timeline.get(d + g)
            if after is not None and (t.id, after) in forbidden[g]:
                return False
        if max_days is not None and run_back(d) + 1 + run_ahead(d) > max_days:
            return False
        if t.is_night and max_nights is not None and \
                run_back(d, True) + 1 + run_ahead(d, True) > max_nights:
            return False
        if derive.static_block(problem, person, d, t, unit) is not None:
            return False
        if fatigue.max_minutes_7_days is not None:
            for first in range(d - 6, d + 1):
                total = t.length_minutes + sum(
                    shifts[x].length_minutes for e in range(first, first + 7)
                    if e != d and (x := timeline.get(e)) is not None)
                if total > fatigue.max_minutes_7_days:
                    return False
        for req in counts.get((d, t.id, unit), ()):
            if req.maximum is not None and derive.qualifies(person, req) and \
                    filled.get((d, t.id, unit), 0) + 1 > req.maximum:
                return False
        return True

    def worth(d: int, t: ShiftType, unit: str) -> int:
        if blind:
            return 0
        n = filled.get((d, t.id, unit), 0)
        score = 0
        for req in counts.get((d, t.id, unit), ()):
            if not derive.qualifies(person, req):
                continue
            if n < req.minimum:
                score += 1000 * req.priority
            if req.preferred is not None:
                # Above it, the fuller the slot the less it is worth (spreads the surplus).
                score += (req.weight_under if n < req.preferred
                          else -req.weight_over * (1 + n - req.preferred))
            if req.maximum is not None:
                score -= max(0, n + 1 - req.maximum + 2)
        return score

    def continues(d: int, t: ShiftType) -> bool:
        """Whether, with ``t`` worked on ``d``, a run still short of its minimum can go on
        the day after."""
        nonlocal minutes
        if d + 1 >= h or d + 1 in person.fixed or \
                run_back(d) + 1 >= c.min_consecutive_work_days:
            return True
        timeline[d] = t.id
        per_type[t.id] = per_type.get(t.id, 0) + 1
        minutes += t.length_minutes
        try:
            return any(legal(d + 1, k, u) for k in kinds for u in units)
        finally:
            del timeline[d]
            per_type[t.id] -= 1
            minutes -= t.length_minutes

    def paced(d: int, t: ShiftType) -> bool:
        """Whether ``t`` on ``d`` keeps within the pace of the period's limits on shifts
        of a type and on weekends (used up early, they leave the last weeks short)."""
        if blind:
            return True
        share = free[d + 1] / free[h]
        limit = c.max_shifts_per_type.get(t.id)
        if limit is not None and limit < h and per_type.get(t.id, 0) + 1 > limit * share + 1:
            return False
        w = weekend_of.get(d)
        return (w is None or w in used_weekends or c.max_weekends is None
                or len(used_weekends) + 1 <= c.max_weekends * (w + 1) / len(weekends) + 1)

    def best(d: int, must: bool = False) -> tuple[int, ShiftType, str] | None:
        options = [(worth(d, t, u), t, u) for t in kinds for u in units
                   if legal(d, t, u) and (must or paced(d, t))]
        previous = timeline.get(d - 1)
        options.sort(key=lambda o: (o[0], o[1].id == previous,
                                    c.max_shifts_per_type.get(o[1].id, h)
                                    - per_type.get(o[1].id, 0)), reverse=True)
        return next((o for o in options if continues(d, o[1])), None)

    def can_run(d: int) -> bool:
        """Whether a run started on ``d`` can last its minimum length."""
        for e in range(d, min(h, d + c.min_consecutive_work_days)):
            if e in person.days_off or e in person.fixed or \
                    problem.weekday(e) in c.unavailable_weekdays:
                return False
            w = weekend_of.get(e)
            if (w is not None and w not in used_weekends and c.max_weekends is not None
                    and len(used_weekends) >= c.max_weekends):
                return False
        return True

    # free[d]: days before ``d`` the person may work at all (the pace is kept over them).
    free = [0]
    for d in range(h):
        free.append(free[-1] + (d not in person.days_off and d not in person.fixed
                                and problem.weekday(d) not in c.unavailable_weekdays))
    free[h] = max(1, free[h])
    for d in range(h):
        if d in person.fixed:
            continue
        on = run_back(d)
        off = 0 if on else _off_run(timeline, d, -len(person.history))
        choice = None
        if 0 < on < c.min_consecutive_work_days:
            choice = best(d) or best(d, must=True)
            if choice is None:
                return None
        elif on == 0 and 0 < off < c.min_consecutive_days_off:
            choice = None
        else:
            share = free[min(h, d + 1 + lead)] / free[h]
            pace = target * share
            ceiling = (top if top is not None else 2 * target + 1) * share
            option = best(d)
            if option is not None and (on > 0 or can_run(d)) and (
                    minutes < pace or (extras and option[0] > 0
                                       and minutes + option[1].length_minutes <= ceiling)):
                choice = option
        if choice is None:
            timeline[d] = None
            continue
        _, t, unit = choice
        timeline[d] = t.id
        per_type[t.id] = per_type.get(t.id, 0) + 1
        minutes += t.length_minutes
        if d in weekend_of:
            used_weekends.add(weekend_of[d])
        out.append(Assignment(person.id, d, t.id, unit))
    if minutes < low:
        return None
    return out


def _off_run(timeline: dict[int, str | None], d: int, first: int) -> int:
    """Days off just before ``d``, when a worked day precedes them (0 otherwise: a run
    of days off at the start of what is known has no minimum)."""
    n = 0
    while d - 1 - n >= first and timeline.get(d - 1 - n) is None:
        n += 1
    return n if d - 1 - n >= first else 0
