"""The redeployment problem and its answer, as plain frozen dataclasses.

Nothing here imports Django: an adapter builds a :class:`Problem` from live data (the
forecast, the roster in force, the float pool, the site-to-site table), calls
:func:`allocation.redeploy.solve`, and reads the :class:`Result`.  The JSON file format
of the specification (``REDEPLOY.md``) maps one to one onto these classes; see
:mod:`allocation.redeploy.io`.

Notation (the specification's): facilities ``i``, ``k``; resource types ``j``; epochs
``t = 0 .. epochs-1``.  A *cell* is one (facility, resource type) pair and carries the
per-epoch series of demand ``D̂``, buffer ``η``, fixed units ``f`` and joins ``J`` and
the unit costs ``C``, ``Cy`` and penalty ``P``.

Conventions the caller must follow
----------------------------------
* Series are tuples of length ``epochs`` (the JSON reader broadcasts a single number).
* A (facility, resource type) pair without a cell has no demand and no fixed units;
  mobile units may wait there (idle) or pass through it, but never work there.
* ``Resource.pool`` is ``S_j0``, the mobile pool's size at the first plan.  It is used
  only for a resource type without any ``initial`` entry: that resource's pool is then
  placed freely over the facilities in epoch 0 (the first plan of a day).  A resource
  type with ``initial`` entries starts exactly where they say (facilities not listed
  hold none), and its ``pool`` is ignored.
* A transfer departs in epoch ``t`` and arrives in epoch ``t + epochs``; in between the
  unit is at no facility.  Transfers that would arrive after the horizon are not offered.
  A pair without a :class:`Transfer` cannot move units directly.
* Switching (``H_j |x_t − x_{t−1}|``) is charged from epoch 1 on, and in epoch 0 too for a
  facility whose :class:`Initial` entry says how many of its units were ``working``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["optimal", "feasible", "fallback"]


@dataclass(frozen=True)
class Resource:
    """A resource type ``j``: a staff role or skill, an equipment type, staffed beds.

    ``integer`` puts it in J_int (whole people or devices); ``critical`` in J_crit (its
    shortfall is shared fairly under the equity band); ``switching_cost`` is ``H_j``;
    ``pool`` is ``S_j0`` (see the module docstring for when it is used).
    """

    id: str
    integer: bool = True
    critical: bool = False
    switching_cost: float = 0.0
    pool: float = 0.0


@dataclass(frozen=True)
class Cell:
    """One facility and resource type: its demand, fixed units, joins, costs and cap.

    ``fixed_cost`` ``None`` means ``cost`` (the specification's default ``Cy = C``);
    ``shortfall_cap`` ``None`` means uncapped.
    """

    facility: str
    resource: str
    demand: tuple[float, ...]
    buffer: tuple[float, ...]
    fixed: tuple[float, ...]
    joins: tuple[float, ...]
    cost: float = 0.0
    fixed_cost: float | None = None
    penalty: float = 0.0
    shortfall_cap: float | None = None

    @property
    def unit_fixed_cost(self) -> float:
        return self.cost if self.fixed_cost is None else self.fixed_cost

    def need(self, t: int) -> float:
        """``D̂ + η`` in epoch ``t``: what the cover row asks for."""
        return self.demand[t] + self.buffer[t]


@dataclass(frozen=True)
class Transfer:
    """Units of ``resource`` may be sent from ``source`` to ``target``.

    ``cost`` is ``T_ikj`` per unit sent; ``epochs`` is ``τ_ikj``, the whole epochs the
    trip takes.
    """

    source: str
    target: str
    resource: str
    cost: float = 0.0
    epochs: int = 1


@dataclass(frozen=True)
class Initial:
    """Mobile units of ``resource`` at ``facility`` just before epoch 0 (``x + q`` at t = −1).

    ``working`` (optional) says how many of them were working, which lets switching
    be charged in epoch 0 as well.
    """

    facility: str
    resource: str
    units: float
    working: float | None = None


@dataclass(frozen=True)
class InTransit:
    """Units already on their way: they reach ``target`` at the start of epoch ``arrives``.

    Until then they are at no facility.  ``source`` is informative only.
    """

    target: str
    resource: str
    units: float
    arrives: int
    source: str = ""


@dataclass(frozen=True)
class Problem:
    """A whole redeployment problem (the specification's file, one to one).

    ``discount`` is ``β`` (0 < β ≤ 1); ``equity_band`` is ``γ`` (``None``: no band).
    """

    epochs: int
    facilities: tuple[str, ...]
    resources: tuple[Resource, ...]
    cells: tuple[Cell, ...]
    transfers: tuple[Transfer, ...] = ()
    initial: tuple[Initial, ...] = ()
    in_transit: tuple[InTransit, ...] = ()
    epoch_minutes: int = 60
    discount: float = 1.0
    equity_band: float | None = None

    def resource(self, resource_id: str) -> Resource:
        for r in self.resources:
            if r.id == resource_id:
                return r
        raise KeyError(resource_id)

    def placed_freely(self, resource_id: str) -> bool:
        """True when ``resource_id`` has no ``initial`` entry (the first plan of a day)."""
        return not any(e.resource == resource_id for e in self.initial)


MipSolver = Literal["auto", "SCIP", "HIGHS", "CBC", "CP_SAT"]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    ``time_limit_s`` covers everything, model building included.  ``mip_solver``
    ``"auto"`` uses the solver that was fastest on our benchmark networks (see
    :mod:`allocation.redeploy.model`).  ``lp_shortcut``: when the LP relaxation's
    optimum is already whole for every integer resource it is the integer optimum (its
    bound is met), and the MIP is skipped.  ``shadow_prices`` ``False`` skips the duals
    (only meaningful together with ``lp_shortcut=False``).  ``relax_penalty`` ``None``
    lets the solver choose a penalty far above every other term.  ``mip_gap``: a plan
    whose cost is within this fraction of the proved lower bound counts as optimal
    (whole-LP optima are exact).  ``workers``: independent
    blocks of resource types solved at once (threads; ``num_threads`` is per MIP).
    """

    time_limit_s: float = 10.0
    mip_solver: MipSolver = "auto"
    lp_shortcut: bool = True
    shadow_prices: bool = True
    relax_penalty: float | None = None
    num_threads: int = 1
    mip_gap: float = 1e-6
    workers: int = 2


@dataclass(frozen=True)
class CellPlan:
    """The plan for one cell, one value per epoch.

    ``Result.plans`` also holds pairs without a cell where mobile units waited or passed
    (only ``q`` can be non-zero there), so every unit can be accounted for.

    ``x`` mobile units working, ``q`` mobile units idle there, ``y`` fixed units used,
    ``u`` shortfall, ``w`` switching (``|x_t − x_{t−1}|`` where it is charged, else 0).
    """

    facility: str
    resource: str
    x: tuple[float, ...]
    q: tuple[float, ...]
    y: tuple[float, ...]
    u: tuple[float, ...]
    w: tuple[float, ...]


@dataclass(frozen=True)
class Move:
    """``units`` of ``resource`` leave ``source`` in epoch ``depart`` and reach ``target``
    at the start of epoch ``arrive`` (``z_ikjt`` with ``t = depart``)."""

    source: str
    target: str
    resource: str
    depart: int
    arrive: int
    units: float


@dataclass(frozen=True)
class ShadowPrice:
    """The value of one more unit of ``resource`` in ``epoch`` (undiscounted, ≥ 0).

    ``facility`` is where that unit would be worth most (empty for the placement row of
    a first plan, where the pool itself grows).
    """

    resource: str
    epoch: int
    value: float
    facility: str = ""


RelaxedKind = Literal["shortfall_cap", "equity_band", "location"]


@dataclass(frozen=True)
class Relaxation:
    """A constraint that could not hold, and by how much it was relaxed.

    ``shortfall_cap``: shortfall above ``ū`` at (facility, resource, epoch);
    ``equity_band``: the spread of shortfall ratios above ``γ`` in ``epoch``;
    ``location``: units leaving a facility (negative joins) that could not be there.
    """

    kind: RelaxedKind
    epoch: int
    amount: float
    facility: str = ""
    resource: str = ""

    def text(self) -> str:
        if self.kind == "shortfall_cap":
            return (f"shortfall cap of {self.resource} at {self.facility} exceeded by "
                    f"{self.amount:g} in epoch {self.epoch}")
        if self.kind == "equity_band":
            return f"equity band exceeded by {self.amount:g} in epoch {self.epoch}"
        return (f"{self.amount:g} {self.resource} leaving {self.facility} in epoch "
                f"{self.epoch} were not there")


@dataclass(frozen=True)
class Result:
    """The answer.  Never raised as an exception: a failure is a ``"fallback"`` status.

    ``objective`` is the cost of the plan as the specification's objective states it
    (discounted); ``penalty`` is what the relaxations added on top (0 unless
    ``relaxed`` is non-empty).  ``bound`` and ``gap`` are the MIP's proved lower bound
    and relative gap (0 at a proved optimum).  ``equity_price`` is the cost of the band,
    ``−∂objective/∂γ`` (``None`` without a band); ``equity_prices`` the same per epoch,
    undiscounted.  ``seconds`` is the whole wall time, ``lp_seconds`` the LP's share.
    """

    status: Status
    objective: float
    bound: float
    gap: float
    plans: tuple[CellPlan, ...]
    moves: tuple[Move, ...]
    shadow_prices: tuple[ShadowPrice, ...]
    equity_price: float | None
    equity_prices: tuple[float, ...]
    relaxed: tuple[Relaxation, ...]
    seconds: float
    lp_seconds: float = 0.0
    penalty: float = 0.0
    solver: str = ""
    message: str = ""
    alerts: tuple[str, ...] = field(default_factory=tuple)

    def plan(self, facility: str, resource: str) -> CellPlan:
        for p in self.plans:
            if p.facility == facility and p.resource == resource:
                return p
        raise KeyError((facility, resource))

    def bottleneck(self) -> ShadowPrice | None:
        """The largest shadow price (the resource and epoch that limit most); ``None``
        when no resource limits at all (every price 0)."""
        if not self.shadow_prices:
            return None
        top = max(self.shadow_prices, key=lambda s: s.value)
        return top if top.value > 1e-9 else None
