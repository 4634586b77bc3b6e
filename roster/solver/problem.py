"""The rostering problem and its answer, as plain frozen dataclasses.

Nothing here imports Django: a Django adapter builds a :class:`Problem` from the
database, calls :func:`roster.solver.solve`, and writes the :class:`SolveResult` back.
The same dataclasses hold the public Curtois–Qu benchmark instances
(:mod:`roster.solver.curtois` loads them), so the benchmark measures the code that
rosters real units.

Conventions the adapter must follow
-----------------------------------
* **Days** are integer indices ``0 .. num_days-1`` counted from ``Problem.start_date``
  (or from an abstract Monday when ``start_date`` is ``None``, as in the benchmark).
  Negative indices are the days *before* the period and only appear in
  ``Staff.history``.
* **Times** are whole minutes.  A shift rostered on day ``d`` starts at
  ``d * 1440 + ShiftType.start_minute``; a night shift that crosses midnight belongs to
  the day it starts.  Minutes of a shift count towards the day it starts on (this is
  the usual convention for "hours in any 7 days" rules and keeps the rule linear).
* **Identifiers** (staff, shift types, units, roles, skills, certifications) are
  strings chosen by the caller: database primary keys or codes both work.
* **Every shift type is offered every day.**  Coverage requirements say where people
  are needed; a staff member may still be rostered on a slot without a requirement
  (the benchmark does this: over-cover is only penalised).
* A unit id of ``""`` means "the only unit"; single-unit problems need not declare
  units at all.

Hard rules (never traded for cost; a roster breaking one is never returned):
one shift a day; days off / leave / unavailable weekdays; unit access, unit and
coverage-requirement skills, roles and (unexpired) certifications; maximum shift
length; minimum rest between shifts and explicit forbidden successions, including
from the last days of the previous period (``Staff.history``); maximum minutes in every
rolling 7 days (history days count); maximum consecutive working days and nights
(history counts); the contract (max shifts per type, min/max total minutes, min/max
consecutive working days, min consecutive days off, max weekends); coverage maximums.

Coverage minimums are hard *with shortfall*: a missing person is allowed but costs
``priority * shortfall_unit`` where the solver chooses ``shortfall_unit`` larger than
the largest possible sum of all soft terms, so no soft gain can ever buy a shortfall.
A roster with shortfall is returned with status ``"shortfall"``, never as a failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from roster.rulebook import DEFAULTS

MINUTES_PER_DAY = 1440

_EMPTY_INT_MAP: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift offered every day (e.g. "D" 07:00 for 12 h, "N" 23:00 for 8 h).

    ``start_minute`` is minutes after local midnight.  It is needed to derive the
    rest rule (which pairs of shifts on consecutive days leave less than
    ``FatigueRules.min_rest_minutes`` between them); leave it ``None`` when only the
    explicit ``forbidden_next`` list is known (the benchmark).

    ``forbidden_next`` lists shift type ids that may not be worked on the day after a
    day on which this shift is worked, whatever the rest rule says (the benchmark's
    ``NotFollow``, or a local rule such as "no early after a late").

    ``is_night`` marks shifts counted by the max-consecutive-nights rule and by night
    fairness.
    """

    id: str
    length_minutes: int
    start_minute: int | None = None
    is_night: bool = False
    forbidden_next: frozenset[str] = frozenset()
    label: str = ""


@dataclass(frozen=True)
class Unit:
    """A ward / ICU / ED.  Whoever is rostered on the unit must satisfy its base rules.

    ``allowed_roles`` empty means any role; ``required_skills`` and
    ``required_certifications`` must all be held (certifications unexpired on the day).
    """

    id: str
    name: str = ""
    allowed_roles: frozenset[str] = frozenset()
    required_skills: frozenset[str] = frozenset()
    required_certifications: frozenset[str] = frozenset()
    # The unit's own per-shift limit (the rulebook: the maximum length of a shift is the
    # working unit's); ``None`` leaves it to the person's fatigue rules.
    max_shift_minutes: int | None = None


@dataclass(frozen=True)
class Contract:
    """Per-person contract limits for the period (all hard).

    * ``max_shifts_per_type``: shift type id → maximum number of such shifts in the
      period.  A missing id is unlimited; 0 forbids the type.
    * ``min_total_minutes`` / ``max_total_minutes``: bounds on the sum of shift lengths.
    * ``min_consecutive_work_days`` / ``max_consecutive_work_days``: every run of
      working days lies within these bounds.  A run that touches the start of the known
      days (the first history day, or day 0 without history) or the last day of the
      period is exempt from the minimum, since the period is assumed to continue with
      work beyond its ends (the benchmark's rule).
    * ``min_consecutive_days_off``: every run of days off between two working days is at
      least this long (same edge exemption).
    * ``max_weekends``: worked weekends in the period (a weekend is a Saturday and the
      Sunday after it; working either or both counts once).
    * ``unavailable_weekdays``: 0 = Monday … 6 = Sunday, days that can never be worked.
    * ``contracted_minutes``: paid minutes for the period before overtime starts; when
      ``None`` it is ``fte * Problem.full_time_minutes_per_week * num_days / 7``.
    """

    max_shifts_per_type: Mapping[str, int] = field(default_factory=lambda: _EMPTY_INT_MAP)
    min_total_minutes: int = 0
    max_total_minutes: int | None = None
    min_consecutive_work_days: int = 1
    max_consecutive_work_days: int | None = None
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    unavailable_weekdays: frozenset[int] = frozenset()
    contracted_minutes: int | None = None


