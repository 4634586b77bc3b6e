"""The search: how a roster is found for the model of :mod:`roster.solver.formulation`.

Search: when every soft term but cover belongs to one person, column generation over
whole-period schedules first (:mod:`roster.solver.colgen`: a tight Lagrangian bound,
and CP-SAT on the model restricted to the master's columns for the first rosters).
Then CP-SAT's parallel portfolio; on larger models the rest of the time goes
to a large-neighbourhood search (LNS) of our own that re-optimises a few staff members
or a window of days at a time with everybody else fixed.  Those sub-problems are
small enough for CP-SAT to solve to optimality in well under a second, which beats the
portfolio's own neighbourhoods on rostering models with 2 cores.
"""


from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from roster.solver import colgen, decompose, polish
from roster.solver.formulation import OutOfTime, RosterModel, full_hint
from roster.solver.kpi import compute_kpis
from roster.solver.lns import Lns
from roster.solver.problem import (
    Assignment,
    Problem,
    Shortfall,
    SolveOptions,
    SolveResult,
    Status,
)


class _Incumbent:
    """The best roster so far across every CP-SAT call of one solve()."""

    def __init__(self, rm: RosterModel, options: SolveOptions, started: float) -> None:
        self.rm = rm
        self.options = options
        self.started = started
        # The full solution vector, indexed by the variables' proto index (LNS models
        # are clones of the base model, so indices agree across calls).
        self.values: list[int] | None = None
        self.objective: int | None = None
        self.bound: float = -math.inf
        self.solutions = 0
        self.improved_at = started
        self.lock = threading.Lock()

    def offer(self, objective: int, values: list[int], bound: float) -> bool:
        with self.lock:
            self.bound = max(self.bound, bound)
            if self.objective is not None and objective >= self.objective:
                return False
            self.objective = objective
            self.values = values
            self.solutions += 1
            self.improved_at = time.monotonic()
            if self.options.progress is not None:
                self.options.progress(self.solutions, float(objective), self.bound,
                                      time.monotonic() - self.started)
            return True

    def touch(self, objective: int) -> None:
        """A better roster exists but is not copied yet (see :class:`_Callback`)."""
        with self.lock:
            if self.objective is None or objective < self.objective:
                self.improved_at = time.monotonic()

    def gap(self) -> float:
        with self.lock:
            return math.inf if self.objective is None else _gap(self.objective, self.bound)

    def raise_bound(self, bound: float) -> None:
        """A better lower bound, proved by a search still running."""
        with self.lock:
            if bound <= self.bound:
                return
            self.bound = bound
            if self.options.progress is not None and self.objective is not None:
                self.options.progress(self.solutions, float(self.objective), self.bound,
                                      time.monotonic() - self.started)

    def stop_requested(self) -> bool:
        return self.options.should_stop is not None and self.options.should_stop()


def _gap(objective: float, bound: float) -> float:
    """The relative gap between a roster's cost and a lower bound."""
    return (objective - bound) / max(1.0, abs(objective))


class _Callback(cp_model.CpSolverSolutionCallback):
    """Records improving rosters and honours ``should_stop``.

    Copying a solution out of CP-SAT costs milliseconds on a large model, and local
    search reports hundreds of small improvements a second: with ``throttle`` (s) a
    roster is copied at most that often, and :meth:`flush` hands over the last one
    once the search has ended.
    """

    def __init__(self, inc: _Incumbent, global_bound: bool, throttle: float = 0.0) -> None:
        super().__init__()
        self.inc = inc
        # An LNS sub-model's bound only holds for its neighbourhood, not globally.
        self.global_bound = global_bound
        self.throttle = throttle
        self.copied_at = -math.inf

    def on_solution_callback(self) -> None:
        now = time.monotonic()
        if now - self.copied_at >= self.throttle:
            self.copied_at = now
            bound = self.best_objective_bound if self.global_bound else -math.inf
            self.inc.offer(round(self.objective_value), list(self.response_proto.solution),
                           bound)
        else:
            self.inc.touch(round(self.objective_value))
        if self.inc.stop_requested():
            self.stop_search()

    def flush(self, solver: cp_model.CpSolver, status: cp_model.CpSolverStatus) -> None:
        """Offer the best roster of the search ``solver`` has just finished."""
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.inc.offer(round(solver.objective_value),
                           list(solver.response_proto.solution), -math.inf)


