"""The CP-SAT roster model: the formulation of a :class:`Problem` as variables, rules and costs.

Formulation (why it looks like this):

* One boolean ``x[s,d,t,u]`` per *eligible* (staff, day, shift type, unit): leave,
  unavailability, shift length, contract bans, unit access and unit qualifications are
  applied by not creating the variable at all, which keeps the model small.
  ``y[s,d,t]`` (= Σ_u x) and ``w[s,d]`` (= Σ_t y, "works that day") are the aggregates
  the sequence rules talk about; with one unit ``y`` *is* ``x``.
* Forbidden successions are "clique" rows ``y[s,d,a] + Σ_{b∈F(a)} y[s,d+gap,b] ≤ 1``:
  one row per shift instead of one per pair, which the LP relaxation likes better.
* Run rules use sliding windows (max consecutive: ``Σ_{window of c+1} w ≤ c``) and
  forbidden short patterns as clauses (min consecutive work / days off:
  ``off, on^k, off`` is forbidden for k < min), which are much tighter and cheaper than
  automata.  History days before the period enter as constants.
* Weekends are booleans sandwiched between the day variables so they are exact.
* Coverage: ``count − preferred = over − under`` with both ≥ 0 (exact at the optimum
  because both are penalised), and ``count + short ≥ minimum`` where ``short`` costs
  ``priority × shortfall_unit``; ``shortfall_unit`` exceeds the largest possible sum of
  all soft terms, so no soft gain can ever pay for a missing person.
* Fairness spreads (max − min of nights, weekends or hours per person) relax to zero
  in the LP; each gets a cut at the least spread whole shifts allow
  (:mod:`roster.solver.floors`), so the proved bound counts it.

The search that solves it is :mod:`roster.solver.search`.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from roster.solver import derive, floors
from roster.solver.problem import (
    Assignment,
    CoverageRequirement,
    Problem,
    Staff,
)

TERMS = (
    "shortfall",
    "cover_under",
    "cover_over",
    "requests_on",
    "requests_off",
    "fairness_nights",
    "fairness_weekends",
    "fairness_hours",
    "no_senior",
    "stability",
    "overtime",
)

Lit = cp_model.IntVar


@dataclass
class _Term:
    """A linear cost term ``const + Σ coef·var`` with the bounds of each var kept for
    computing the term's largest possible value (for ``shortfall_unit``)."""

    const: int = 0
    items: list[tuple[cp_model.IntVar, int, int, int]] = field(default_factory=list)

    def add(self, var: cp_model.IntVar, coef: int, lb: int = 0, ub: int = 1) -> None:
        if coef != 0:
            self.items.append((var, coef, lb, ub))

    def upper(self) -> int:
        return self.const + sum(max(c * lb, c * ub) for _, c, lb, ub in self.items)

    def expr(self) -> cp_model.LinearExprT:
        if not self.items:
            return self.const
        return cp_model.LinearExpr.weighted_sum(
            [v for v, _, _, _ in self.items], [c for _, c, _, _ in self.items]
        ) + self.const


class OutOfTime(Exception):
    """The model could not be built before its deadline (see :class:`RosterModel`)."""