@dataclass(frozen=True)
class FatigueRules:
    """Safety rules from the field guidance (all hard; ``None`` switches a rule off).

    * ``max_shift_minutes``: shift types longer than this are never assigned.
    * ``min_rest_minutes``: minimum rest between the end of one shift and the start of
      the next; pairs of shift types on nearby days that would break it become
      forbidden successions (needs ``ShiftType.start_minute``).
    * ``max_minutes_7_days``: in every window of 7 consecutive days (windows that
      start before day 0 use ``Staff.history``), the sum of shift lengths.
    * ``max_consecutive_days`` / ``max_consecutive_nights``: longest allowed run of
      working days / of night shifts on consecutive days (history counts).
    """

    max_shift_minutes: int | None = DEFAULTS.max_shift_minutes
    min_rest_minutes: int | None = DEFAULTS.min_rest_minutes
    max_minutes_7_days: int | None = DEFAULTS.max_minutes_7_days
    max_consecutive_days: int | None = DEFAULTS.max_consecutive_days
    max_consecutive_nights: int | None = DEFAULTS.max_consecutive_nights


@dataclass(frozen=True)
class Staff:
    """A person who can be rostered.

    * ``role``: e.g. "RN", "LPN", "HCA".
    * ``skills``: e.g. {"charge", "icu"}.
    * ``certifications``: certification type → first day index on which it is *no
      longer* valid (``None`` = valid for the whole period).  A certification that
      expired before day 0 should simply be left out.
    * ``fte``: 1.0 full time; drives contracted minutes, overtime and hours fairness.
    * ``seniority``: any integer scale (years, band); see
      ``Problem.senior_min_seniority``.
    * ``home_unit`` / ``allowed_units``: ``allowed_units=None`` means every unit; a float
      nurse lists several.  ``home_unit`` is informational for the adapter.
    * ``days_off``: day index → reason ("annual leave", "sick", "unavailable",
      "fatigue stand-down", "day off").  The reason is shown by the explanation.
    * ``history``: shift type ids worked on the days just before the period, oldest
      first, ``history[-1]`` being day -1; ``None`` for a day off.  Used by rest, rolling
      hours, consecutive days/nights and the min-run rules across the period start.
    * ``fatigue``: overrides ``Problem.fatigue`` for this person (e.g. a unit's stricter
      rules); ``None`` uses the problem's.
    * ``fixed``: day index → shift type id the person already works outside this problem
      (another unit's roster in force, or the days just after the period). Those days
      cannot be rostered, and their shifts count in rest, hours in 7 days and runs of
      days and nights exactly like history.
    * ``day_off_rules``: day index → the rulebook code a day off stands for (leave…);
      days without one report ``day_off``.
    """

    id: str
    role: str = ""
    skills: frozenset[str] = frozenset()
    certifications: Mapping[str, int | None] = field(default_factory=dict)
    fte: float = 1.0
    seniority: int = 0
    home_unit: str | None = None
    allowed_units: frozenset[str] | None = None
    contract: Contract = field(default_factory=Contract)
    days_off: Mapping[int, str] = field(default_factory=dict)
    history: tuple[str | None, ...] = ()
    fatigue: FatigueRules | None = None
    fixed: Mapping[int, str] = field(default_factory=dict)
    day_off_rules: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CoverageRequirement:
    """How many qualifying people a (day, shift type, unit) needs.

    A person counts towards the requirement when rostered on that day, shift and unit
    and when they have one of ``roles`` (empty = any role), all of ``skills`` and all
    of ``certifications`` (unexpired on that day).  Several requirements may target the
    same slot ("5 RNs", "1 charge nurse", "1 ACLS holder"); one person counts towards
    every requirement they qualify for.

    * ``minimum``: hard with shortfall; each missing person costs
      ``priority * shortfall_unit`` (see the module docstring).
    * ``preferred``: soft target; ``weight_under`` per person below, ``weight_over`` per
      person above.  The benchmark's cover lines are ``minimum=0, preferred=req,
      weight_under=100, weight_over=1``.
    * ``maximum``: hard cap on qualifying people (``None`` = no cap).
    """

    day: int
    shift: str
    minimum: int = 0
    preferred: int | None = None
    maximum: int | None = None
    unit: str = ""
    roles: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()
    priority: int = 1
    weight_under: int = 0
    weight_over: int = 0
    label: str = ""