def _set_params(params: cp_model.SatParameters, options: SolveOptions, time_limit: float,
                workers: int, lp_heavy: bool = True) -> None:
    params.num_workers = max(1, workers)
    params.random_seed = options.seed
    params.log_search_progress = options.log
    # The LP-heavy worker (linearization level 2) closes the sub-problems and finds
    # the good rosters on rostering models; its root LP may need many simplex
    # iterations on large models, which is worth it.
    if lp_heavy:
        params.root_lp_iterations = 100_000
        if workers > 1:
            params.subsolvers.append("max_lp")
        else:
            params.linearization_level = 2
    if options.deterministic:
        # Interleaved search is CP-SAT's reproducible parallel mode; the budget is in
        # deterministic time so machine load cannot change the answer.
        params.interleave_search = True
        params.max_deterministic_time = max(0.01, time_limit)
        params.max_time_in_seconds = 3 * time_limit + 5
    else:
        params.max_time_in_seconds = max(0.01, time_limit)


def solve(problem: Problem, options: SolveOptions | None = None) -> SolveResult:
    """Roster ``problem`` within ``options.time_limit_s`` (see :class:`SolveOptions`).

    When column generation applies (:func:`use_colgen`), it runs first and the
    restricted model's rosters stand in for phase 0 (:func:`_colgen_phase`).
    Phase 0 finds a first roster (:func:`_first_roster`).  Phase 1 runs CP-SAT on the
    whole model with the LP-heavy worker: on small and mid-size models its linear
    relaxation is solved in a second or two and its LP-guided search finds
    near-optimal rosters and a good bound.  With more than one worker, one core runs an
    LNS stream alongside from the start.  Phase 2 (LNS on every core, see
    :mod:`roster.solver.lns`) takes over at ``PHASE1_SHARE`` of the budget, or
    earlier: at ``EARLY_SHARE`` when the bound is in and the gap still above
    ``EARLY_GAP``, at ``LP_WAIT_SHARE`` when the whole model's root LP has still not
    been solved (large models, where that LP alone can take half a minute).
    """
    options = options or SolveOptions()
    # One deadline, set here, for everything: building the model, every phase, the
    # pieces of a decomposed period.
    started = time.monotonic()
    deadline = started + options.time_limit_s
    if decompose.should_split(problem, options):
        return decompose.solve_in_pieces(problem, options, started, solve_model)
    start = _greedy_start(problem, options, deadline)
    fallback = None
    if start is not None and start[1] and not _large(problem):
        # A long period of a mid-size team: its whole model searches better from
        # scratch (84 days of 40 people: 13 and 61 against 36 and 119 from this
        # start), so this roster is kept only for when it finds none.
        fallback, start = start[0], None
    if start is not None and start[1]:
        # Everyone rostered within their rules: a complete warm start.
        options = dataclasses.replace(options, hint=tuple(start[0]))
    try:
        rm = RosterModel(problem, deadline=None if options.deterministic else deadline)
    except OutOfTime:
        # Not even built by the deadline (a machine far busier than the estimate).
        if fallback is not None:
            return decompose.combined(problem, fallback, 1, started)
        return decompose.empty(problem, "unknown", started)
    if start is not None and not start[1]:
        # Some people left out: the rest of the greedy roster still shows the local
        # search where the cover can come from.
        rm.hint(start[0])
    result = solve_model(rm, options, started, deadline)
    if fallback is not None and not result.assignments:
        return decompose.combined(problem, fallback, 1, started)
    return result