class RosterModel:
    """Builds the CP-SAT model for a :class:`Problem` (see the module docstring).

    ``deadline`` (``time.monotonic()`` seconds): building stops with :class:`OutOfTime`
    once it passes, checked person by person, so a model too large for the budget
    costs at most that budget.  ``closed_end``: the period is a window of a longer
    one (:mod:`roster.solver.decompose`) whose days after it are known, the shifts in
    ``Staff.fixed`` worked and every other day off: the minimum runs are checked on
    into them instead of exempting a run that touches the last day.
    """

    def __init__(self, problem: Problem, deadline: float | None = None,
                 closed_end: bool = False) -> None:
        self.p = problem
        self.deadline = deadline
        self.closed_end = closed_end
        self.m = cp_model.CpModel()
        self.units = problem.unit_ids()
        self.shifts = problem.shift_types
        self.nights = {k for k, t in enumerate(self.shifts) if t.is_night}
        self.h = problem.num_days
        # x[(s, d, k, j)]: staff s works shift k on day d in unit j.
        self.x: dict[tuple[int, int, int, int], cp_model.IntVar] = {}
        self.y: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.w: dict[tuple[int, int], cp_model.IntVar] = {}
        self.terms: dict[str, _Term] = {name: _Term() for name in TERMS}
        self.shortfall_vars: list[tuple[CoverageRequirement, cp_model.IntVar]] = []
        self.shortfall_unit = 1
        # Spread term → its spread variable (the members are in ``spreads``).
        self.spread_vars: dict[str, cp_model.IntVar] = {}
        # Spread term → (highest, lowest measure) → the thresholds past which people must
        # move for the spread, as rounded, to narrow by one unit (None: nothing to narrow).
        self.spread_ends: dict[str, Callable[[int, int], tuple[int, int] | None]] = {}
        self._build()

    # ---------------------------------------------------------------- variables --
    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime

    def _build(self) -> None:
        p = self.p
        shift_index = {t.id: k for k, t in enumerate(self.shifts)}
        self.shift_index = shift_index
        for s, person in enumerate(p.staff):
            self._check_time()
            for d in range(self.h):
                day_vars: list[cp_model.IntVar] = []
                for k, t in enumerate(self.shifts):
                    per_unit: list[cp_model.IntVar] = []
                    for j, u in enumerate(self.units):
                        if derive.static_block(p, person, d, t, u) is None:
                            v = self.m.new_bool_var(f"x_{s}_{d}_{k}_{j}")
                            self.x[(s, d, k, j)] = v
                            per_unit.append(v)
                    if len(per_unit) == 1:
                        self.y[(s, d, k)] = per_unit[0]
                    elif per_unit:
                        yv = self.m.new_bool_var(f"y_{s}_{d}_{k}")
                        self.m.add(sum(per_unit) == yv)
                        self.y[(s, d, k)] = yv
                    if (s, d, k) in self.y:
                        day_vars.append(self.y[(s, d, k)])
                if day_vars:
                    wv = self.m.new_bool_var(f"w_{s}_{d}")
                    # One shift a day: the day's shift variables sum to "works".
                    self.m.add(sum(day_vars) == wv)
                    self.w[(s, d)] = wv
        for s, person in enumerate(p.staff):
            self._check_time()
            self._person_rules(s, person)
        self._check_time()
        self._weekends_and_fairness()
        self._check_time()
        self._coverage()
        self._check_time()
        self._fairness_floors()
        self._requests()
        self._seniority()
        self._stability()
        self._set_objective()
        self._check_time()

    # Helpers returning either a model literal or a 0/1 constant (history, shifts fixed
    # outside the problem, or no var).
    def _known(self, s: int, d: int) -> bool:
        return d < 0 or d >= self.h or d in self.p.staff[s].fixed

    def work(self, s: int, d: int) -> cp_model.IntVar | int:
        if self._known(s, d):
            return int(derive.history_shift(self.p.staff[s], d) is not None)
        return self.w.get((s, d), 0)

    def works_shift(self, s: int, d: int, k: int) -> cp_model.IntVar | int:
        if self._known(s, d):
            return int(derive.history_shift(self.p.staff[s], d) == self.shifts[k].id)
        return self.y.get((s, d, k), 0)

    def night(self, s: int, d: int) -> list[cp_model.IntVar | int]:
        return [self.works_shift(s, d, k) for k in self.nights]

    def minutes_terms(self, s: int, d: int) -> list[tuple[cp_model.IntVar | int, int]]:
        """(literal, real minutes) of each shift the person may work on day ``d``."""
        return [(self.works_shift(s, d, k), self.p.real_minutes(d, t)) for k, t in enumerate(self.shifts)]

    # ------------------------------------------------------------- person rules --
    def _person_rules(self, s: int, person: Staff) -> None:
        p, m, h = self.p, self.m, self.h
        first = derive.first_known_day(person)
        last = derive.last_known_day(p, person)
        c = person.contract
        # Rest / forbidden successions, including from history into the period and into
        # shifts fixed elsewhere. Days a clock change touches get pairs of their own.
        moved = derive.moved_days(p)
        everyday = derive.forbidden_successions(p, person)
        reach = max([*everyday, 1]) + 1
        for d in range(min(first, -reach), last + 1):
            if not moved or not any(e in moved for e in range(d, d + reach + 1)):
                pairs_by_gap = everyday
            else:
                pairs_by_gap = derive.forbidden_successions(p, person, day=d)
            for gap, pairs in pairs_by_gap.items():
                if d + gap > last or d + gap < 0:
                    continue
                following: dict[int, list[int]] = {}
                for a, b in pairs:
                    if a in self.shift_index and b in self.shift_index:
                        following.setdefault(self.shift_index[a], []).append(self.shift_index[b])
                for ka, kbs in following.items():
                    lhs = self.works_shift(s, d, ka)
                    rhs = [self.works_shift(s, d + gap, kb) for kb in kbs]
                    self._at_most_if_free(list([lhs, *rhs]), 1)
        # Contract: shifts per type and total minutes.
        for t_id, limit in c.max_shifts_per_type.items():
            if t_id in self.shift_index:
                k = self.shift_index[t_id]
                vs = [self.y[(s, d, k)] for d in range(h) if (s, d, k) in self.y]
                if len(vs) > limit:
                    m.add(sum(vs) <= limit)
        minutes = [(self.y[(s, d, k)], t.length_minutes) for d in range(h)
                   for k, t in enumerate(self.shifts) if (s, d, k) in self.y]
        total = cp_model.LinearExpr.weighted_sum([v for v, _ in minutes], [n for _, n in minutes])
        max_possible = sum(n for _, n in minutes)
        if c.max_total_minutes is not None and max_possible > c.max_total_minutes:
            m.add(total <= c.max_total_minutes)
        if c.min_total_minutes > 0:
            m.add(total >= c.min_total_minutes)
        self.total_minutes_expr = getattr(self, "total_minutes_expr", {})
        self.total_minutes_expr[s] = (total, max_possible)
        # Max consecutive working days / nights: windows of c+1 days hold at most c.
        max_days, max_nights = derive.consecutive_limits(p, person)
        if max_days is not None:
            for day0 in range(max(first, -max_days), last - max_days + 1):
                self._at_most_if_free([self.work(s, d) for d in range(day0, day0 + max_days + 1)], max_days)
        if max_nights is not None and self.nights:
            for day0 in range(max(first, -max_nights), last - max_nights + 1):
                lits = [lit for d in range(day0, day0 + max_nights + 1) for lit in self.night(s, d)]
                self._at_most_if_free(lits, max_nights)
        # Min consecutive work days: forbid off, on^k, off (k < min) fully inside the
        # known days; min consecutive days off: forbid on, off^k, on.
        # A closed end (a window of a longer period, its fixed shifts after it the rest
        # of that roster, every other day off): the patterns run on into those days.
        top = h - 1
        if self.closed_end:
            top = h + max(c.min_consecutive_work_days, c.min_consecutive_days_off)
        for run in range(1, c.min_consecutive_work_days):
            for day0 in range(first, top - run):
                self._forbid_pattern(s, day0, run, run_is_work=True)
        for run in range(1, c.min_consecutive_days_off):
            for day0 in range(first, top - run):
                self._forbid_pattern(s, day0, run, run_is_work=False)
        # Rolling 7 days: every window of 7 days (windows reaching into history count
        # the history shifts' minutes).
        fatigue = p.fatigue_for(person)
        if fatigue.max_minutes_7_days is not None:
            cap = fatigue.max_minutes_7_days
            for day0 in range(-6, max(last - 6, 0) + 1):
                const = 0
                window: list[cp_model.IntVar] = []
                cs: list[int] = []
                for d in range(day0, day0 + 7):
                    for lit, n in self.minutes_terms(s, d):
                        if isinstance(lit, int):
                            const += lit * n
                        else:
                            window.append(lit)
                            cs.append(n)
                # A day holds at most one shift: the window's largest possible sum.
                worst = const + sum(
                    max((n for lit, n in self.minutes_terms(s, d) if not isinstance(lit, int)),
                        default=0)
                    for d in range(max(day0, 0), min(day0 + 7, h)))
                if worst > cap and window:
                    m.add(cp_model.LinearExpr.weighted_sum(window, cs) + const <= cap)

    def _at_most_if_free(self, lits: Sequence[cp_model.IntVar | int], cap: int) -> None:
        """:meth:`_at_most` where at least one literal is the model's to choose (shifts
        all fixed outside the problem are not this roster's to repair)."""
        if any(not isinstance(x, int) for x in lits):
            self._at_most(lits, cap)

    def _at_most(self, lits: Sequence[cp_model.IntVar | int], cap: int) -> None:
        const = sum(x for x in lits if isinstance(x, int))
        vs = [x for x in lits if not isinstance(x, int)]
        if len(vs) + const <= cap:
            return
        if const > cap:
            # History alone already breaks the rule: nothing in the period can repair
            # it, so the only sound model is "no work in this window".
            cap = const
        if cap - const == 1:
            self.m.add_at_most_one(vs)
        elif cap - const <= 0:
            for v in vs:
                self.m.add(v == 0)
        else:
            self.m.add(sum(vs) <= cap - const)

    def _forbid_pattern(self, s: int, a: int, k: int, run_is_work: bool) -> None:
        """Forbid ``edge, run^k, edge`` at days a .. a+k+1 (edges are the opposite of the
        run), unless it lies wholly in history."""
        if a + k + 1 < 0:
            return
        clause: list[Any] = []
        days = [(a, not run_is_work)] + [(a + i, run_is_work) for i in range(1, k + 1)]
        if a + k + 1 < self.h or self.closed_end:
            days.append((a + k + 1, not run_is_work))
        for d, wanted in days:
            lit = self.work(s, d)
            if isinstance(lit, int):
                if bool(lit) != wanted:
                    return  # the pattern cannot occur: the clause is already satisfied
                continue
            clause.append(lit.Not() if wanted else lit)
        if clause:
            self.m.add_bool_or(clause)

    # ------------------------------------------------------------------ weekends --
    def _weekends_and_fairness(self) -> None:
        p, m, wt = self.p, self.m, self.p.weights
        groups = derive.weekends(p)
        self.weekend_vars: dict[tuple[int, int], cp_model.IntVar] = {}
        for s, person in enumerate(p.staff):
            cap = person.contract.max_weekends
            need = (cap is not None and cap < len(groups)) or wt.fairness_weekends > 0
            if not need:
                continue
            wk_vars: list[cp_model.IntVar] = []
            for g, days in enumerate(groups):
                lits = [self.w[(s, d)] for d in days if (s, d) in self.w]
                if not lits:
                    continue
                if len(lits) == 1:
                    wk = lits[0]
                else:
                    wk = m.new_bool_var(f"wk_{s}_{g}")
                    for lit in lits:
                        m.add_implication(lit, wk)
                    m.add_bool_or([*lits, wk.Not()])
                self.weekend_vars[(s, g)] = wk
                wk_vars.append(wk)
            if cap is not None and len(wk_vars) > cap:
                m.add(sum(wk_vars) <= cap)
        n_staff = len(p.staff)
        # (term, [(staff, [(proto index, coef)], const, scale)]): each person's measure
        # in a spread term, for the LNS neighbourhoods aimed at the extremes.
        self.spreads: list[tuple[str, list[tuple[int, list[tuple[int, int]], int, int]]]] = []
        # Nights and weekends are compared per available full-time equivalent
        # (hundredths): a part-timer, or someone back from leave, carries their share.
        scale = [derive.per_fte_scale(p, person) for person in p.staff]
        if wt.fairness_weekends > 0 and n_staff >= 2:
            members = [s for s in range(n_staff) if scale[s] is not None]
            self._spread("fairness_weekends", [
                (s, [self.weekend_vars[(s, g)] for g in range(len(groups))
                     if (s, g) in self.weekend_vars], scale[s] or 1) for s in members],
                len(groups), wt.fairness_weekends)
        if wt.fairness_nights > 0 and self.nights:
            night_staff = [s for s in range(n_staff) if scale[s] is not None
                           and any((s, d, k) in self.y for d in range(self.h) for k in self.nights)]
            if len(night_staff) >= 2:
                self._spread("fairness_nights", [
                    (s, [self.y[(s, d, k)] for d in range(self.h) for k in self.nights
                         if (s, d, k) in self.y], scale[s] or 1) for s in night_staff],
                    self.h, wt.fairness_nights)
        if wt.fairness_hours > 0 and n_staff >= 2:
            hi_b = max(self.total_minutes_expr[s][1] for s in range(n_staff)) // 60 + 1
            lo_b = -max(p.contracted_minutes(x) for x in p.staff) // 60 - 1
            hi = m.new_int_var(lo_b, hi_b, "hours_hi")
            lo = m.new_int_var(lo_b, hi_b, "hours_lo")
            for s, person in enumerate(p.staff):
                diff = self.total_minutes_expr[s][0] - p.contracted_minutes(person)
                m.add(60 * hi >= diff)
                m.add(60 * lo <= diff)
            spread = m.new_int_var(0, hi_b - lo_b, "hours_spread")
            m.add(spread == hi - lo)
            self.spread_vars["fairness_hours"] = spread
            self.terms["fairness_hours"].add(spread, wt.fairness_hours, 0, hi_b - lo_b)
            worked: dict[int, list[tuple[int, int]]] = {s: [] for s in range(n_staff)}
            for (s, _, k), v in self.y.items():
                worked[s].append((v.index, self.shifts[k].length_minutes))
            # Whole hours: the highest difference rounded up, the lowest down.
            self.spread_ends["fairness_hours"] = lambda hi, lo: (
                60 * (-(-hi // 60) - 1), 60 * (lo // 60 + 1))
            self.spreads.append(("fairness_hours", [
                (s, worked[s], -p.contracted_minutes(person), 1)
                for s, person in enumerate(p.staff)]))
        if wt.overtime_per_hour > 0:
            for s, person in enumerate(p.staff):
                total, max_possible = self.total_minutes_expr[s]
                over_b = max(0, math.ceil((max_possible - p.contracted_minutes(person)) / 60))
                if over_b == 0:
                    continue
                ot = m.new_int_var(0, over_b, f"ot_{s}")
                m.add(60 * ot >= total - p.contracted_minutes(person))
                self.terms["overtime"].add(ot, wt.overtime_per_hour, 0, over_b)

    def _spread(self, name: str, members: Sequence[tuple[int, list[cp_model.IntVar], int]],
                ub: int, weight: int) -> None:
        """Cost ``weight`` per unit of (max − min) over ``count × scale / FTE_SCALE``
        (``members``: staff, the literals counted, scale), the spread rounded to the
        nearest unit; the members are recorded in ``spreads`` for LNS."""
        counts = [(sum(lits), q) for _, lits, q in members]
        self.spreads.append((name, [(s, [(v.index, 1) for v in lits], 0, q)
                                    for s, lits, q in members]))
        top = ub * max(q for _, q in counts)
        hi = self.m.new_int_var(0, top, f"{name}_hi")
        lo = self.m.new_int_var(0, top, f"{name}_lo")
        for c, q in counts:
            self.m.add(hi >= q * c)
            self.m.add(lo <= q * c)
        units = top // derive.FTE_SCALE + 1
        spread = self.m.new_int_var(0, units, f"{name}_spread")
        self.m.add(derive.FTE_SCALE * spread >= hi - lo - derive.FTE_SCALE // 2)
        self.terms[name].add(spread, weight, 0, units)
        self.spread_vars[name] = spread
        self.spread_ends[name] = _nearest_unit_ends

    # ------------------------------------------------------------------ coverage --
    def _qualifying(self, req: CoverageRequirement) -> list[cp_model.IntVar]:
        k = self.shift_index.get(req.shift)
        j = self.units.index(req.unit) if req.unit in self.units else None
        if k is None or j is None or not 0 <= req.day < self.h:
            return []
        return [self.x[(s, req.day, k, j)] for s, person in enumerate(self.p.staff)
                if (s, req.day, k, j) in self.x and derive.qualifies(person, req)]

    def _coverage(self) -> None:
        m = self.m
        # (day, variable index, weight) of every missed-cover variable: LNS aims its
        # neighbourhoods at the days where the incumbent pays for cover.
        self.day_costs: list[tuple[int, int, int]] = []
        for r, req in enumerate(self.p.coverage):
            q = self._qualifying(req)
            count = sum(q) if q else 0
            if req.maximum is not None and len(q) > req.maximum:
                m.add(count <= req.maximum)
            if req.minimum > 0:
                short = m.new_int_var(0, req.minimum, f"short_{r}")
                m.add(count + short >= req.minimum)
                self.shortfall_vars.append((req, short))
                self.day_costs.append((req.day, short.index, req.priority))
            if req.preferred is not None and (req.weight_under or req.weight_over):
                pref = req.preferred
                under_ub = max(0, pref)
                over_ub = max(0, len(q) - pref)
                under = m.new_int_var(0, under_ub, f"under_{r}")
                over = m.new_int_var(0, over_ub, f"over_{r}")
                m.add(count - pref == over - under)
                self.terms["cover_under"].add(under, req.weight_under, 0, under_ub)
                self.day_costs.append((req.day, under.index, req.weight_under))
                self.terms["cover_over"].add(over, req.weight_over, 0, over_ub)

    def _fairness_floors(self) -> None:
        """Cut each spread term at the least spread whole shifts allow (see
        :mod:`roster.solver.floors`): the proved bound then counts it.  Nights and
        weekends are bounded through the cover the minimums ask for, so their cuts hold
        only while every minimum is met (one missing person already costs more than
        every soft term together)."""
        p, m = self.p, self.m
        short = [v for _, v in self.shortfall_vars]
        # Spread term → its members' (staff, number of literals counted, scale).
        members_of = {name: [(s, len(lits), q) for s, lits, _, q in members]
                      for name, members in self.spreads}
        # People needed per (day, shift): each unit's largest minimum (distinct people).
        slot_need: dict[tuple[int, int, int], int] = {}
        for req in p.coverage:
            k, unit = self.shift_index.get(req.shift), req.unit
            if k is None or unit not in self.units or not 0 <= req.day < self.h:
                continue
            key = (req.day, k, self.units.index(unit))
            slot_need[key] = max(slot_need.get(key, 0), req.minimum)
        day_need: dict[tuple[int, int], int] = {}
        for (d, k, _), n in slot_need.items():
            day_need[(d, k)] = day_need.get((d, k), 0) + n

        def capped(s: int, kinds: set[int], limit: int) -> int:
            person = p.staff[s]
            cap = 0
            for k in kinds:
                n = sum(1 for d in range(self.h) if (s, d, k) in self.y)
                cap += min(n, person.contract.max_shifts_per_type.get(self.shifts[k].id, n))
            return min(cap, limit)

        def cut(name: str, floor: int, conditional: bool) -> None:
            if floor <= 0 or name not in self.spread_vars:
                return
            spread = self.spread_vars[name]
            if conditional and short:
                m.add(spread + floor * sum(short) >= floor)
            elif not conditional:
                m.add(spread >= floor)

        if "fairness_nights" in self.spread_vars:
            members = members_of["fairness_nights"]
            counted = {s for s, _, _ in members}
            need = sum(n for (_, k), n in day_need.items() if k in self.nights)
            # Anyone else who may work nights takes some of them off the members.
            need -= sum(capped(s, self.nights, self.h) for s in range(len(p.staff))
                        if s not in counted)
            options = [[(q * c, c) for c in range(capped(s, self.nights, n) + 1)]
                       for s, n, q in members]
            cut("fairness_nights", floors.count_spread_floor(
                options, need, derive.FTE_SCALE // 2, derive.FTE_SCALE), conditional=True)
        if "fairness_weekends" in self.spread_vars:
            members = members_of["fairness_weekends"]
            counted = {s for s, _, _ in members}
            groups = derive.weekends(p)
            need = sum(max((sum(n for (d2, _), n in day_need.items() if d2 == d)
                            for d in days), default=0) for days in groups)
            need -= sum(1 for (s, _) in self.weekend_vars if s not in counted)
            options = []
            for s, n, q in members:
                cap = p.staff[s].contract.max_weekends
                top = n if cap is None else min(n, cap)
                options.append([(q * c, c) for c in range(top + 1)])
            cut("fairness_weekends", floors.count_spread_floor(
                options, need, derive.FTE_SCALE // 2, derive.FTE_SCALE), conditional=True)
        if "fairness_hours" in self.spread_vars:
            lengths_of: dict[int, set[int]] = {}
            for (s, _, k) in self.y:
                lengths_of.setdefault(s, set()).add(self.shifts[k].length_minutes)
            ranges = []
            for s, person in enumerate(p.staff):
                lengths = lengths_of.get(s, set())
                highest = self.total_minutes_expr[s][1]
                if person.contract.max_total_minutes is not None:
                    highest = min(highest, person.contract.max_total_minutes)
                ranges.append((person.contract.min_total_minutes, highest,
                               math.gcd(*lengths) if lengths else 1,
                               p.contracted_minutes(person)))
            cut("fairness_hours", floors.hours_spread_floor(ranges), conditional=False)

    def _requests(self) -> None:
        index = {person.id: s for s, person in enumerate(self.p.staff)}
        # (staff, proto index, honoured value, weight) of every request a roster can
        # honour or not: LNS frees the people whose requests the incumbent refuses.
        self.request_lits: list[tuple[int, int, int, int]] = []
        for req in self.p.requests:
            s = index.get(req.staff)
            if s is None or not 0 <= req.day < self.h:
                continue
            if req.shift is None:
                lit: cp_model.IntVar | int = self.w.get((s, req.day), 0)
            elif req.shift in self.shift_index:
                lit = self.y.get((s, req.day, self.shift_index[req.shift]), 0)
            else:
                lit = 0
            term = self.terms["requests_on" if req.on else "requests_off"]
            if not isinstance(lit, int):
                self.request_lits.append((s, lit.index, 1 if req.on else 0, req.weight))
            if req.on:
                # cost w·(1 − lit)
                term.const += req.weight
                if not isinstance(lit, int):
                    term.add(lit, -req.weight)
                else:
                    term.const -= req.weight * lit
            elif isinstance(lit, int):
                term.const += req.weight * lit
            else:
                term.add(lit, req.weight)

    def _seniority(self) -> None:
        p = self.p
        if p.senior_min_seniority is None or p.weights.no_senior <= 0:
            return
        slots: set[tuple[int, int, int]] = set()
        for req in p.coverage:
            if (req.minimum > 0 or (req.preferred or 0) > 0) and req.shift in self.shift_index \
                    and req.unit in self.units and 0 <= req.day < self.h:
                slots.add((req.day, self.shift_index[req.shift], self.units.index(req.unit)))
        for d, k, j in sorted(slots):
            seniors = [self.x[(s, d, k, j)] for s, person in enumerate(p.staff)
                       if person.seniority >= p.senior_min_seniority and (s, d, k, j) in self.x]
            nosen = self.m.new_bool_var(f"nosen_{d}_{k}_{j}")
            self.m.add_bool_or([*seniors, nosen])
            self.terms["no_senior"].add(nosen, p.weights.no_senior)

    def _stability(self) -> None:
        p = self.p
        if p.reference_roster is None or p.weights.stability <= 0:
            return
        wt = p.weights.stability
        index = {person.id: s for s, person in enumerate(p.staff)}
        ref: dict[tuple[int, int], tuple[str, str]] = {}
        for a in p.reference_roster:
            if a.staff in index and 0 <= a.day < self.h:
                ref[(index[a.staff], a.day)] = (a.shift, a.unit)
        term = self.terms["stability"]
        for s in range(len(p.staff)):
            for d in range(self.h):
                if (s, d) in ref:
                    t_id, u = ref[(s, d)]
                    key = (s, d, self.shift_index.get(t_id, -1),
                           self.units.index(u) if u in self.units else -1)
                    term.const += wt
                    if key in self.x:
                        term.add(self.x[key], -wt, 0, 1)
                elif (s, d) in self.w:
                    term.add(self.w[(s, d)], wt)

    # ----------------------------------------------------------------- objective --
    def _set_objective(self) -> None:
        soft_upper = sum(t.upper() for name, t in self.terms.items() if name != "shortfall")
        # One missing person must cost more than any soft saving could ever repay.
        self.shortfall_unit = max(1, soft_upper + 1)
        for req, short in self.shortfall_vars:
            self.terms["shortfall"].add(short, req.priority * self.shortfall_unit, 0,
                                        req.minimum)
        self.m.minimize(sum(t.expr() for t in self.terms.values()))

    def extremes(self, values: Sequence[int], rng: random.Random) -> list[int]:
        """The people at the ends of one spread term (drawn in proportion to what the
        terms cost in ``values``), the end with fewer people first and whole: no
        neighbourhood without a whole end can narrow that spread.  The spread is
        rounded to whole nights, weekends or hours, so an end is everyone past the
        rounding threshold that narrowing by one unit asks for, not only those tied at
        the very top or bottom."""
        costs: list[tuple[int, list[int]]] = []
        for name, members in self.spreads:
            term = self.terms[name]
            cost = term.const + sum(c * values[v.index] for v, c, _, _ in term.items)
            measured = [(scale * (const + sum(c * values[i] for i, c in lits)), s)
                        for s, lits, const, scale in members]
            if cost <= 0 or len(measured) < 2:
                continue
            thresholds = self.spread_ends[name](max(measured)[0], min(measured)[0])
            if thresholds is None:
                continue
            top, bottom = thresholds
            tops = [s for v, s in measured if v > top]
            bottoms = [s for v, s in measured if v < bottom]
            if not tops or not bottoms:
                continue
            rng.shuffle(tops)
            rng.shuffle(bottoms)
            small, large = sorted((tops, bottoms), key=lambda g: (len(g), rng.random()))
            costs.append((cost, small + large))
        if not costs:
            return []
        return rng.choices([ends for _, ends in costs], weights=[c for c, _ in costs])[0]

    def refused(self, values: Sequence[int], rng: random.Random) -> list[int]:
        """People whose requests ``values`` refuses, drawn in proportion to the weight
        refused: honouring one needs that person's month rearranged around the day and
        a colleague to take the shift, which random neighbourhoods seldom free
        together."""
        owed: dict[int, int] = {}
        for s, index, honoured, weight in self.request_lits:
            if values[index] != honoured:
                owed[s] = owed.get(s, 0) + weight
        people = list(owed)
        out: list[int] = []
        while people:
            s = rng.choices(people, weights=[owed[x] for x in people])[0]
            people.remove(s)
            out.append(s)
        return out

    # ---------------------------------------------------------------- solutions --
    def assignments(self, value: Callable[[cp_model.IntVar], int]) -> list[Assignment]:
        p = self.p
        return [Assignment(p.staff[s].id, d, self.shifts[k].id, self.units[j])
                for (s, d, k, j), v in self.x.items() if value(v)]

    def hint(self, roster: Sequence[Assignment]) -> None:
        """Use ``roster`` as the solution hint (unknown entries are ignored)."""
        self.m.clear_hints()  # type: ignore[no-untyped-call]
        on = self._keys(roster)
        # A one-unit person's x and y are the same variable: hint each variable once.
        hints: dict[int, tuple[cp_model.IntVar, bool]] = {}
        for key, v in self.x.items():
            hints[v.index] = (v, key in on)
        if len(self.units) > 1:
            for (s, d, k), yv in self.y.items():
                hints.setdefault(yv.index, (yv, any((s, d, k, j) in on
                                                    for j in range(len(self.units)))))
        for v, value in hints.values():
            self.m.add_hint(v, value)
        for (s, d), wv in self.w.items():
            self.m.add_hint(wv, any((s, d, k, j) in on for k in range(len(self.shifts))
                                    for j in range(len(self.units))))

    def _keys(self, roster: Sequence[Assignment]) -> set[tuple[int, int, int, int]]:
        index = {person.id: s for s, person in enumerate(self.p.staff)}
        out: set[tuple[int, int, int, int]] = set()
        for a in roster:
            if a.staff in index and a.shift in self.shift_index and a.unit in self.units:
                out.add((index[a.staff], a.day, self.shift_index[a.shift],
                         self.units.index(a.unit)))
        return out

    def set_full_hint(self, values: Sequence[int]) -> None:
        """Hint every variable (a complete roster CP-SAT can start from at once)."""
        full_hint(self.m, values)

    def breakdown(self, value: Callable[[cp_model.IntVar], int]) -> dict[str, int]:
        return {name: t.const + sum(c * value(v) for v, c, _, _ in t.items)
                for name, t in self.terms.items()}



def full_hint(model: cp_model.CpModel, values: Sequence[int]) -> None:
    """Hint every variable of ``model`` (or a clone of it) with ``values``."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)


# ====================================================================== solving ==


def _nearest_unit_ends(hi: int, lo: int) -> tuple[int, int] | None:
    """Thresholds of a spread rounded to the nearest unit (``derive.FTE_SCALE``): one
    unit narrower leaves at most ``width`` between the ends."""
    unit, half = derive.FTE_SCALE, derive.FTE_SCALE // 2
    units = -(-(hi - lo - half) // unit)
    if units <= 0:
        return None
    width = unit * (units - 1) + half
    return lo + width, hi - width
