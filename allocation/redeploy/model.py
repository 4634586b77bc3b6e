"""The redeployment model of ``REDEPLOY.md`` with OR-Tools, and its solve loop.

Formulation (the specification's, row for row):

* Per cell (facility i, resource j) and epoch t: ``x`` mobile units working, ``q`` mobile
  units idle, ``y ∈ [0, f]`` fixed units used, ``u ≥ 0`` shortfall, and ``w`` for the
  switching term when ``H_j > 0``; per transfer arc and departure epoch ``z``.  ``x``,
  ``q``, ``y`` and ``z`` are integer for integer resources.  Variables that can only
  be zero are not created (no ``y`` without fixed units, no ``u`` without a need, no
  transfer that would arrive after the horizon), which keeps the model small.
* cover ``x + y + u ≥ D̂ + η``; a cap ``ū`` is the bound of ``u``.
* location ``x_t + q_t + Σ_out z_t − Σ_in z_{t−τ} − x_{t−1} − q_{t−1} = J_t (+ arrivals
  of units already in transit, + the initial state at t = 0)``: a unit in transit is at no
  facility.  A resource type without an ``initial`` entry has instead one *placement
  row* for epoch 0, the sum of its epoch-0 location rows with the state before it left
  free: ``Σ_i (x_0 + q_0 + Σ_out z_0 − Σ_in z_{−τ}) = S_j0 + Σ_i (J_0 + arrivals_0)``.
* switching ``w_t ≥ ±(x_t − x_{t−1})``.
* equity: per epoch two variables ``ρmax``, ``ρmin`` with ``ρ_i ≤ ρmax``, ``ρ_i ≥ ρmin``
  for every facility with critical demand and the band row ``ρmax − ρmin ≤ γ``.
* objective ``Σ_t β^t [Σ (C x + Cy y + P u + H w) + Σ T z]``.

Solve loop (why it looks like this):

0. Only the equity band couples resource types (the critical ones, facility by
   facility).  So every resource type is first solved on its own, without the band:
   many small LPs solve far faster than one large one, and their duals are exactly the
   large one's.  If that optimum keeps the band anyway it is the optimum with the band
   (an optimum of a relaxation that is feasible), and the band's price is 0.  Otherwise
   the critical types are solved again together, with the band.  Blocks run two at a
   time in threads (the solvers release the GIL, so one block is built while another
   solves).  If the coupled solve fails, the plan without the band is returned as a
   fallback with the epochs where it breaks the band named.
1. Each block's model is built once, in a GLOP (LP) solver, with the integer flags set (GLOP
   ignores them).  Its LP relaxation gives the duals: shadow prices and the equity price.
2. With integer data, this network-like LP very often has a whole optimum already.  Such
   a vertex *is* the integer optimum (it meets the LP bound), so the MIP is skipped.
3. Otherwise the same model (exported as a proto, so it is not rebuilt in Python) goes to
   the MIP solver, in two steps: first the LP optimum's neighbourhood (integer variables
   whole in the LP fixed, fractional ones rounded down or up: a small MIP that finds a
   good whole plan fast, whose gap to the LP bound is then known), then, unless that
   gap is already within ``SolveOptions.mip_gap``, the full MIP started from that plan.
   ``"auto"`` is SCIP.  On the critical block of a 20 × 10 × 24 network whose equity
   band binds (``bench/redeploy_benchmark.py --mip-solver ...``), SCIP had a plan within
   5e-5 of the bound after 40 s; HiGHS had no plan at all after 10 s and CBC none after
   50 s.  CP-SAT needs every variable integer, and shortfall and the ratios are not.
4. Infeasible (caps, equity, units leaving that are not there): the model is rebuilt with
   a slack on each of those rows, priced far above every other term, and the slacks in
   use are named in ``Result.relaxed``.  A feasible problem never pays for slacks it
   does not need, because slacks are only added once the strict model is infeasible.
5. Any failure (no solution in time, an abnormal status, an exception) falls back to the
   proportional rule of :mod:`allocation.redeploy.fallback`, and says so.

Known limit: a tight band on whole units (γ near 0, or a band that binds in many
epochs) is a hard MIP: the LP bound is weak there and SCIP may stop at the time limit
with a plan a few 1e-5 from the bound (status ``"feasible"``, the gap reported).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.linear_solver import linear_solver_pb2, pywraplp

from allocation.redeploy.fallback import proportional_plan
from allocation.redeploy.problem import (
    Cell,
    CellPlan,
    Move,
    Problem,
    Relaxation,
    RelaxedKind,
    Resource,
    Result,
    ShadowPrice,
    SolveOptions,
    Status,
    Transfer,
)
from allocation.redeploy.verify import equity_spreads, plan_cost

INTEGRALITY_TOLERANCE = 1e-6
DEFAULT_MIP_SOLVER = "SCIP"
NONE = -1  # a variable that is not created (always zero)
GLOP_PARAMETERS = "use_dual_simplex: true\ninitial_basis: NONE\nperturb_costs_in_dual_simplex: true"


class OutOfTime(Exception):
    """The time limit ran out while the model was being built."""


@dataclass
class _CellData:
    cell: Cell
    resource: Resource
    real: bool  # False: a pair without a cell where units may only wait or pass
    initial: float
    working: float | None
    arrivals: list[float]


@dataclass
class _Model:
    """The built model: variables by index (so a proto-loaded copy can be read too)."""

    solver: pywraplp.Solver
    cells: list[_CellData]
    x: list[list[int]]
    q: list[list[int]]
    y: list[list[int]]
    u: list[list[int]]
    w: list[list[int]]
    arcs: list[tuple[int, int, Transfer]]
    z: list[list[int]]
    location: dict[tuple[int, int], pywraplp.Constraint]
    placement: dict[str, pywraplp.Constraint]
    band: list[pywraplp.Constraint | None]
    slacks: list[tuple[RelaxedKind, int, str, str, int, float]]
    integer_vars: list[int]
    variables: list[pywraplp.Variable] = field(default_factory=list)


def _cells(problem: Problem) -> list[_CellData]:
    """Every (facility, resource) pair that can hold units, real cells first."""
    by_id = {r.id: r for r in problem.resources}
    zeros = (0.0,) * problem.epochs
    found: dict[tuple[str, str], _CellData] = {}
    for c in problem.cells:
        found[(c.facility, c.resource)] = _CellData(
            c, by_id[c.resource], True, 0.0, None, [0.0] * problem.epochs)

    def cell(facility: str, resource: str) -> _CellData:
        key = (facility, resource)
        if key not in found:
            found[key] = _CellData(Cell(facility, resource, zeros, zeros, zeros, zeros),
                                   by_id[resource], False, 0.0, None, [0.0] * problem.epochs)
        return found[key]

    for tr in problem.transfers:
        cell(tr.source, tr.resource)
        cell(tr.target, tr.resource)
    for e in problem.initial:
        data = cell(e.facility, e.resource)
        data.initial += e.units
        if e.working is not None:
            data.working = (data.working or 0.0) + e.working
    for trip in problem.in_transit:
        if trip.arrives < problem.epochs:
            cell(trip.target, trip.resource).arrivals[trip.arrives] += trip.units
    # Free placement may put a resource's pool at any facility, so every facility must be
    # able to hold it (idle at worst).
    for r in problem.resources:
        if problem.placed_freely(r.id) and r.pool > 0:
            for f in problem.facilities:
                cell(f, r.id)
    return list(found.values())


def _build(problem: Problem, *, relaxed: bool, penalty: float, deadline: float) -> _Model:
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP is part of every OR-Tools build
        raise RuntimeError("GLOP is not available")
    # The dual simplex from a slack basis, with perturbed costs, was 2-5x faster than
    # GLOP's defaults on the benchmark networks (many ties between equally good plans
    # make these LPs very degenerate).
    solver.SetSolverSpecificParametersAsString(GLOP_PARAMETERS)
    inf = solver.infinity()
    T = problem.epochs
    beta = [problem.discount ** t for t in range(T)]
    cells = _cells(problem)
    objective = solver.Objective()
    band_active = problem.equity_band is not None
    integer_vars: list[int] = []

    def var(lb: float, ub: float, whole: bool, cost: float) -> pywraplp.Variable:
        v = solver.IntVar(lb, ub, "") if whole else solver.NumVar(lb, ub, "")
        if whole:
            integer_vars.append(v.index())
        if cost:
            objective.SetCoefficient(v, cost)
        return v

    n = len(cells)
    X: list[list[pywraplp.Variable | None]] = [[None] * T for _ in range(n)]
    Q: list[list[pywraplp.Variable]] = []
    Y: list[list[pywraplp.Variable | None]] = [[None] * T for _ in range(n)]
    U: list[list[pywraplp.Variable | None]] = [[None] * T for _ in range(n)]
    W: list[list[pywraplp.Variable | None]] = [[None] * T for _ in range(n)]
    slacks: list[tuple[RelaxedKind, int, str, str, int, float]] = []

    def slack(kind: RelaxedKind, t: int, facility: str, resource: str,
              weight: float = 1.0) -> pywraplp.Variable:
        v = solver.NumVar(0, inf, "")
        objective.SetCoefficient(v, penalty * weight)
        slacks.append((kind, v.index(), facility, resource, t, weight))
        return v

    for ci, data in enumerate(cells):
        if time.monotonic() > deadline:
            raise OutOfTime
        c, r = data.cell, data.resource
        whole = r.integer
        cap = c.shortfall_cap
        Q.append([var(0, inf, whole, 0.0) for _ in range(T)])
        if not data.real:
            continue
        for t in range(T):
            need = c.need(t)
            x = X[ci][t] = var(0, inf, whole, beta[t] * c.cost)
            if c.fixed[t] > 0:
                Y[ci][t] = var(0, c.fixed[t], whole, beta[t] * c.unit_fixed_cost)
            # Shortfall beyond the need only ever serves the equity band (raising a
            # facility's ratio), so ``u`` exists where there is a need or a band to serve.
            if need > 0 or (band_active and r.critical):
                ub = inf if cap is None or relaxed else cap
                u = U[ci][t] = var(0, ub, False, beta[t] * c.penalty)
                if relaxed and cap is not None:
                    row = solver.Constraint(-inf, cap)
                    row.SetCoefficient(u, 1)
                    row.SetCoefficient(slack("shortfall_cap", t, c.facility, c.resource), -1)
            if need > 0:
                row = solver.Constraint(need, inf)
                row.SetCoefficient(x, 1)
                y = Y[ci][t]
                if y is not None:
                    row.SetCoefficient(y, 1)
                u_var = U[ci][t]
                assert u_var is not None
                row.SetCoefficient(u_var, 1)
            # Switching from epoch 1 on; in epoch 0 only when the working count before
            # the plan is known.
            h = r.switching_cost
            if h > 0 and (t > 0 or data.working is not None):
                # x_t − x_{t−1} = w⁺ − w⁻, both priced H: one equality row per epoch keeps
                # the basis smaller than the two inequality rows w ≥ ±(x_t − x_{t−1}).
                up = W[ci][t] = var(0, inf, False, beta[t] * h)
                down = var(0, inf, False, beta[t] * h)
                before = 0.0 if t > 0 else (data.working or 0.0)
                row = solver.Constraint(before, before)
                row.SetCoefficient(x, 1)
                prev = X[ci][t - 1] if t > 0 else None
                if prev is not None:
                    row.SetCoefficient(prev, -1)
                row.SetCoefficient(up, -1)
                row.SetCoefficient(down, 1)

    index = {(d.cell.facility, d.cell.resource): ci for ci, d in enumerate(cells)}
    arcs: list[tuple[int, int, Transfer]] = []
    Z: list[list[pywraplp.Variable | None]] = []
    for tr in problem.transfers:
        src, dst = index[(tr.source, tr.resource)], index[(tr.target, tr.resource)]
        whole = cells[src].resource.integer
        arcs.append((src, dst, tr))
        Z.append([var(0, inf, whole, beta[t] * tr.cost) if t + tr.epochs < T else None
                  for t in range(T)])
    outgoing: list[list[int]] = [[] for _ in range(n)]
    incoming: list[list[int]] = [[] for _ in range(n)]
    for a, (src, dst, _tr) in enumerate(arcs):
        outgoing[src].append(a)
        incoming[dst].append(a)

    def add_flow(row: pywraplp.Constraint, ci: int, t: int, *, summed: bool = False) -> None:
        """``x_t + q_t + Σ_out z_t − Σ_in z_{t−τ}`` of cell ``ci`` into ``row``.

        ``summed``: the row adds up several cells, so a transfer taking no time can
        appear twice (out of one, into another) and its coefficients must add up.
        """
        x = X[ci][t]
        if x is not None:
            row.SetCoefficient(x, 1)
        row.SetCoefficient(Q[ci][t], 1)
        for a in outgoing[ci]:
            z = Z[a][t]
            if z is not None:
                row.SetCoefficient(z, row.GetCoefficient(z) + 1 if summed else 1)
        for a in incoming[ci]:
            t0 = t - arcs[a][2].epochs
            if t0 >= 0:
                z = Z[a][t0]
                if z is not None:
                    row.SetCoefficient(z, row.GetCoefficient(z) - 1 if summed else -1)

    location: dict[tuple[int, int], pywraplp.Constraint] = {}
    placement: dict[str, pywraplp.Constraint] = {}
    for r in problem.resources:
        if problem.placed_freely(r.id):
            members = [ci for ci, d in enumerate(cells) if d.resource.id == r.id]
            rhs = r.pool + sum(cells[ci].cell.joins[0] + cells[ci].arrivals[0] for ci in members)
            row = solver.Constraint(rhs, rhs)
            for ci in members:
                add_flow(row, ci, 0, summed=True)
            placement[r.id] = row
    for ci, data in enumerate(cells):
        if time.monotonic() > deadline:
            raise OutOfTime
        free = problem.placed_freely(data.resource.id)
        for t in range(T):
            if t == 0 and free:
                continue
            joins = data.cell.joins[t]
            rhs = joins + data.arrivals[t] + (data.initial if t == 0 else 0.0)
            row = solver.Constraint(rhs, rhs)
            add_flow(row, ci, t)
            if t > 0:
                prev_x = X[ci][t - 1]
                if prev_x is not None:
                    row.SetCoefficient(prev_x, -1)
                row.SetCoefficient(Q[ci][t - 1], -1)
            if relaxed and joins < 0:
                # Units that must leave but are not there appear from nowhere, at a price.
                row.SetCoefficient(
                    slack("location", t, data.cell.facility, data.cell.resource), -1)
            location[(ci, t)] = row

    band: list[pywraplp.Constraint | None] = [None] * T
    gamma = problem.equity_band
    if gamma is not None:
        critical = [ci for ci, d in enumerate(cells) if d.real and d.resource.critical]
        for t in range(T):
            total: dict[str, float] = {}
            for ci in critical:
                total[cells[ci].cell.facility] = (
                    total.get(cells[ci].cell.facility, 0.0) + cells[ci].cell.need(t))
            facilities = [f for f, v in total.items() if v > 0]
            if len(facilities) < 2:
                continue
            top, bottom = solver.NumVar(0, inf, ""), solver.NumVar(0, inf, "")
            for f in facilities:
                # ρ_it = Σ u / Σ (D̂ + η); written with 1/Σ so the rows stay well scaled.
                upper = solver.Constraint(-inf, 0)
                lower = solver.Constraint(0, inf)
                for ci in critical:
                    u = U[ci][t]
                    if cells[ci].cell.facility == f and u is not None:
                        upper.SetCoefficient(u, 1 / total[f])
                        lower.SetCoefficient(u, 1 / total[f])
                upper.SetCoefficient(top, -1)
                lower.SetCoefficient(bottom, -1)
            row = solver.Constraint(-inf, gamma)
            row.SetCoefficient(top, 1)
            row.SetCoefficient(bottom, -1)
            if relaxed:
                # One unit of ratio spread is worth up to a whole facility's need.
                row.SetCoefficient(slack("equity_band", t, "", "", max(total.values())), -1)
            band[t] = row
    objective.SetMinimization()

    def ids(grid: list[list[pywraplp.Variable | None]]) -> list[list[int]]:
        return [[NONE if v is None else v.index() for v in row] for row in grid]

    return _Model(
        solver=solver, cells=cells, x=ids(X), q=[[v.index() for v in row] for row in Q],
        y=ids(Y), u=ids(U), w=ids(W), arcs=arcs, z=ids(Z), location=location,
        placement=placement, band=band, slacks=slacks, integer_vars=integer_vars,
    )


def _penalty(problem: Problem, options: SolveOptions) -> float:
    """A slack price far above every other term (×10⁴ the largest unit cost)."""
    if options.relax_penalty is not None:
        return options.relax_penalty
    largest = max([1.0] + [r.switching_cost for r in problem.resources]
                  + [abs(v) for c in problem.cells
                     for v in (c.cost, c.unit_fixed_cost, c.penalty)]
                  + [abs(tr.cost) for tr in problem.transfers])
    return 1e4 * largest * problem.epochs


@dataclass
class _Solution:
    values: list[float]
    status: str
    bound: float
    solver: str
    objective: float = math.nan

    def gap(self) -> float:
        if not (math.isfinite(self.bound) and math.isfinite(self.objective)):
            return math.inf
        return max(0.0, self.objective - self.bound) / max(1e-9, abs(self.objective))


def _extract(problem: Problem, model: _Model, sol: _Solution, *, started: float,
             lp_seconds: float, shadow: tuple[ShadowPrice, ...],
             equity: tuple[float | None, tuple[float, ...]], message: str) -> Result:
    values = sol.values
    T = problem.epochs
    whole_ids = set(model.integer_vars)

    def value(idx: int) -> float:
        if idx == NONE:
            return 0.0
        v = values[idx]
        return float(round(v)) if idx in whole_ids else max(0.0, v) if abs(v) < 1e-9 else v

    plans: list[CellPlan] = []
    for ci, data in enumerate(model.cells):
        x = tuple(value(model.x[ci][t]) for t in range(T))
        u = tuple(max(0.0, value(model.u[ci][t])) for t in range(T))
        w = tuple(abs(x[t] - (x[t - 1] if t > 0 else (data.working or 0.0)))
                  if data.resource.switching_cost > 0 and (t > 0 or data.working is not None)
                  else 0.0 for t in range(T))
        plans.append(CellPlan(
            facility=data.cell.facility, resource=data.cell.resource, x=x,
            q=tuple(value(model.q[ci][t]) for t in range(T)),
            y=tuple(value(model.y[ci][t]) for t in range(T)), u=u, w=w,
        ))
    moves: list[Move] = []
    for a, (_src, _dst, tr) in enumerate(model.arcs):
        for t in range(T):
            units = value(model.z[a][t])
            if units > 1e-7:
                moves.append(Move(tr.source, tr.target, tr.resource, t, t + tr.epochs, units))
    relaxed: list[Relaxation] = []
    penalty = 0.0
    for kind, idx, facility, resource, t, _weight in model.slacks:
        amount = values[idx]
        if amount > 1e-7:
            relaxed.append(Relaxation(kind, t, amount, facility, resource))
            penalty += model.solver.Objective().GetCoefficient(model.variables[idx]) * amount
    cost = plan_cost(problem, plans, moves)
    full = cost + penalty
    if math.isfinite(sol.bound):
        # The bound is on cost + penalty; the plan's cost is recomputed from whole values,
        # so an exact optimum may differ from its bound by rounding noise only.
        bound = min(sol.bound, full) - penalty
        gap = max(0.0, full - sol.bound) / max(1e-9, abs(full))
        gap = 0.0 if gap < 1e-9 else gap
    else:
        bound, gap = -math.inf, math.inf
    alerts = tuple(f"relaxed: {r.text()}" for r in relaxed)
    return Result(
        status="optimal" if sol.status == "optimal" else "feasible",
        objective=cost, bound=bound, gap=gap,
        plans=tuple(plans), moves=tuple(moves), shadow_prices=shadow,
        equity_price=equity[0], equity_prices=equity[1], relaxed=tuple(relaxed),
        seconds=time.monotonic() - started, lp_seconds=lp_seconds, penalty=penalty,
        solver=sol.solver, message=message, alerts=alerts,
    )


def _duals(problem: Problem, model: _Model) -> tuple[tuple[ShadowPrice, ...],
                                                     tuple[float | None, tuple[float, ...]]]:
    """Shadow prices per (resource, epoch) and the equity price, from the solved LP.

    GLOP's dual is ∂objective/∂right-hand side; one more unit on the right of a location
    (or placement) row lowers the cost, so the value of a unit is minus the dual, and it
    is undiscounted by dividing by β^t.
    """
    T = problem.epochs
    best: dict[tuple[str, int], tuple[float, str]] = {}
    for (ci, t), row in model.location.items():
        data = model.cells[ci]
        worth = -row.dual_value() / problem.discount ** t
        key = (data.resource.id, t)
        if key not in best or worth > best[key][0]:
            best[key] = (worth, data.cell.facility)
    for rid, row in model.placement.items():
        best[(rid, 0)] = (-row.dual_value(), "")
    prices = []
    for r in problem.resources:
        for t in range(T):
            worth, facility = best.get((r.id, t), (0.0, ""))
            prices.append(ShadowPrice(r.id, t, max(0.0, worth), facility))
    if problem.equity_band is None:
        return tuple(prices), (None, ())
    per_epoch = []
    total = 0.0
    for t, row in enumerate(model.band):
        dual = 0.0 if row is None else max(0.0, -row.dual_value())
        total += dual
        per_epoch.append(dual / problem.discount ** t)
    return tuple(prices), (total, tuple(per_epoch))


def _solve_mip(model: _Model, name: str, seconds: float, options: SolveOptions, *,
               near: list[float] | None = None, hint: list[float] | None = None) -> _Solution:
    """Solve the model as a MIP with ``name``.

    ``near`` (an LP optimum) restricts the search to its neighbourhood: integer variables
    whole in the LP keep their value, fractional ones may only be rounded down or up.  That
    small MIP finds a good whole plan in a fraction of the time of the full one, and the
    LP bound then says how far from optimal it can be.  ``hint`` starts the full MIP from
    such a plan.
    """
    proto = linear_solver_pb2.MPModelProto()
    model.solver.ExportModelToProto(proto)
    if near is not None:
        for i in model.integer_vars:
            var = proto.variable[i]
            var.lower_bound = max(var.lower_bound, math.floor(near[i] + INTEGRALITY_TOLERANCE))
            var.upper_bound = min(var.upper_bound, math.ceil(near[i] - INTEGRALITY_TOLERANCE))
    mip = pywraplp.Solver.CreateSolver(name)
    if mip is None:
        raise RuntimeError(f"MIP solver {name} is not available")
    error = mip.LoadModelFromProto(proto)
    if error:
        raise RuntimeError(f"{name} could not load the model: {error}")
    mip.SetTimeLimit(max(1, int(seconds * 1000)))
    if options.num_threads > 1:
        mip.SetNumThreads(options.num_threads)
    variables = mip.variables()
    if hint is not None:
        mip.SetHint(variables, hint)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, options.mip_gap)
    code = mip.Solve(params)
    if code not in (mip.OPTIMAL, mip.FEASIBLE):
        return _Solution([], "infeasible" if code == mip.INFEASIBLE else "failed",
                         math.nan, name)
    try:
        bound = mip.Objective().BestBound()
    except Exception:  # pragma: no cover - some back ends do not report a bound
        bound = math.nan
    return _Solution([v.solution_value() for v in variables],
                     "optimal" if code == mip.OPTIMAL else "feasible", bound, name,
                     mip.Objective().Value())


def _remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def _blocks(problem: Problem) -> list[tuple[str, ...]]:
    """Groups of resource types that share no row: solved one after the other.

    Only the equity band couples resource types (the critical ones, facility by
    facility); every other row belongs to one type.  Several small LPs solve much
    faster than one large one, and their duals are exactly the large one's.
    """
    critical = tuple(r.id for r in problem.resources if r.critical)
    if problem.equity_band is not None and len(critical) > 1:
        return [critical] + [(r.id,) for r in problem.resources if not r.critical]
    return [(r.id,) for r in problem.resources]


def _restrict(problem: Problem, ids: tuple[str, ...]) -> Problem:
    keep = set(ids)
    return replace(
        problem,
        resources=tuple(r for r in problem.resources if r.id in keep),
        cells=tuple(c for c in problem.cells if c.resource in keep),
        transfers=tuple(tr for tr in problem.transfers if tr.resource in keep),
        initial=tuple(e for e in problem.initial if e.resource in keep),
        in_transit=tuple(e for e in problem.in_transit if e.resource in keep),
    )


def _merge(problem: Problem, parts: list[Result], started: float) -> Result:
    if len(parts) == 1:
        return replace(parts[0], seconds=time.monotonic() - started)
    order = {(c.facility, c.resource): n for n, c in enumerate(problem.cells)}
    plans = sorted((p for part in parts for p in part.plans),
                   key=lambda p: order.get((p.facility, p.resource), len(order)))
    rank = {r.id: n for n, r in enumerate(problem.resources)}
    shadow = sorted((s for part in parts for s in part.shadow_prices),
                    key=lambda s: (rank[s.resource], s.epoch))
    statuses = {part.status for part in parts}
    status: Status = ("fallback" if "fallback" in statuses
                      else "feasible" if "feasible" in statuses else "optimal")
    objective = sum(part.objective for part in parts)
    penalty = sum(part.penalty for part in parts)
    bound = sum(part.bound for part in parts)
    if math.isfinite(bound):
        gap = max(0.0, objective - bound) / max(1e-9, abs(objective + penalty))
        gap = 0.0 if gap < 1e-9 else gap
    else:
        gap = math.inf
    equity_price: float | None = None
    equity_prices: tuple[float, ...] = ()
    if problem.equity_band is not None:
        equity_price = sum(part.equity_price or 0.0 for part in parts)
        equity_prices = tuple(
            sum(part.equity_prices[t] if t < len(part.equity_prices) else 0.0 for part in parts)
            for t in range(problem.epochs))

    def distinct(texts: list[str]) -> list[str]:
        return [x for n, x in enumerate(texts) if x and x not in texts[:n]]

    return Result(
        status=status, objective=objective, bound=bound, gap=gap, plans=tuple(plans),
        moves=tuple(sorted((m for part in parts for m in part.moves),
                           key=lambda m: (m.depart, rank[m.resource], m.source, m.target))),
        shadow_prices=tuple(shadow),
        equity_price=equity_price, equity_prices=equity_prices,
        relaxed=tuple(sorted((r for part in parts for r in part.relaxed),
                             key=lambda r: (r.epoch, r.kind, r.facility, r.resource))),
        seconds=time.monotonic() - started,
        lp_seconds=sum(part.lp_seconds for part in parts), penalty=penalty,
        solver=", ".join(distinct([part.solver for part in parts])),
        message=" ".join(distinct([part.message for part in parts])),
        alerts=tuple(distinct([a for part in parts for a in part.alerts])),
    )


def solve(problem: Problem, options: SolveOptions | None = None) -> Result:
    """Plan the redeployment; never raises.

    Guarantees: the plan returned satisfies every row of the model except the
    relaxations listed in ``Result.relaxed``; ``status`` is ``"optimal"`` only when the
    optimum was proved (the LP bound met by a whole LP vertex, or the MIP closed);
    on any solver failure the proportional rule plans instead (``"fallback"``, with the
    reason in ``message``).  The time limit covers everything, model building included.
    """
    options = options or SolveOptions()
    started = time.monotonic()
    deadline = started + options.time_limit_s
    try:
        critical = tuple(r.id for r in problem.resources if r.critical)
        if problem.equity_band is not None and len(critical) > 1:
            # The band is the only row coupling resource types.  Solve them all apart
            # without it first: if that optimum keeps the band anyway, it is the optimum
            # with the band (a relaxation's optimum that is feasible), the band's dual is
            # 0, and the other duals are unchanged.  Otherwise re-solve the critical
            # types together, with the band.
            apart = [replace(_restrict(problem, (r.id,)), equity_band=None)
                     for r in problem.resources]
            parts = _solve_blocks(apart, options, deadline)
            merged = _merge(problem, parts, started)
            gamma = problem.equity_band
            if merged.status != "fallback" and all(
                    spread <= gamma + 1e-9 for spread in equity_spreads(problem, merged.plans)):
                return merged
            keep = [part for part, sub in zip(parts, apart, strict=True)
                    if sub.resources[0].id not in critical]
            together = _solve_one(_restrict(problem, critical), options, deadline)
            if together.status == "fallback" and merged.status != "fallback":
                # Out of time with the band: the plan made without it beats the
                # proportional rule, with the epochs where it breaks the band named.
                broken = tuple(
                    Relaxation("equity_band", t, spread - gamma)
                    for t, spread in enumerate(equity_spreads(problem, merged.plans))
                    if spread > gamma + 1e-9)
                note = ("Fallback: the equity band could not be imposed in time; this is "
                        "the optimal plan without it, and the epochs where it breaks the "
                        "band are listed as relaxed.")
                # Its bound still holds (a relaxation's), but the plan breaks the band,
                # so no gap is claimed.
                return replace(merged, status="fallback", relaxed=merged.relaxed + broken,
                               gap=math.inf,
                               message=" ".join(x for x in (merged.message, note) if x),
                               alerts=(*merged.alerts, note), equity_price=None,
                               equity_prices=(), seconds=time.monotonic() - started)
            return _merge(problem, [together, *keep], started)
        blocks = _blocks(problem)
        if len(blocks) == 1:
            return _merge(problem, [_solve_one(problem, options, deadline)], started)
        subproblems = [_restrict(problem, ids) for ids in blocks]
        return _merge(problem, _solve_blocks(subproblems, options, deadline), started)
    except Exception as exc:  # the contract: never a crash
        return proportional_plan(problem, started=started,
                                 reason=f"the solver failed ({type(exc).__name__}: {exc})")


def _solve_blocks(subproblems: list[Problem], options: SolveOptions,
                  deadline: float) -> list[Result]:
    # Largest first: with two workers the big block solves while the small ones are
    # built and solved beside it.  The solvers release the GIL, so threads overlap one
    # block's (Python) model building with another's solve.
    # Results come back in the order of ``subproblems``.
    order = sorted(range(len(subproblems)), reverse=True,
                   key=lambda n: len(subproblems[n].cells) + len(subproblems[n].transfers))
    if options.workers > 1 and len(order) > 1:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            done = list(pool.map(lambda n: _solve_one(subproblems[n], options, deadline),
                                 order))
    else:
        done = [_solve_one(subproblems[n], options, deadline) for n in order]
    results: list[Result | None] = [None] * len(subproblems)
    for n, result in zip(order, done, strict=True):
        results[n] = result
    return [r for r in results if r is not None]


def _solve_one(problem: Problem, options: SolveOptions, deadline: float) -> Result:
    started = time.monotonic()
    try:
        return _solve(problem, options, started, deadline)
    except Exception as exc:  # one block failing must not lose the others' plans
        return proportional_plan(problem, started=started,
                                 reason=f"the solver failed ({type(exc).__name__}: {exc})")


def _solve(problem: Problem, options: SolveOptions, started: float, deadline: float) -> Result:
    penalty = _penalty(problem, options)
    relaxed = False
    message = ""
    while True:
        try:
            model = _build(problem, relaxed=relaxed, penalty=penalty, deadline=deadline)
        except OutOfTime:
            return proportional_plan(problem, started=started,
                                     reason="the time limit ran out while building the model")
        model.variables = model.solver.variables()
        lp_started = time.monotonic()
        lp = model.solver
        remaining = _remaining(deadline)
        if remaining <= 0:
            return proportional_plan(problem, started=started,
                                     reason="the time limit ran out before the LP")
        lp.SetTimeLimit(max(1, int(remaining * 1000)))
        code = lp.Solve()
        lp_seconds = time.monotonic() - lp_started
        if code == lp.INFEASIBLE and not relaxed:
            relaxed = True
            message = "the problem is infeasible as stated; constraints were relaxed"
            continue
        if code != lp.OPTIMAL:
            return proportional_plan(problem, started=started,
                                     reason=f"the LP did not solve (GLOP status {code})")
        shadow, equity = ((), (None, ())) if not options.shadow_prices else _duals(problem,
                                                                                  model)
        values = [v.solution_value() for v in model.variables]
        whole = all(abs(values[i] - round(values[i])) <= INTEGRALITY_TOLERANCE
                    for i in model.integer_vars)
        if whole and options.lp_shortcut:
            sol = _Solution(values, "optimal", lp.Objective().Value(), "GLOP (whole LP optimum)")
            return _extract(problem, model, sol, started=started, lp_seconds=lp_seconds,
                            shadow=shadow, equity=equity, message=message)
        name = DEFAULT_MIP_SOLVER if options.mip_solver == "auto" else options.mip_solver
        remaining = _remaining(deadline)
        if remaining <= 0:
            return proportional_plan(problem, started=started,
                                     reason="the time limit ran out before the MIP")
        lp_bound = lp.Objective().Value()
        # First the LP's neighbourhood (quick), then, unless that plan is already within
        # the gap of the LP bound, the full MIP started from it.
        sol = _solve_mip(model, name, remaining / 2, options, near=values)
        if sol.status in ("optimal", "feasible"):
            sol.bound, sol.status = lp_bound, "feasible"
            if sol.gap() <= options.mip_gap:
                sol.status = "optimal"
            elif _remaining(deadline) > 0:
                full = _solve_mip(model, name, _remaining(deadline), options, hint=sol.values)
                if full.status in ("optimal", "feasible") and full.objective <= sol.objective:
                    full.bound = max(full.bound, lp_bound)
                    sol = full
                elif full.status == "optimal":
                    sol.bound = max(full.bound, lp_bound)
                if sol.gap() <= options.mip_gap:
                    sol.status = "optimal"
        else:
            sol = _solve_mip(model, name, _remaining(deadline), options)
        if sol.status == "infeasible" and not relaxed:
            relaxed = True
            message = "the problem is infeasible as stated; constraints were relaxed"
            continue
        if sol.status not in ("optimal", "feasible"):
            return proportional_plan(
                problem, started=started,
                reason=f"the MIP solver ({name}) found no plan in time ({sol.status})")
        return _extract(problem, model, sol, started=started, lp_seconds=lp_seconds,
                        shadow=shadow, equity=equity, message=message)