#: A model of at least this many cells (a whole site: 250 nurses over four weeks has
#: about 25 000; the generated 60-nurse unit 4 900) starts from the greedy roster of
#: :mod:`roster.solver.decompose` and gives the search for a roster with every minimum
#: covered up to ``LARGE_COVER_SHARE`` of the budget: on the site-sized case CP-SAT's
#: local search found none in 5 s, and one in about 24 s alone or 10 s from the
#: greedy roster.
LARGE_CELLS = 15_000
LARGE_COVER_SHARE = 0.75
#: Before it, a roster short of cover may take up to this share (see _first_roster).
LARGE_ANY_SHARE = 0.3
#: The greedy start may take at most this share of the budget here.
LARGE_GREEDY_SHARE = 0.15


#: A period longer than this many weeks (solved whole up to decompose.MAX_WHOLE_WEEKS)
#: also gets the greedy roster, after single-cell moves taking at most
#: LONG_POLISH_SHARE of the budget, as its answer should the whole model find none.
LONG_WEEKS = 8
LONG_POLISH_SHARE = 0.05


def _large(problem: Problem) -> bool:
    return decompose.cells(problem) >= LARGE_CELLS


def _greedy_start(problem: Problem, options: SolveOptions,
                  deadline: float) -> tuple[list[Assignment], bool] | None:
    """For a large model without a warm start of its own: the greedy roster of
    :func:`roster.solver.decompose.greedy`, and whether it rosters everyone."""
    long = problem.num_days > 7 * LONG_WEEKS
    if options.deterministic or options.hint or not (_large(problem) or long):
        return None
    now = time.monotonic()
    roster, failed = decompose.greedy(problem, now + LARGE_GREEDY_SHARE * (deadline - now))
    if long and roster and not failed:
        # A long period's whole model may find no roster of its own in time: this one,
        # improved by single-cell moves (a second or two), is then the answer.
        now = time.monotonic()
        roster = polish.polish(problem, roster, now + LONG_POLISH_SHARE * (deadline - now),
                               options.seed)
    return (roster, not failed) if roster else None