@dataclass(frozen=True)
class ShiftRequest:
    """A wish, honoured softly at cost ``weight`` when not granted.

    ``on=True``: the person wants to work ``shift`` on ``day`` (any shift if ``shift`` is
    ``None``); it costs ``weight`` if they are not given it (a day off or another shift
    both count as not given).  ``on=False``: they want *not* to work ``shift`` (any
    shift if ``None``) that day; it costs ``weight`` if they do.
    """

    staff: str
    day: int
    shift: str | None
    on: bool
    weight: int = 1


@dataclass(frozen=True, order=True)
class Assignment:
    """``staff`` works shift type ``shift`` on ``day`` in ``unit``."""

    staff: str
    day: int
    shift: str
    unit: str = ""


@dataclass(frozen=True)
class SoftWeights:
    """Weights of the soft terms besides coverage targets and requests (which carry
    their own weights).  All are integers per unit of the term:

    * ``fairness_nights``: per night of spread (max − min nights per available
      full-time equivalent — FTE × share of the period not on leave — over staff who
      may work nights; rounded to the nearest night).
    * ``fairness_weekends``: per weekend of spread (max − min worked weekends per
      available full-time equivalent, rounded to the nearest weekend).
    * ``fairness_hours``: per hour of spread of (worked − contracted) hours.
    * ``no_senior``: per (day, shift, unit) with a positive coverage requirement and no
      senior person on it (needs ``Problem.senior_min_seniority``).
    * ``stability``: per staff-day whose assignment differs from
      ``Problem.reference_roster`` (the published version).
    * ``overtime_per_hour``: per started hour above contracted minutes, per person.

    :meth:`benchmark` gives all zeros (the published benchmark objective has none).
    """

    fairness_nights: int = 5
    fairness_weekends: int = 5
    fairness_hours: int = 1
    no_senior: int = 20
    stability: int = 10
    overtime_per_hour: int = 3

    @staticmethod
    def benchmark() -> SoftWeights:
        return SoftWeights(0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs for one rostering period.

    ``start_weekday`` (0 = Monday) places weekends; it is taken from ``start_date``
    when that is given.  ``units`` may be left empty for a single anonymous unit
    (id ``""``).  ``reference_roster`` is the published version that stability is
    measured against (``None`` switches the term off).  ``senior_min_seniority``: staff
    with ``seniority >= senior_min_seniority`` are senior (``None`` switches the
    seniority-mix term off).
    """

    num_days: int
    shift_types: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    coverage: tuple[CoverageRequirement, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    units: tuple[Unit, ...] = ()
    name: str = ""
    start_date: dt.date | None = None
    start_weekday: int = 0
    fatigue: FatigueRules = field(default_factory=FatigueRules)
    weights: SoftWeights = field(default_factory=SoftWeights)
    reference_roster: tuple[Assignment, ...] | None = None
    senior_min_seniority: int | None = None
    full_time_minutes_per_week: int = 2400
    # (day, shift type id) → (real start, real length) in minutes, the start counted in
    # elapsed time from local midnight of day 0, for the shifts a clock change moves
    # (the rest keep ``day * 1440 + start_minute`` and their rostered length). Rest and
    # hours in 7 days use real time; the shift-length limit the rostered length.
    timing: Mapping[tuple[int, str], tuple[int, int]] = field(default_factory=dict)

    # --- small lookups shared by every module (pure data, no rule logic) -----------

    def weekday(self, day: int) -> int:
        """0 = Monday … 6 = Sunday for a day index (negative = history)."""
        first = self.start_date.weekday() if self.start_date is not None else self.start_weekday
        return (first + day) % 7

    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units) if self.units else ("",)

    def unit(self, unit_id: str) -> Unit:
        for u in self.units:
            if u.id == unit_id:
                return u
        return Unit(unit_id)

    def shift(self, shift_id: str) -> ShiftType:
        for t in self.shift_types:
            if t.id == shift_id:
                return t
        raise KeyError(shift_id)

    def real_start(self, day: int, shift: ShiftType) -> int | None:
        """Elapsed minutes from local midnight of day 0 to the shift's start."""
        if (day, shift.id) in self.timing:
            return self.timing[(day, shift.id)][0]
        return None if shift.start_minute is None else day * MINUTES_PER_DAY + shift.start_minute

    def real_minutes(self, day: int, shift: ShiftType) -> int:
        """The shift's real length that day (a clock change adds or removes an hour)."""
        if (day, shift.id) in self.timing:
            return self.timing[(day, shift.id)][1]
        return shift.length_minutes

    def fatigue_for(self, person: Staff) -> FatigueRules:
        return person.fatigue if person.fatigue is not None else self.fatigue

    def contracted_minutes(self, person: Staff) -> int:
        if person.contract.contracted_minutes is not None:
            return person.contract.contracted_minutes
        return round(person.fte * self.full_time_minutes_per_week * self.num_days / 7)


# ----------------------------------------------------------------------------------
# Solve options and results
# ----------------------------------------------------------------------------------

#: ``progress(solutions, objective, bound, elapsed_seconds)`` — called on every improving
#: roster.  It runs on a solver thread: keep it short (write one DB row, no heavy work).
ProgressCallback = Callable[[int, float, float, float], None]

Status = Literal["optimal", "feasible", "shortfall", "infeasible", "unknown"]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    * ``time_limit_s``: wall-clock budget; the best roster found by then is returned.
    * ``num_workers``: CP-SAT threads (use the machine's cores).
    * ``seed``: random seed; with ``deterministic=True`` the same problem, seed and
      ``num_workers`` give the same roster on every run.
    * ``deterministic``: runs CP-SAT's interleaved (reproducible) parallel search and
      measures the budget in CP-SAT's deterministic time (≈ seconds of work on one
      core, machine-independent) instead of wall time, so the answer never depends on
      machine load.  ``time_limit_s`` then stays as a generous wall-clock safety cap
      (3× + 5 s).  Off by default because the wall-clock portfolio finds better
      rosters within a given time.
    * ``hint``: a previous roster used as the starting solution (warm start).
    * ``progress`` / ``should_stop``: see :data:`ProgressCallback`; ``should_stop`` is
      polled on every solution and about every 0.1 s, and stops the search (the best
      roster so far is returned).
    * ``use_lns``: run the solver's own large-neighbourhood search around CP-SAT
      (re-optimising a few people or a window of days at a time) after a first
      global phase; it helps on large problems.
    * ``log``: print CP-SAT's search log.
    """

    time_limit_s: float = 30.0
    num_workers: int = 2
    seed: int = 0
    deterministic: bool = False
    hint: tuple[Assignment, ...] | None = None
    progress: ProgressCallback | None = None
    should_stop: Callable[[], bool] | None = None
    use_lns: bool = True
    log: bool = False


@dataclass(frozen=True)
class Shortfall:
    """A coverage minimum that could not be met: ``missing`` people short."""

    requirement: CoverageRequirement
    missing: int


@dataclass(frozen=True)
class Kpis:
    """Figures for the manager's dashboard (percentages are 0–100).

    * ``coverage_ratio``: Σ min(qualifying people, target) / Σ target over the coverage
      requirements, where target = max(minimum, preferred); 1.0 when all are met.
    * ``overtime_pct``: overtime minutes / contracted minutes, summed over staff.
    * ``request_honoring_pct``: share of requests (by count) honoured; 100 with none.
    * ``nights_spread`` / ``weekends_spread``: max − min over staff of nights (among
      those who may work nights) and worked weekends, each per available full-time
      equivalent (count / (FTE × share of the period not on leave)).
    * ``hours_spread``: max − min over staff of (worked − contracted) hours.
    * ``stability_pct``: share of staff-days unchanged against the reference roster
      (``None`` without one).
    """

    coverage_ratio: float
    overtime_pct: float
    request_honoring_pct: float
    nights_spread: float
    weekends_spread: float
    hours_spread: float
    stability_pct: float | None


@dataclass(frozen=True)
class SolveResult:
    """The answer.

    * ``status``: "optimal" (proved), "feasible" (time ran out with a roster),
      "shortfall" (a roster that leaves some minimum uncovered — see ``shortfalls`` and
      :mod:`roster.solver.explain`), "infeasible" (the *hard rules themselves*
      contradict, e.g. a contract minimum that leave makes impossible; coverage never
      causes this), "unknown" (no roster within the time limit).
    * ``objective`` / ``bound`` / ``gap``: the minimised cost, the best proven lower
      bound and ``(objective − bound) / max(1, |objective|)``.
    * ``breakdown``: term → weighted cost; the terms sum to ``objective``.  Keys:
      ``shortfall``, ``cover_under``, ``cover_over``, ``requests_on``, ``requests_off``,
      ``fairness_nights``, ``fairness_weekends``, ``fairness_hours``, ``no_senior``,
      ``stability``, ``overtime``.
    * ``shortfall_unit``: cost of one missing person at priority 1.
    """

    status: Status
    assignments: tuple[Assignment, ...]
    objective: float | None
    bound: float | None
    gap: float | None
    breakdown: dict[str, int]
    kpis: Kpis | None
    shortfalls: tuple[Shortfall, ...]
    solve_seconds: float
    num_solutions: int
    shortfall_unit: int
