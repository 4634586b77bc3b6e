"""The CP-SAT roster model and its solve loop.

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

import math
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from roster.solver import colgen, derive, floors
from roster.solver.kpi import compute_kpis
from roster.solver.lns import Lns
from roster.solver.problem import (
    Assignment,
    CoverageRequirement,
    Problem,
    Shortfall,
    SolveOptions,
    SolveResult,
    Staff,
    Status,
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


class RosterModel:
    """Builds the CP-SAT model for a :class:`Problem` (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
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
    def _build(self) -> None:
        p = self.p
        shift_index = {t.id: k for k, t in enumerate(self.shifts)}
        self.shift_index = shift_index
        for s, person in enumerate(p.staff):
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
            self._person_rules(s, person)
        self._weekends_and_fairness()
        self._coverage()
        self._fairness_floors()
        self._requests()
        self._seniority()
        self._stability()
        self._set_objective()

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
        for run in range(1, c.min_consecutive_work_days):
            for day0 in range(first, h - run - 1):
                self._forbid_pattern(s, day0, run, run_is_work=True)
        for run in range(1, c.min_consecutive_days_off):
            for day0 in range(first, h - run - 1):
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
    started = time.monotonic()
    deadline = started + options.time_limit_s
    rm = RosterModel(problem)
    if options.hint:
        rm.hint(options.hint)
    inc = _Incumbent(rm, options, started)
    if COLGEN and use_colgen(rm, options):
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


def _nearest_unit_ends(hi: int, lo: int) -> tuple[int, int] | None:
    """Thresholds of a spread rounded to the nearest unit (``derive.FTE_SCALE``): one
    unit narrower leaves at most ``width`` between the ends."""
    unit, half = derive.FTE_SCALE, derive.FTE_SCALE // 2
    units = -(-(hi - lo - half) // unit)
    if units <= 0:
        return None
    width = unit * (units - 1) + half
    return lo + width, hi - width


def use_colgen(rm: RosterModel, options: SolveOptions) -> bool:
    """Column generation pays off with a few seconds to spend, and its wall-clock
    pricing has no place in a deterministic run."""
    return (not options.deterministic and options.use_lns and colgen.applicable(rm)
            and options.time_limit_s >= 5)


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
    if options.hint and _hinted_roster(rm, inc, options, limit):
        return cp_model.FEASIBLE
    if rm.shortfall_vars:
        # First try for a roster with every minimum covered: local search finds one in
        # a second or two on a staffable unit, where the optimising search would spend
        # half its budget removing shortfall (and a short budget may end with shortfall
        # that a covered roster found a second later would not have had).  A short unit
        # falls through.
        whole = options.time_limit_s if options.deterministic else budget
        cover_limit = min(max(5.0, limit / 2), 0.5 * whole)
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
    return _feasible_roster(rm, inc, options, limit, cover_minimums=False)


def _feasible_roster(rm: RosterModel, inc: _Incumbent, options: SolveOptions, limit: float,
                     cover_minimums: bool) -> cp_model.CpSolverStatus:
    model = rm.m.clone()
    model.clear_objective()  # type: ignore[no-untyped-call]
    if cover_minimums:
        for _, short in rm.shortfall_vars:
            model.add(model.get_int_var_from_proto_index(short.index) == 0)
    solver = cp_model.CpSolver()
    # The LP worker would only slow a pure feasibility search down.
    _set_params(solver.parameters, options, limit, max(2, options.num_workers), lp_heavy=False)
    if cover_minimums and not options.deterministic:
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