def solve_model(rm: RosterModel, options: SolveOptions, started: float,
                deadline: float, colgen_ok: bool = True) -> SolveResult:
    """Search the built model ``rm`` by ``deadline`` (the phases of :func:`solve`);
    ``colgen_ok=False`` skips column generation."""
    if options.hint:
        rm.hint(options.hint)
    inc = _Incumbent(rm, options, started)
    if COLGEN and colgen_ok and use_colgen(rm, options):
        if options.hint:
            # A warm start never starts worse than the roster it was given.
            _hinted_roster(rm, inc, options, PHASE0_SHARE * options.time_limit_s)
        _colgen_phase(rm, inc, options, deadline)
        if inc.stop_requested():
            return _result(rm, inc, cp_model.UNKNOWN, started)
    # Phase 0: any roster that keeps the hard rules, fast (the objective makes CP-SAT's
    # first-solution heuristics much slower on contract-heavy models).
    first = (cp_model.FEASIBLE if inc.values is not None
             else _first_roster(rm, inc, options, deadline))
    if first == cp_model.INFEASIBLE:
        return _result(rm, inc, first, started)
    if inc.values is not None:
        rm.set_full_hint(inc.values)
    budget = max(0.01, deadline - time.monotonic())
    if options.deterministic:
        # Measured in work, not wall time, so the answer cannot depend on load.
        budget = options.time_limit_s * (1 - PHASE0_SHARE)
    use_lns = options.use_lns and len(rm.x) > 0
    solver = cp_model.CpSolver()
    holder = [solver]
    _set_params(solver.parameters, options, budget, options.num_workers)
    # With a roster in hand, one core runs LNS from the start while the whole model
    # works towards its bound on the others.
    alongside = (use_lns and not options.deterministic and options.num_workers > 1
                 and inc.values is not None)
    if alongside:
        _leave_one_core(solver.parameters, options.num_workers)
    lp_seen = threading.Event()
    if use_lns:
        if options.deterministic:
            solver.parameters.max_deterministic_time = max(0.01, PHASE1_SHARE * budget)
        # CP-SAT reports which worker improved the bound only in its log: watch it
        # to learn whether the LP worker is contributing yet.
        _watch_bound(solver, inc, options, lp_seen)
    phase1_end = time.monotonic() + PHASE1_SHARE * budget
    lp_wait_end = time.monotonic() + LP_WAIT_SHARE * budget
    stop_flag = threading.Event()

    early_end = time.monotonic() + EARLY_SHARE * budget
    lns = _LnsRun(rm, inc, options, deadline, holder) if use_lns else None

    def phase1_over() -> bool:
        if options.deterministic or lns is None or inc.values is None:
            return False
        now = time.monotonic()
        if now > phase1_end or (now > lp_wait_end and not lp_seen.is_set()):
            return True
        if now > early_end and not lp_seen.is_set() and not lns.threads:
            # Still waiting for the LP bound with no stream alongside (one worker, or
            # no roster at the start): one LNS stream improves the roster meanwhile.
            lns.add_streams(1)
        # With its bound in, the whole model keeps the cores only while it is close to
        # proving the roster optimal; otherwise LNS improves rosters faster.
        return now > early_end and lp_seen.is_set() and inc.gap() > EARLY_GAP

    if alongside and lns is not None:
        lns.add_streams(1)
    watchdog = _start_watchdog(inc, holder, solver, stop_flag, phase1_over)
    callback = _Callback(inc, global_bound=True, throttle=COPY_THROTTLE_S)
    status = solver.solve(rm.m, callback)
    callback.flush(solver, status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        inc.bound = max(inc.bound, solver.best_objective_bound)
    proved = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if lns is not None:
        if not proved and inc.values is not None and not inc.stop_requested():
            streams = 1 if options.deterministic else max(1, options.num_workers)
            lns.add_streams(streams - len(lns.threads))
        else:
            lns.halt()
        lns.join()
    stop_flag.set()
    watchdog.join()
    return _result(rm, inc, status, started)


def use_colgen(rm: RosterModel, options: SolveOptions) -> bool:
    """Column generation pays off with a few seconds to spend, and its wall-clock
    pricing has no place in a deterministic run."""
    return (not options.deterministic and options.use_lns and colgen.applicable(rm)
            and options.time_limit_s >= 5 and len(rm.x) <= COLGEN_MAX_CELLS)


def _colgen_phase(rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                  deadline: float) -> None:
    """Column generation (:mod:`roster.solver.colgen`) for its bound and support, then
    CP-SAT on the model restricted to that support for the first rosters."""
    started = time.monotonic()
    total = max(0.01, deadline - started)
    cg = colgen.ColumnGeneration(rm)
    res = cg.run(started + COLGEN_SHARE * total, max(1, options.num_workers), options.seed,
                 inc.stop_requested, early=started + COLGEN_EARLY_SHARE * total)
    if math.isfinite(res.bound):
        inc.raise_bound(math.ceil(res.bound - 1e-6))
    if LNS_DEBUG:
        print(f"  colgen master={res.master:.1f} bound={res.bound:.1f} it={res.iterations}"
              f" cols={res.columns} conv={res.converged} {res.seconds:.1f}s", flush=True)
    if inc.stop_requested() or not math.isfinite(res.master):
        return  # cancelled, or a person without any schedule: no master to follow
    model = rm.m.clone()
    support = res.support
    if inc.values is not None:
        # The roster in hand (a warm start's) stays inside, and the search starts there.
        for (s, d, k, j), v in rm.x.items():
            if inc.values[v.index]:
                support[s].add((d, k, j))
        full_hint(model, inc.values)
    proto = model.proto
    for (s, d, k, j), v in rm.x.items():
        if (d, k, j) not in support[s]:
            proto.variables[v.index].domain[1] = 0
    solver = cp_model.CpSolver()
    limit = max(0.01, min(deadline, started + RESTRICT_SHARE * total) - time.monotonic())
    # With the LP-heavy worker: on Instance 8, seeds 1–10, every roster within 7.8 %
    # of the best known, where the default portfolio left two of five near 15 %.
    _set_params(solver.parameters, options, limit, options.num_workers)
    _search_until_stalled(inc, solver, model,
                          max(1.0, RESTRICT_PATIENCE_SHARE * options.time_limit_s))


COLGEN = True
# Beyond this many cells (Instance 12 has 11 256, the 120-staff four weeks of the
# family's larger instances 33 712) a pricing round alone takes most of the budget.
COLGEN_MAX_CELLS = 40_000
COLGEN_SHARE = 0.35
# Far from converging at this share of the budget, column generation hands over.
COLGEN_EARLY_SHARE = 0.25
RESTRICT_SHARE = 0.6
RESTRICT_PATIENCE_SHARE = 0.1


def _leave_one_core(params: cp_model.SatParameters, workers: int) -> None:
    """Keep the whole-model search off one core for an LNS stream: only its full-model
    workers run, not the local-search, LNS and first-solution helpers that would
    otherwise take that core (a roster exists already).  Running the whole model on a
    single worker instead is no substitute: on the generated unit that worker had not
    proved the LP bound after 25 s, where the multi-worker LP subsolver does in 11 s."""
    params.num_full_subsolvers = workers - 1
    params.use_lns = False
    params.ignore_subsolvers.extend(SPARE_CORE_SUBSOLVERS)


# CP-SAT's first-solution and local-search subsolvers: phase 0 has found the roster
# and the LNS stream improves it.
SPARE_CORE_SUBSOLVERS = ("fj", "ls", "ls_lin", "fs_random", "fs_random_no_lp",
                         "fs_random_quick_restart", "fs_random_quick_restart_no_lp")


def _watch_bound(solver: cp_model.CpSolver, inc: _Incumbent, options: SolveOptions,
                 lp_seen: threading.Event) -> None:
    """Read ``solver``'s log as it runs: each proved bound goes to the incumbent at
    once, and ``lp_seen`` is set when an LP worker proves one."""
    solver.parameters.log_search_progress = True
    solver.parameters.log_to_stdout = options.log

    def watch_log(line: str) -> None:
        if not line.startswith("#Bound"):
            return
        if LNS_DEBUG:
            print(f"  {line[:60]}", flush=True)
        # A one-worker search is the LP worker itself, logged as "main".
        worker = line.split()[-1]
        if "lp" in worker or worker == "main":
            lp_seen.set()
        found = re.search(r"next:\[(-?\d+)", line)
        if found:
            inc.raise_bound(float(found.group(1)))

    solver.log_callback = watch_log


def _first_roster(rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                  deadline: float) -> cp_model.CpSolverStatus:
    budget = max(0.01, deadline - time.monotonic())
    limit = min(budget, max(0.5, PHASE0_SHARE * budget))
    if options.deterministic:
        limit = max(0.5, PHASE0_SHARE * options.time_limit_s)
    if options.hint and _hinted_roster(rm, inc, options, limit) and not (
            _large(rm.p) and _short(rm, inc)):
        return cp_model.FEASIBLE
    if rm.shortfall_vars:
        # First try for a roster with every minimum covered: local search finds one in
        # a second or two on a staffable unit, where the optimising search would spend
        # half its budget removing shortfall (and a short budget may end with shortfall
        # that a covered roster found a second later would not have had).  A short unit
        # falls through.
        whole = options.time_limit_s if options.deterministic else budget
        cover_limit = min(max(5.0, limit / 2), 0.5 * whole)
        if _large(rm.p) and not options.deterministic:
            if inc.values is None:
                # Any roster that keeps the hard rules first, so there is one whatever
                # the cover search does (on a loaded machine it sometimes finds nothing
                # in its time); the cover search then starts from it.
                _feasible_roster(rm, inc, options, LARGE_ANY_SHARE * whole,
                                 cover_minimums=False, local_only=True)
                if inc.values is not None:
                    rm.set_full_hint(inc.values)
            left = max(0.0, deadline - time.monotonic())
            status = _covered_large(rm, inc, options,
                                    min(0.9 * left, LARGE_COVER_SHARE * whole))
        else:
            status = _feasible_roster(rm, inc, options, cover_limit, cover_minimums=True)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status
    if not options.deterministic:
        # CP-SAT's local search on the whole objective finds a first roster as fast as
        # a feasibility search and, on large models, far better ones for the same time.
        # It cannot prove a model infeasible: the feasibility search below does.
        _local_search(rm, inc, options, LS_SHARE * budget)
        if inc.values is not None:
            return cp_model.FEASIBLE
        # Nothing yet: a plain feasibility search stops at its first roster, so it may
        # have what is left of the budget (a large model needs more than ``limit``).
        limit = max(limit, deadline - time.monotonic())
    return _feasible_roster(rm, inc, options, limit, cover_minimums=False)


def _covered_large(rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                   limit: float) -> cp_model.CpSolverStatus:
    """The search for a roster with every minimum covered on a large model, in slices
    each with another seed until ``limit``: its time to a roster varies widely from
    seed to seed (on the site-sized case 10 s with one, nothing in 40 s with another),
    and a fresh start from the hint is what gets it unstuck."""
    end = time.monotonic() + limit
    status = cp_model.UNKNOWN
    attempt = 0
    while not inc.stop_requested():
        left = end - time.monotonic()
        if left < 1.0:
            break
        # Half the time at first (a loaded machine needs it: the site-sized case took
        # 20–40 s there), then slices; the last takes what is left.
        piece = max(LARGE_COVER_SLICE_S, min(LARGE_COVER_MAX_SLICE_S, limit / 2))
        if left < 2 * piece:
            piece = left
        impossible: list[bool] = []
        status = _feasible_roster(rm, inc, dataclasses.replace(options, seed=options.seed + attempt),
                                  piece, cover_minimums=True, cover_proved_impossible=impossible)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) or impossible:
            break
        attempt += 1
    return status


