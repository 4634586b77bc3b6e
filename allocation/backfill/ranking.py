"""Who could fill a vacancy, in which order, and why everyone else is left out.

The pool is every active person of the vacancy's site. Each is checked against the
rulebook exactly as a claim would be (``roster.eligibility.qualification_breaches`` and
``roster.rules.check_shift`` on their shifts in force, their leave, ``placement``'s
"may work in" and limits), with what a list of many people needs loaded once: a site's
whole pool costs a fixed number of queries. Fatigue is the roster screen's
(``roster.fatigue.risk_after``): red after the shift excludes.

A float-pool nurse rostered at the same time in another unit of the site is a *move*:
checked as if they left that shift, and the hole the move leaves there is stated (below
the unit's minimum: said so, and ranked after those who leave no such hole).

Each candidate carries its tier (the cost class: straight time below FTE, on call,
overtime; the agency is the last tier, asked by request) and its reasons. The order is
the site's ``RankingRules`` (criteria compared in turn), shown to the coordinator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count

from roster import placement, rulebook, rules
from roster.assignments import rule_shift
from roster.eligibility import Requirement, counts_towards, qualification_breaches
from roster.eligibility import requirement_of as need_of
from roster.fatigue import LEVELS, RED, risk_after
from roster.models import (
    Assignment,
    Certification,
    CoverageRequirement,
    Leave,
    OpenShift,
    Roster,
    ShiftType,
    Staff,
    Unit,
)
from roster.timeutil import shift_interval

from ..models.backfill import CRITERIA, DEFAULT_CRITERIA, Offer, OnCall, RankingRules, Vacancy

COST_ORDER = (Offer.Cost.STRAIGHT, Offer.Cost.ON_CALL, Offer.Cost.OVERTIME, Offer.Cost.AGENCY)
TIERS = {cost.value: i + 1 for i, cost in enumerate(COST_ORDER)}
AGENCY_TIER = TIERS[Offer.Cost.AGENCY]
# A full-time week, against which a part-timer's FTE is measured (straight time below it).
FULL_TIME_WEEK_MINUTES = int(37.5 * 60)
FAIRNESS_DAYS = 28
FATIGUE = "fatigue"  # the code under which a red fatigue level excludes
NO_LOGIN = "no_login"

CRITERION_LABELS = {
    "cost": "Cost class: straight time below FTE, then on call, then overtime",
    "hole": "Knock-on hole: nobody moved from another unit first; a move below that unit's minimum last",
    "fatigue": "Fatigue level after the shift: green first",
    "fairness": "Fairness: fewest extra shifts taken in the last 4 weeks first",
    "seniority": "Seniority: most years first",
}


@dataclass(frozen=True)
class Candidate:
    staff: Staff
    tier: int
    cost: str
    fatigue: str
    extra_shifts: int
    reasons: tuple[str, ...]
    hole: int = 0  # 0 not a move, 1 a move within the minimum there, 2 below it
    moves_from: Assignment | None = None
    rank: int = 0


@dataclass(frozen=True)
class Excluded:
    staff: Staff
    rules: tuple[str, ...]
    why: tuple[str, ...]


@dataclass
class Ranking:
    criteria: list[str]
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    def why_not(self, staff_id: int) -> tuple[str, ...]:
        for e in self.excluded:
            if e.staff.pk == staff_id:
                return e.why
        return ()


def criteria_of(site_id: int) -> list[str]:
    """The site's order of criteria (the default where it keeps none); unknown codes are
    dropped and missing ones appended, so every comparison is total."""
    row = RankingRules.objects.filter(site_id=site_id).values_list("criteria", flat=True).first()
    chosen = [c for c in (row or DEFAULT_CRITERIA) if c in CRITERIA]
    return list(dict.fromkeys(chosen + [c for c in DEFAULT_CRITERIA if c not in chosen]))


def requirement(vacancy: Vacancy) -> Requirement:
    parts = [vacancy.get_role_display() if vacancy.role else "",
             vacancy.skill.name if vacancy.skill else "",
             vacancy.certification_type.name if vacancy.certification_type else ""]
    return Requirement(role=vacancy.role, skill_id=vacancy.skill_id,
                       certification_type_id=vacancy.certification_type_id,
                       label=" + ".join(p for p in parts if p))


def rank(vacancy: Vacancy) -> Ranking:
    """Every person of the site, as a ranked candidate or excluded with their rules."""
    unit = vacancy.unit
    site = unit.site
    st = vacancy.shift_type
    day = vacancy.date
    criteria = criteria_of(site.pk)
    starts_at, ends_at = shift_interval(day, st.start_time, st.duration_minutes, site.timezone)
    proposed = rules.Shift(day, starts_at, ends_at, st.is_night, st.code, rostered_minutes=st.duration_minutes)
    need = requirement(vacancy)

    people = list(Staff.objects.filter(active=True, home_unit__site_id=site.pk)
                  .select_related("home_unit", "contract").order_by("pk"))
    placement.load_cross_training(people)
    ids = [p.pk for p in people]
    # What each holds, of what the place asks only: two narrow queries, not a prefetch.
    skilled: set[int] = set()
    if need.skill_id is not None:
        skilled = set(Staff.skills.through.objects.filter(skill_id=need.skill_id, staff_id__in=ids)
                      .values_list("staff_id", flat=True))
    certificates: dict[int, list[Certification]] = defaultdict(list)
    if need.certification_type_id is not None:
        for cert in Certification.objects.filter(type_id=need.certification_type_id, staff_id__in=ids):
            certificates[cert.staff_id].append(cert)
    lo, hi = day - dt.timedelta(days=8), day + dt.timedelta(days=8)
    shifts: dict[int, list[Assignment]] = defaultdict(list)
    able = [p.pk for p in people if placement.may_work_in(p, unit)]
    # The shifts' types and rosters are few: loaded once and shared, not joined per row.
    rows = list(Assignment.objects.filter(staff_id__in=able, live=True, date__range=(lo, hi)))
    types = ShiftType.objects.in_bulk({a.shift_type_id for a in rows})
    rosters = Roster.objects.select_related("unit").in_bulk({a.roster_id for a in rows})
    for a in rows:
        a.shift_type = types[a.shift_type_id]
        a.roster = rosters[a.roster_id]
        shifts[a.staff_id].append(a)
    leave: dict[int, set[dt.date]] = defaultdict(set)
    for lv in Leave.objects.filter(staff_id__in=able, status=Leave.Status.APPROVED, start_date__lte=hi,
                                   end_date__gte=lo):
        d = max(lv.start_date, lo)
        while d <= min(lv.end_date, hi):
            leave[lv.staff_id].add(d)
            d += dt.timedelta(days=1)
    on_call = set(OnCall.objects.filter(staff_id__in=ids, date=day).values_list("staff_id", flat=True))
    since = vacancy.created_at - dt.timedelta(days=FAIRNESS_DAYS) if vacancy.created_at else None
    extra = dict(OpenShift.objects.filter(claimed_by_id__in=ids, status=OpenShift.Status.CLAIMED,
                                          **({"claimed_at__gte": since} if since else {}))
                 .values_list("claimed_by_id").annotate(n=Count("pk")).values_list("claimed_by_id", "n"))
    limits = placement.RulesInForce(unit.site.units.all())
    holes = _Holes(day, st.pk)

    week_start = day - dt.timedelta(days=day.weekday())
    week = (week_start, week_start + dt.timedelta(days=6))
    ranking = Ranking(criteria)
    found: list[Candidate] = []
    for person in people:
        theirs = shifts.get(person.pk, [])
        skill_ids = {need.skill_id} if person.pk in skilled and need.skill_id is not None else set()
        breaches = qualification_breaches(person, need, day, skill_ids=skill_ids,
                                          certificates=certificates.get(person.pk, []))
        if not placement.may_work_in(person, unit):
            # Nobody outside the unit, its site's float pool and the staff cross-trained
            # for it works here (the rulebook): that rule is their answer, their shifts
            # are not looked at.
            breaches.append(rules.Breach(rulebook.UNIT_ACCESS, f"{person} belongs to {person.home_unit.name} and "
                                         f"is neither in the float pool nor cross-trained for {unit.name}"))
            ranking.excluded.append(Excluded(person, tuple(dict.fromkeys(b.rule for b in breaches)),
                                             tuple(f"{_label(b.rule)}: {b.detail}" for b in breaches)))
            continue
        lim = limits.limits(person, unit)
        moved = _move_from(theirs, proposed, unit)
        others = [rule_shift(a) for a in theirs if a is not moved]
        breaches += rules.check_shift(rules.Person(shifts=others, leave_days=leave.get(person.pk, set()),
                                                   placement=[]), proposed, lim)
        if not breaches:
            risk = risk_after([*others, proposed], day, lim)
            if risk.level == RED:
                breaches.append(rules.Breach(FATIGUE, "red after this shift: " + "; ".join(risk.reasons)))
        if not breaches and person.user_id is None:
            breaches.append(rules.Breach(NO_LOGIN, "has no login to receive offers"))
        if breaches:
            ranking.excluded.append(Excluded(person, tuple(dict.fromkeys(b.rule for b in breaches)),
                                             tuple(f"{_label(b.rule)}: {b.detail}" for b in breaches)))
            continue
        worked = sum(rule_shift(a).minutes for a in theirs if week[0] <= a.date <= week[1] and a is not moved)
        target = float(person.fte) * FULL_TIME_WEEK_MINUTES
        if worked + proposed.minutes <= target:
            cost = Offer.Cost.STRAIGHT
            why_cost = f"Straight time: {worked / 60:g} h of {target / 60:g} h this week"
        elif person.pk in on_call:
            cost, why_cost = Offer.Cost.ON_CALL, f"On call {day:%a %d %b}"
        else:
            cost = Offer.Cost.OVERTIME
            why_cost = f"Overtime: {(worked + proposed.minutes - target) / 60:g} h over {target / 60:g} h this week"
        n_extra = extra.get(person.pk, 0)
        reasons = [why_cost, f"{n_extra} extra shift{'s' if n_extra != 1 else ''} in the last 4 weeks",
                   f"Fatigue after the shift: {risk.level}" + (f" ({'; '.join(risk.reasons)})" if risk.reasons else "")]
        hole = 0
        if moved is not None:
            below, text = holes.after_leaving(moved, person)
            hole = 2 if below else 1
            reasons.append(text)
        elif person.home_unit_id != unit.pk:
            reasons.append(f"Float pool ({person.home_unit.name})" if person.float_pool
                           else f"Cross-trained for {unit.name} (home unit {person.home_unit.name})")
        found.append(Candidate(person, TIERS[cost], cost, risk.level, n_extra, tuple(reasons), hole, moved))

    def key(c: Candidate) -> tuple[object, ...]:
        values = {"cost": COST_ORDER.index(Offer.Cost(c.cost)), "hole": c.hole,
                  "fatigue": LEVELS.index(c.fatigue), "fairness": c.extra_shifts,
                  "seniority": -c.staff.seniority_years}
        return (*(values[name] for name in criteria), c.staff.last_name, c.staff.pk)

    found.sort(key=key)
    ranking.candidates = [replace(c, rank=i + 1) for i, c in enumerate(found)]
    return ranking


def _label(code: str) -> str:
    if code == FATIGUE:
        return "Fatigue"
    if code == NO_LOGIN:
        return "Cannot be reached"
    return rulebook.label(code)


def _move_from(theirs: list[Assignment], proposed: rules.Shift, unit: Unit) -> Assignment | None:
    """The person's shift in force in another unit of the site at the same time, which a
    move would leave (only one such shift: a person works one at a time)."""
    for a in theirs:
        if (a.roster.unit_id != unit.pk and a.roster.unit.site_id == unit.site_id
                and a.starts_at < proposed.ends_at and proposed.starts_at < a.ends_at):
            return a
    return None


class _Holes:
    """The cover a move leaves in the unit it comes from (loaded per unit, once)."""

    def __init__(self, day: dt.date, shift_type_id: int) -> None:
        self.day = day
        self.shift_type_id = shift_type_id
        self._cache: dict[tuple[int, int], tuple[list[CoverageRequirement], list[Staff]]] = {}

    def after_leaving(self, moved: Assignment, person: Staff) -> tuple[bool, str]:
        key = (moved.roster.unit_id, moved.shift_type_id)
        if key not in self._cache:
            reqs = list(CoverageRequirement.objects.filter(
                unit_id=key[0], date=moved.date, shift_type_id=key[1], minimum__gt=0)
                .select_related("skill", "certification_type"))
            working = list(Staff.objects.filter(
                assignments__live=True, assignments__roster__unit_id=key[0], assignments__date=moved.date,
                assignments__shift_type_id=key[1]).prefetch_related("skills", "certifications"))
            self._cache[key] = (reqs, working)
        reqs, working = self._cache[key]
        where = f"{moved.roster.unit.name} {moved.shift_type.code} {moved.date:%a %d %b}"
        short = []
        mover = next((p for p in working if p.pk == person.pk), None)
        for req in reqs:
            need = need_of(req)
            if mover is None or not counts_towards(mover, need, moved.date):
                continue
            after = sum(counts_towards(p, need, moved.date) for p in working if p.pk != person.pk)
            if after < req.minimum:
                short.append(f"{after} {need.label} (minimum {req.minimum})")
        if short:
            return True, f"Moved from {where}: leaves it BELOW its minimum with " + ", ".join(short)
        return False, f"Moved from {where}: it stays at or above its minimum"