#: Seconds per attempt of :func:`_covered_large`: half its time, within these bounds.
LARGE_COVER_SLICE_S = 15.0
LARGE_COVER_MAX_SLICE_S = 40.0


def _short(rm: RosterModel, inc: _Incumbent) -> bool:
    """Whether the incumbent leaves some minimum uncovered."""
    values = inc.values
    return values is not None and any(values[short.index] > 0
                                      for _, short in rm.shortfall_vars)


def _feasible_roster(rm: RosterModel, inc: _Incumbent, options: SolveOptions, limit: float,
                     cover_minimums: bool,
                     cover_proved_impossible: list[bool] | None = None,
                     local_only: bool = False) -> cp_model.CpSolverStatus:
    model = rm.m.clone()
    model.clear_objective()  # type: ignore[no-untyped-call]
    if cover_minimums:
        for _, short in rm.shortfall_vars:
            model.add(model.get_int_var_from_proto_index(short.index) == 0)
    solver = cp_model.CpSolver()
    # The LP worker would only slow a pure feasibility search down.
    _set_params(solver.parameters, options, limit, max(2, options.num_workers), lp_heavy=False)
    if (cover_minimums or local_only) and not options.deterministic:
        # On a tightly staffed unit (weekends, charge nurses) tree search rarely finds a
        # covered roster in seconds; CP-SAT's local search (feasibility jump with
        # compound moves) does, fastest with every worker on it.  Presolve still
        # proves the plainly impossible cases.
        _local_search_only(solver.parameters)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(solver.response_proto.solution)
        objective = sum(rm.breakdown(lambda v: values[v.index]).values())
        inc.offer(objective, values, -math.inf)
    elif cover_minimums and status == cp_model.INFEASIBLE:
        if cover_proved_impossible is not None:
            cover_proved_impossible.append(True)
        return cp_model.UNKNOWN  # only "covered" is impossible: a shortfall roster is not
    return status


def _local_search(rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                  limit: float) -> None:
    """Rosters from CP-SAT's local search (feasibility jump and violation LS with
    compound moves) on every worker, until ``limit`` or until it stalls: on small
    models it finds its best at once, and the whole-model search needs the time to
    prove it."""
    solver = cp_model.CpSolver()
    _set_params(solver.parameters, options, limit, max(2, options.num_workers), lp_heavy=False)
    _local_search_only(solver.parameters)
    _search_until_stalled(inc, solver, rm.m, max(1.0, LS_PATIENCE_SHARE * options.time_limit_s))


def _search_until_stalled(inc: _Incumbent, solver: cp_model.CpSolver, model: cp_model.CpModel,
                          patience: float) -> None:
    """Run ``solver`` on ``model``, offering its rosters, until its time limit or until
    ``patience`` seconds pass without a better roster."""

    def stalled() -> bool:
        return inc.values is not None and time.monotonic() - inc.improved_at > patience

    done = threading.Event()
    watchdog = _start_watchdog(inc, [solver], solver, done, stalled)
    callback = _Callback(inc, global_bound=False, throttle=COPY_THROTTLE_S)
    callback.flush(solver, solver.solve(model, callback))
    done.set()
    watchdog.join()


def _local_search_only(params: cp_model.SatParameters) -> None:
    params.use_ls_only = True
    params.violation_ls_compound_move_probability = 0.8
    params.symmetry_level = 0


def _hinted_roster(rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                   limit: float) -> bool:
    """Offer the hinted roster itself as the first incumbent when it still keeps every
    hard rule, so a warm start never begins worse than the roster it was given."""
    model = rm.m.clone()  # with its objective: the auxiliary terms settle at their best
    on = rm._keys(options.hint or ())
    for key, v in rm.x.items():
        model.add(model.get_bool_var_from_proto_index(v.index) == int(key in on))
    solver = cp_model.CpSolver()
    _set_params(solver.parameters, options, min(limit, 2.0), max(2, options.num_workers),
                lp_heavy=False)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = list(solver.response_proto.solution)
    inc.offer(sum(rm.breakdown(lambda v: values[v.index]).values()), values, -math.inf)
    return True


PHASE0_SHARE = 0.1
PHASE1_SHARE = 0.5
LP_WAIT_SHARE = 0.25
LNS_SLICE_S = 2.0
# Whole-model and local searches copy a better roster out of CP-SAT at most this often.
COPY_THROTTLE_S = 0.25
# The whole model ends at EARLY_SHARE of the budget when its gap is still above
# EARLY_GAP (and its bound is in).
EARLY_SHARE = 0.2
EARLY_GAP = 0.02
# Local search for the first roster: at most LS_SHARE of the budget, and it stops
# after LS_PATIENCE_SHARE of the budget (at least 1 s) without a better roster.
LS_SHARE = 0.15
LS_PATIENCE_SHARE = 0.02
LNS_DEBUG = False


class _LnsRun:
    """Phase 2: large-neighbourhood search from the incumbent.  A deterministic run
    takes one neighbourhood at a time on every worker; otherwise each stream (a
    thread per worker) runs one-worker neighbourhoods from the shared incumbent
    (parallel LNS: on 2 cores, twice the steps of a 2-worker portfolio per step,
    which is what moves large rosters forward)."""

    def __init__(self, rm: RosterModel, inc: _Incumbent, options: SolveOptions,
                 deadline: float, holder: list[cp_model.CpSolver]) -> None:
        cells: dict[tuple[int, int], list[int]] = {}
        for (s, d, _, _), v in rm.x.items():
            cells.setdefault((s, d), []).append(v.index)
        self.search = Lns(rm.m, cells, len(rm.p.staff), rm.h, options.seed,
                          options.deterministic, day_costs=rm.day_costs,
                          extremes=rm.extremes if rm.spreads else None,
                          refused=rm.refused if rm.request_lits else None,
                          # With one shift type in one unit, a worked day has no
                          # other shift to take: no ``shifts`` neighbourhood.
                          work=({key: v.index for key, v in rm.w.items()}
                                if len(rm.shifts) > 1 or len(rm.units) > 1 else None))
        self.inc, self.options, self.deadline, self.holder = inc, options, deadline, holder
        self.lock = threading.Lock()
        self.dtime_left = max(0.0, options.time_limit_s * (1 - PHASE1_SHARE))
        self.steps = iter(range(1, 1 << 30))
        self.threads: list[threading.Thread] = []
        self.halted = threading.Event()

    def halt(self) -> None:
        """End every stream now (the whole model has proved its roster optimal)."""
        self.halted.set()
        with self.lock:
            for solver in self.holder[1:]:
                solver.stop_search()

    def add_streams(self, count: int) -> None:
        for _ in range(max(0, count)):
            thread = threading.Thread(target=self._stream, daemon=True)
            self.threads.append(thread)
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def _stream(self) -> None:
        inc, options = self.inc, self.options
        # A single stream (deterministic) uses every worker; parallel streams one each.
        workers = options.num_workers if options.deterministic else 1
        while not inc.stop_requested() and not self.halted.is_set():
            remaining = self.deadline - time.monotonic()
            # A deterministic run counts work only (each CP-SAT call has a wall cap too).
            if self.dtime_left <= 0.01 if options.deterministic else remaining <= 0.05:
                return
            slice_ = min(LNS_SLICE_S, self.dtime_left if options.deterministic else remaining)
            with self.lock:
                step = next(self.steps)

            def configure(params: cp_model.SatParameters, limit: float, step: int = step) -> None:
                _set_params(params, options, limit, workers)
                params.random_seed = options.seed + step
                params.log_search_progress = False
                if self.halted.is_set():
                    params.max_time_in_seconds = 0.001  # halted while this step began

            def on_solver(solver: cp_model.CpSolver) -> None:
                with self.lock:
                    self.holder.append(solver)

            assert inc.values is not None and inc.objective is not None
            report = self.search.step(list(inc.values), inc.objective, slice_, configure,
                                      _Callback(inc, global_bound=False), on_solver,
                                      lambda: inc.objective)
            with self.lock:
                self.holder[:] = [x for x in self.holder if x is not report.solver]
                self.dtime_left -= report.dtime
            if LNS_DEBUG:
                print(f"  lns {report.kind:5s} size={report.size:.3f} free={report.free_cells}"
                      f" opt={report.optimal} {report.seconds:.2f}s obj={inc.objective}",
                      flush=True)


def _start_watchdog(inc: _Incumbent, holder: list[cp_model.CpSolver],
                    search: cp_model.CpSolver, done: threading.Event,
                    over: Callable[[], bool]) -> threading.Thread:
    """Poll ``should_stop`` every 0.05 s even when no new roster arrives (stopping
    every CP-SAT call in ``holder``, the ones running now), and end ``search`` once
    ``over()`` holds (the whole model's phase is over, the local search stalls)."""

    def stop_all() -> None:
        for solver in list(holder):
            solver.stop_search()

    def run() -> None:
        ended = False
        while not done.wait(0.05):
            if inc.stop_requested():
                stop_all()
                return
            if not ended and over():
                ended = True
                search.stop_search()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _result(rm: RosterModel, inc: _Incumbent, status: cp_model.CpSolverStatus,
            started: float) -> SolveResult:
    elapsed = time.monotonic() - started
    if status == cp_model.MODEL_INVALID:
        raise ValueError(f"invalid CP-SAT model: {rm.m.validate()}")
    if inc.values is None:
        st: Status = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
        return SolveResult(st, (), None, None, None, {}, None, (), elapsed, 0,
                           rm.shortfall_unit)
    values = inc.values

    def value(v: cp_model.IntVar) -> int:
        return values[v.index]

    assignments = tuple(sorted(rm.assignments(value)))
    breakdown = rm.breakdown(value)
    objective = float(sum(breakdown.values()))
    # No bound proved at all (a budget too short for the whole-model search): say so
    # rather than report an infinite gap.
    bound: float | None = min(objective, inc.bound) if math.isfinite(inc.bound) else None
    optimal = status == cp_model.OPTIMAL or (bound is not None and bound >= objective)
    shortfalls = tuple(Shortfall(req, value(v)) for req, v in rm.shortfall_vars if value(v) > 0)
    st = "shortfall" if shortfalls else "optimal" if optimal else "feasible"
    return SolveResult(
        status=st,
        assignments=assignments,
        objective=objective,
        bound=bound,
        gap=None if bound is None else _gap(objective, bound),
        breakdown=breakdown,
        kpis=compute_kpis(rm.p, assignments),
        shortfalls=shortfalls,
        solve_seconds=elapsed,
        num_solutions=inc.solutions,
        shortfall_unit=rm.shortfall_unit,
    )
