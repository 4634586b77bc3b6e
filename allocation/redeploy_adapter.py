"""From live data to a redeployment problem, and from its plan back to people and devices.

Facilities are the units of one site (``site`` given) or the sites of the network
(``site`` None). Resource types:

* staff by role (``RN``, ``HCA``…). Fixed units are the people of the roster in force on
  shift in each epoch who are not in the float pool; the mobile pool is the float pool on
  shift now, where they are now. Only people who may work there count: a transfer of
  staff between two facilities exists only where the rulebook lets a float-pool person
  of the one work in the other (``roster.rulebook.may_work_in``): units of one site, never
  across sites (a loan between sites goes through mutual aid). Demand is the ratio rules'
  staff for the forecast census at the coordinator's quantile (``allocation.forecasts``),
  or for the census now where a unit has no stored forecast (said in ``notes``).
* staff by role and skill (``RN·icu``, "Registered nurse · Intensive care"), wherever a
  unit's demand names a skill: its cover requirements for the shift in progress that name
  a skill (summed over the shifts running), and its skill-mix rules (a floor: the larger
  of the two counts). A requirement naming a skill and no role (a skill-mix rule, a cover
  requirement for the skill alone) is read as registered nurses'. One person counts in
  one resource per epoch: the skilled demand is part of the role's, so the role's plain
  demand is the ratio rules' less the skilled demand (never below zero); a person on
  shift holding a skill the unit asks for counts for that skill first, up to its demand
  (the fewest-skilled first, skills in code order), and any further holders count for
  the plain role. A mobile person holding a skill counts for the skilled resource while
  the scope's skilled demand over the horizon is not met by the people on shift (the
  float pool before on-call staff), otherwise for the plain role: the model moves
  resources, not substitutes one for another, so a skilled person is offered where the
  skill is short and to the role elsewhere.
* on-call staff: a person with an ``OnCall`` row for the site's date today who is not on
  shift (nor rostered within the horizon), not on leave and active is a mobile unit of their role (or role and skill, as
  above) waiting at an on-call facility of their home (``c…``: no demand, only the
  people on call there), from which a call-in reaches each facility the rulebook lets
  them work in (``roster.placement.may_work_in``, cross-training included) after
  ``CALL_IN_EPOCHS`` (one hour) at ``ON_CALL_COST`` per person, above the float pool's
  move. People on call with the same home and the same units open to them share one
  on-call facility; someone whom no facility in scope would take is left out.
* ``beds``: staffed beds (fixed), against the forecast census; nothing moves, so its price
  shows where beds, not people, limit.
* ``eq:<type>``: movable equipment types with devices at the facilities. Available
  devices are the mobile pool, devices in use are fixed, devices on their way arrive when
  their transfer's ETA says; demand is the devices in use scaled by the census forecast.

Transfers between sites take the time and cost of the administrator's site-to-site
table (``SiteLink``); within a site a move takes no whole epoch.

Warm start: the previous plan of the same scope says how many mobile units it had working
at each facility now, so switching away from it is charged in the first epoch (a new plan
does not undo the last one without a reason worth the switching cost).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from assets.models import AssetType, Item
from assets.states import GROUPS, Group, State
from roster import placement, rulebook
from roster.coverage import ratio_rules_in_force, staff_needed
from roster.models import (
    Assignment,
    CoverageRequirement,
    Leave,
    RatioRule,
    ShiftType,
    Site,
    Skill,
    SkillMixRule,
    Staff,
    Unit,
)

from .models.backfill import OnCall
from .models.redeploy import Recommendation, RedeployRun, SiteLink
from .redeploy import Cell, Initial, InTransit, Problem, Resource, Transfer
from .staffing import UnitStatus, _in_progress, staffed_beds, unit_statuses
from .zones import utilization_of

HORIZON = 8  # epochs of one hour
QUANTILES = ("median", "q85", "q90")
STAFF_COST, STAFF_SWITCHING, STAFF_PENALTY, RN_PENALTY = 1.0, 2.0, 8.0, 10.0
EQUIPMENT_COST, EQUIPMENT_SWITCHING, EQUIPMENT_PENALTY = 0.1, 1.0, 4.0
BED_PENALTY = 3.0
WITHIN_SITE_COST = 0.5
# Calling someone in from on call: dearer than moving a float-pool person on shift, and
# they arrive an epoch (an hour) after the call.
ON_CALL_COST = 3.0
CALL_IN_EPOCHS = 1
BEDS = "beds"
EQ = "eq:"
SKILL_SEP = "·"
ON_CALL_PREFIX = "c"


@dataclass(frozen=True)
class Facility:
    key: str
    name: str
    site_id: int
    unit_id: int | None
    on_call: bool = False  # an on-call facility: people waiting to be called in, no demand


@dataclass(frozen=True)
class Mobile:
    """One member of the mobile pool: a float-pool person on shift, an on-call person not
    on shift (``on_call``) or an available device."""

    resource: str
    facility: str
    label: str
    staff_id: int | None = None
    item_id: int | None = None
    on_call: bool = False


@dataclass
class Now:
    """A facility's figures now, to state a move's tradeoff before and after."""

    census: int = 0
    beds: int = 0
    staffed_beds: int = 0
    # per unit (a site's facility sums its units): RN patients per staff, RNs on shift
    rn_ratio: dict[int, Decimal | None] = field(default_factory=dict)
    rns: dict[int, int] = field(default_factory=dict)
    unit_beds: dict[int, int] = field(default_factory=dict)
    on_shift: dict[str, int] = field(default_factory=dict)
    required: dict[str, int] = field(default_factory=dict)
    equipment: dict[str, tuple[int, int]] = field(default_factory=dict)  # type → (in use, available)
    equipment_need: dict[str, int] = field(default_factory=dict)

    @property
    def utilization(self) -> float | None:
        return utilization_of(self.census, self.staffed_beds)


@dataclass
class Built:
    problem: Problem
    facilities: dict[str, Facility]
    labels: dict[str, str]
    mobile: list[Mobile]
    now: dict[str, Now]
    notes: list[str]
    fingerprint: dict[str, Any]
    at: dt.datetime


def facility_key(unit: Unit | None = None, site: Site | None = None) -> str:
    return f"u{unit.pk}" if unit is not None else f"s{site.pk if site else 0}"


def _forecast(unit_ids: list[int], start: dt.datetime, hours: int, quantile: str,
              notes: list[str]) -> tuple[dict[int, list[float]], dict[int, list[dict[str, int]]]]:
    """The stored forecast census per unit and hour at ``quantile`` (a whole count), and the
    staff it requires by role; units without a full forecast over the horizon are left out."""
    try:
        from . import forecasts
    except ImportError:  # pragma: no cover - the forecasts module ships with the app
        return {}, {}
    try:
        points = {u: series for u, series in forecasts.census_forecast(unit_ids, start, hours).items()
                  if len(series) >= hours}
        points = {u: series[:hours] for u, series in points.items()}
        needs = forecasts.requirements(points, quantile) if points else {}
    except Exception as exc:  # a forecast that cannot be read must not stop the plan
        notes.append(f"The forecasts could not be read ({exc.__class__.__name__}): demand is the census now.")
        return {}, {}
    census = {u: [float(forecasts.whole_count(getattr(p, quantile))) for p in series] for u, series in points.items()}
    return census, needs


def _rn_rules(units: Sequence[Unit], at: dt.datetime) -> dict[int, dict[str, RatioRule]]:
    rules: dict[int, list[RatioRule]] = defaultdict(list)
    for rule in RatioRule.objects.filter(unit__in=[u.pk for u in units]):
        rules[rule.unit_id].append(rule)
    types: dict[int, list[ShiftType]] = defaultdict(list)
    for st in ShiftType.objects.filter(site__in={u.site_id for u in units}):
        types[st.site_id].append(st)
    return {u.pk: ratio_rules_in_force(rules.get(u.pk, ()),
                                       _in_progress(types.get(u.site_id, ()), at, ZoneInfo(u.site.timezone)))
            for u in units}


def _scope_units(site: Site | None) -> QuerySet[Unit]:
    units = Unit.objects.select_related("site").order_by("site__name", "name")
    return units.filter(site=site) if site is not None else units


def skill_resource(role: str, code: str) -> str:
    """The resource id of ``role`` holding the skill ``code`` (``RN·icu``)."""
    return f"{role}{SKILL_SEP}{code}"


def role_of(resource: str) -> str:
    """The role of a staff resource id (``RN`` for ``RN`` and ``RN·icu``)."""
    return resource.split(SKILL_SEP, 1)[0]


def skill_of(resource: str) -> str:
    """The skill code of a skilled staff resource id, "" for a plain role."""
    return resource.split(SKILL_SEP, 1)[1] if SKILL_SEP in resource else ""


def shifts_running(types: Sequence[ShiftType], at: dt.datetime, tz: ZoneInfo) -> list[tuple[int, dt.date]]:
    """(shift type, the day it was rostered on) for each of the site's shifts running at ``at``."""
    local = at.astimezone(tz)
    minute = local.hour * 60 + local.minute
    running = []
    for st in types:
        offset = (minute - (st.start_time.hour * 60 + st.start_time.minute)) % 1440
        if offset < st.duration_minutes:
            running.append((st.pk, (local - dt.timedelta(minutes=offset)).date()))
    return running


def _skill_needs(units: Sequence[Unit], hours: Sequence[dt.datetime]) -> dict[tuple[int, int], dict[tuple[str, str], float]]:
    """Per (unit, epoch): the holders of each (role, skill code) the unit asks for — its
    cover requirements naming a skill for the shifts running (summed), and its skill-mix
    rules as a floor; a requirement naming no role is registered nurses'."""
    ids = [u.pk for u in units]
    mixes = list(SkillMixRule.objects.filter(unit__in=ids, skill__isnull=False).values_list(
        "unit_id", "skill__code", "minimum"))
    days = {h.date() for h in hours}
    cover: dict[tuple[int, int, dt.date], list[tuple[str, str, int]]] = defaultdict(list)
    for unit_id, shift_type_id, day, role, code, minimum in CoverageRequirement.objects.filter(
            unit__in=ids, skill__isnull=False, date__gte=min(days) - dt.timedelta(days=1),
            date__lte=max(days) + dt.timedelta(days=1)).values_list(
            "unit_id", "shift_type_id", "date", "role", "skill__code", "minimum"):
        cover[(unit_id, shift_type_id, day)].append((role or Staff.Role.RN, code, minimum))
    if not mixes and not cover:
        return {}
    types: dict[int, list[ShiftType]] = defaultdict(list)
    for st in ShiftType.objects.filter(site__in={u.site_id for u in units}):
        types[st.site_id].append(st)
    found: dict[tuple[int, int], dict[tuple[str, str], float]] = {}
    for u in units:
        tz = ZoneInfo(u.site.timezone)
        for e, h in enumerate(hours):
            asked: dict[tuple[str, str], float] = defaultdict(float)
            for shift_type_id, day in shifts_running(types.get(u.site_id, ()), h, tz):
                for role, code, minimum in cover.get((u.pk, shift_type_id, day), ()):
                    asked[(role, code)] += minimum
            for unit_id, code, minimum in mixes:
                if unit_id == u.pk:
                    asked[(Staff.Role.RN, code)] = max(asked[(Staff.Role.RN, code)], float(minimum))
            asked = {k: v for k, v in asked.items() if v > 0}
            if asked:
                found[(u.pk, e)] = dict(sorted(asked.items()))
    return found


def _skills_of(staff_ids: set[int]) -> dict[int, set[str]]:
    held: dict[int, set[str]] = defaultdict(set)
    for staff_id, code in Staff.skills.through.objects.filter(staff__in=staff_ids).values_list(
            "staff_id", "skill__code"):
        held[staff_id].add(code)
    return dict(held)


def _count_skilled(asked: dict[tuple[str, str], float], people: Sequence[Any],
                   skills_of: dict[int, set[str]]) -> dict[int, str]:
    """Which people on shift count for a skilled resource (person → resource id): each
    holder for one skill the unit asks for, up to its demand, the fewest-skilled first."""
    if not asked:
        return {}
    left = dict(asked)
    counted: dict[int, str] = {}
    for person in sorted(people, key=lambda p: (len(skills_of.get(p.staff_id, ())), p.staff_id)):
        for (role, code) in sorted(left):
            if role == person.role and code in skills_of.get(person.staff_id, ()) and left[(role, code)] >= 1:
                left[(role, code)] -= 1
                counted[person.staff_id] = skill_resource(role, code)
                break
    return counted


def _on_call(units: Sequence[Unit], fac_of_unit: dict[int, str], facilities: dict[str, Facility],
             at: dt.datetime, until: dt.datetime, first: dict[int, UnitStatus], skills_of: dict[int, set[str]],
             resource_of: Callable[[str, int], str], mobile: list[Mobile],
             notes: list[str]) -> tuple[dict[str, Facility], dict[str, list[str]]]:
    """The people on call today and not on shift, as mobile units at on-call facilities;
    returns those facilities and, for each, the facilities a call-in may reach."""
    by_pk = {u.pk: u for u in units}
    today = {u.site_id: at.astimezone(ZoneInfo(u.site.timezone)).date() for u in units}
    rows = list(OnCall.objects.filter(staff__home_unit__in=list(by_pk), staff__active=True,
                                      date__in=set(today.values()))
                .select_related("staff__home_unit").order_by("staff__last_name", "staff__first_name", "staff_id"))
    rows = [r for r in rows if r.date == today[r.staff.home_unit.site_id]]
    if not rows:
        return {}, {}
    ids = {r.staff_id for r in rows}
    on_shift = {p.staff_id for s in first.values() for p in s.on_shift}
    # Rostered now or later within the plan: not waiting to be called in (a call-in would
    # overlap the shift they already have).
    on_shift |= set(Assignment.objects.filter(staff__in=ids, live=True, starts_at__lt=until, ends_at__gt=at)
                    .values_list("staff_id", flat=True))
    away = {staff_id for staff_id, first_day, last_day in Leave.objects.filter(
        staff__in=ids, status=Leave.Status.APPROVED, start_date__lte=max(today.values()),
        end_date__gte=min(today.values())).values_list("staff_id", "start_date", "end_date")}
    skills_of.update(_skills_of(ids - set(skills_of)))
    found: dict[str, Facility] = {}
    targets: dict[str, list[str]] = {}
    left_out = []
    for row in rows:
        person = row.staff
        if person.pk in on_shift or person.pk in away:
            continue
        allowed = sorted({fac_of_unit[u.pk] for u in units if placement.may_work_in(person, u)})
        if not allowed:
            left_out.append(str(person))
            continue
        home = facilities[fac_of_unit[person.home_unit_id]]
        key = (f"{ON_CALL_PREFIX}{home.key}-"
               f"{hashlib.sha1(','.join(allowed).encode()).hexdigest()[:6]}")
        if key not in found:
            found[key] = Facility(key, f"On call ({home.name})", home.site_id, home.unit_id, on_call=True)
            targets[key] = allowed
        mobile.append(Mobile(resource_of(person.role, person.pk), key, str(person), staff_id=person.pk,
                             on_call=True))
    if left_out:
        notes.append("On call but allowed in none of these facilities: " + ", ".join(left_out) + ".")
    return found, targets


def previous_run(site: Site | None) -> RedeployRun | None:
    return RedeployRun.objects.filter(site=site).exclude(status="").order_by("-started_at", "-id").first()


def build(site: Site | None, *, quantile: str = "q85", at: dt.datetime | None = None,
          horizon: int = HORIZON) -> Built:
    """The problem for ``site``'s units (or the network's sites), from now on."""
    if quantile not in QUANTILES:
        raise ValueError(f"quantile must be one of {', '.join(QUANTILES)}")
    at = at or timezone.now()
    notes: list[str] = []
    units = list(_scope_units(site))
    by_site_scope = site is None
    facilities: dict[str, Facility] = {}
    fac_of_unit: dict[int, str] = {}
    for u in units:
        key = facility_key(site=u.site) if by_site_scope else facility_key(unit=u)
        fac_of_unit[u.pk] = key
        if key not in facilities:
            facilities[key] = (Facility(key, u.site.name, u.site_id, None) if by_site_scope
                               else Facility(key, u.name, u.site_id, u.pk))
    keys = list(facilities)
    hours = [at + dt.timedelta(hours=e) for e in range(horizon)]

    # Live staffing per epoch: who of the roster in force is on shift, per unit.
    statuses: list[dict[int, UnitStatus]] = [{s.unit_id: s for s in unit_statuses(units, h)} for h in hours]
    first = statuses[0]
    float_people = set(Staff.objects.filter(float_pool=True, home_unit__in=[u.pk for u in units])
                       .values_list("pk", flat=True))
    rules = _rn_rules(units, at)
    forecast, needs = _forecast([u.pk for u in units], at, horizon, quantile, notes)
    missing = [u.name for u in units if u.pk not in forecast]
    if missing:
        notes.append("No stored forecast for " + ", ".join(missing) + ": demand there is the census now, "
                     "held over the horizon.")
    census: dict[int, list[float]] = {u.pk: forecast.get(u.pk, [float(first[u.pk].census)] * horizon)
                                      for u in units}

    now: dict[str, Now] = {k: Now() for k in keys}
    for u in units:
        s, n = first[u.pk], now[fac_of_unit[u.pk]]
        n.census += s.census
        n.beds += s.beds
        n.staffed_beds += s.staffed_beds
        rn = rules[u.pk].get(Staff.Role.RN)
        n.rn_ratio[u.pk] = rn.patients_per_staff if rn else None
        n.rns[u.pk] = s.on_shift_by_role.get(Staff.Role.RN, 0)
        n.unit_beds[u.pk] = s.beds
        for role, count in s.on_shift_by_role.items():
            n.on_shift[role] = n.on_shift.get(role, 0) + count
        for role, count in s.required.items():
            n.required[role] = n.required.get(role, 0) + count

    # Staff: demand, fixed per epoch; the mobile pool now.
    roles = sorted({r for s in first.values() for r in s.required} | {p.role for s in first.values() for p in s.on_shift})
    skill_need = _skill_needs(units, hours)
    skills_of = _skills_of({p.staff_id for st in statuses for s in st.values() for p in s.on_shift}
                           | float_people)
    demand: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * horizon)
    fixed: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * horizon)
    mobile: list[Mobile] = []
    floats_now: list[tuple[str, str, int, str]] = []  # (facility, role, staff id, name)
    for u in units:
        key = fac_of_unit[u.pk]
        for e in range(horizon):
            patients = max(0, math.ceil(census[u.pk][e] - 1e-9))
            role_need: dict[str, float] = defaultdict(float)
            if u.pk in needs:
                for role, count in needs[u.pk][e].items():
                    role_need[role] += count
            else:
                for role, rule in rules[u.pk].items():
                    role_need[role] += staff_needed(patients, rule.patients_per_staff)
            asked = skill_need.get((u.pk, e), {})
            for (role, code), holders in asked.items():
                demand[(key, skill_resource(role, code))][e] += holders
                role_need[role] -= holders
            for role, need in role_need.items():
                demand[(key, role)][e] += max(0.0, need)
            counted = _count_skilled(asked, [p for p in statuses[e][u.pk].on_shift
                                             if p.staff_id not in float_people], skills_of)
            for person in statuses[e][u.pk].on_shift:
                if person.staff_id in float_people:
                    if e == 0:
                        floats_now.append((key, person.role, person.staff_id, person.name))
                    continue
                fixed[(key, counted.get(person.staff_id, person.role))][e] += 1
            if e == 0:
                n = now[key]
                for (role, code), holders in asked.items():
                    rid = skill_resource(role, code)
                    n.required[rid] = n.required.get(rid, 0) + int(holders)
                    n.on_shift[rid] = n.on_shift.get(rid, 0) + sum(
                        1 for p in statuses[0][u.pk].on_shift if p.role == role and code in skills_of.get(p.staff_id, ()))
            demand[(key, BEDS)][e] += patients
            fixed[(key, BEDS)][e] += first[u.pk].staffed_beds
    skilled = sorted({skill_resource(role, code) for asked in skill_need.values() for role, code in asked})

    # The mobile pool: the float pool on shift now, then the people on call not on shift.
    # A skilled person counts for their skill while the scope is short of it (see above).
    gap: dict[str, float] = {rid: max((sum(max(0.0, demand[(k, rid)][e] - fixed[(k, rid)][e]) for k in keys)
                                       for e in range(horizon)), default=0.0) for rid in skilled}

    def resource_of(role: str, staff_id: int) -> str:
        held = [rid for rid in skilled if role_of(rid) == role and skill_of(rid) in skills_of.get(staff_id, ())
                and gap[rid] > 0]
        if not held:
            return role
        rid = max(held, key=lambda r: (gap[r], r))
        gap[rid] -= 1
        return rid

    for key, role, staff_id, name in sorted(floats_now, key=lambda f: (len(skills_of.get(f[2], ())), f[3], f[2])):
        mobile.append(Mobile(resource_of(role, staff_id), key, name, staff_id=staff_id))
    call_facilities, call_targets = _on_call(units, fac_of_unit, facilities, at, at + dt.timedelta(hours=horizon),
                                             first, skills_of, resource_of, mobile, notes)
    facilities.update(call_facilities)
    call_keys = list(call_facilities)
    for key in call_keys:
        now[key] = Now()

    labels: dict[str, str] = {r: Staff.Role(r).label if r in Staff.Role.values else r for r in roles}
    labels[BEDS] = "Staffed beds"
    skill_names = dict(Skill.objects.filter(code__in={skill_of(r) for r in skilled}).values_list("code", "name"))
    for rid in skilled:
        role = role_of(rid)
        labels[rid] = (f"{Staff.Role(role).label if role in Staff.Role.values else role} · "
                       f"{skill_names.get(skill_of(rid), skill_of(rid))}")
    resources: list[Resource] = []
    cells: list[Cell] = []
    transfers: list[Transfer] = []
    initial: list[Initial] = []
    in_transit: list[InTransit] = []
    zeros = (0.0,) * horizon

    links = {(link.origin_id, link.destination_id): link for link in SiteLink.objects.all()}

    def trip(a: Facility, b: Facility) -> tuple[float, int] | None:
        if a.site_id == b.site_id:
            return WITHIN_SITE_COST, 0
        link = links.get((a.site_id, b.site_id))
        if link is None:
            return None
        return float(link.cost), max(1, math.ceil(link.minutes / 60))

    prev = previous_run(site)
    prev_working: dict[tuple[str, str], float] = {}
    if prev is not None and prev.result:
        shift = max(0, round((at - prev.started_at).total_seconds() / 3600))
        for p in prev.result.get("plan", []):
            xs = p.get("x", [])
            if shift < len(xs):
                prev_working[(p["facility"], p["resource"])] = float(xs[shift])

    def add_initial(resource: str, where: dict[str, int]) -> None:
        for key in keys + call_keys:
            initial.append(Initial(key, resource, float(where.get(key, 0)),
                                   working=prev_working.get((key, resource)) if prev is not None else None))

    for role in roles + skilled:
        critical = role_of(role) == Staff.Role.RN
        resources.append(Resource(role, integer=True, critical=critical, switching_cost=STAFF_SWITCHING))
        for key in keys:
            cells.append(Cell(key, role, tuple(demand[(key, role)]), zeros, tuple(fixed[(key, role)]), zeros,
                              cost=STAFF_COST, fixed_cost=STAFF_COST,
                              penalty=RN_PENALTY if critical else STAFF_PENALTY))
        for a in keys:
            for b in keys:
                fa, fb = facilities[a], facilities[b]
                # A float-pool person of a may work at b only where the rulebook says so.
                if a != b and rulebook.may_work_in(home_unit=None, home_site=fa.site_id, float_pool=True,
                                                   unit=fb.unit_id or -1, unit_site=fb.site_id):
                    cost, epochs = trip(fa, fb) or (WITHIN_SITE_COST, 0)
                    transfers.append(Transfer(a, b, role, cost, epochs))
        # A call-in reaches only the facilities its people may work in (see _on_call).
        for a in call_keys:
            for b in call_targets[a]:
                transfers.append(Transfer(a, b, role, ON_CALL_COST, CALL_IN_EPOCHS))
        where: dict[str, int] = defaultdict(int)
        for m in mobile:
            if m.resource == role:
                where[m.facility] += 1
        add_initial(role, where)
    resources.append(Resource(BEDS, integer=True, critical=False))
    for key in keys:
        cells.append(Cell(key, BEDS, tuple(demand[(key, BEDS)]), zeros, tuple(fixed[(key, BEDS)]), zeros,
                          cost=0.0, fixed_cost=0.0, penalty=BED_PENALTY))

    # Movable equipment.
    available, in_use = GROUPS[Group.AVAILABLE], GROUPS[Group.IN_USE]
    items = list(Item.objects.filter(asset_type__movable=True, unit__in=[u.pk for u in units])
                 .exclude(state=State.IN_TRANSIT).select_related("asset_type"))
    coming = list(Item.objects.filter(state=State.IN_TRANSIT, destination__in=[u.pk for u in units])
                  .select_related("asset_type"))
    etas = {r.item_id: r.arrives_at for r in Recommendation.objects.filter(
        item__in=[i.pk for i in coming], status=Recommendation.Status.APPROVED)}
    types: dict[int, AssetType] = {i.asset_type_id: i.asset_type for i in items + coming}
    for type_id, asset_type in sorted(types.items(), key=lambda kv: kv[1].code):
        rid = f"{EQ}{asset_type.code}"
        labels[rid] = asset_type.name
        resources.append(Resource(rid, integer=True, critical=False, switching_cost=EQUIPMENT_SWITCHING))
        use: dict[str, list[float]] = defaultdict(lambda: [0.0] * horizon)
        where = defaultdict(int)
        for i in items:
            if i.asset_type_id != type_id or i.unit_id is None:
                continue
            key = fac_of_unit[i.unit_id]
            if i.state in in_use:
                now[key].equipment[rid] = (now[key].equipment.get(rid, (0, 0))[0] + 1,
                                           now[key].equipment.get(rid, (0, 0))[1])
                for u in units:
                    if u.pk == i.unit_id:
                        base = max(1, first[u.pk].census)
                        for e in range(horizon):
                            use[key][e] += max(1.0, census[u.pk][e]) / base
            elif i.state in available:
                where[key] += 1
                now[key].equipment[rid] = (now[key].equipment.get(rid, (0, 0))[0],
                                           now[key].equipment.get(rid, (0, 0))[1] + 1)
                mobile.append(Mobile(rid, key, str(i), item_id=i.pk))
        for key in keys:
            in_use_now = now[key].equipment.get(rid, (0, 0))[0]
            device_need = tuple(float(math.ceil(v - 1e-9)) for v in use[key]) if key in use else zeros
            now[key].equipment_need[rid] = int(device_need[0])
            cells.append(Cell(key, rid, device_need, zeros, (float(in_use_now),) * horizon, zeros,
                              cost=EQUIPMENT_COST, fixed_cost=0.0, penalty=EQUIPMENT_PENALTY))
        for a in keys:
            for b in keys:
                if a == b:
                    continue
                if facilities[a].site_id != facilities[b].site_id and not asset_type.movable:
                    continue
                found = trip(facilities[a], facilities[b])
                if found is not None:
                    transfers.append(Transfer(a, b, rid, found[0], found[1]))
        add_initial(rid, where)
        for i in coming:
            if i.asset_type_id != type_id or i.destination_id is None:
                continue
            eta = etas.get(i.pk)
            arrives = 1 if eta is None else max(0, math.ceil((eta - at).total_seconds() / 3600))
            if arrives < horizon:
                in_transit.append(InTransit(fac_of_unit[i.destination_id], rid, 1.0, arrives))

    resource_ids = {r.id for r in resources}
    mobile = [m for m in mobile if m.resource in resource_ids]
    problem = Problem(epochs=horizon, facilities=tuple(keys + call_keys), resources=tuple(resources), cells=tuple(cells),
                      transfers=tuple(transfers), initial=tuple(initial), in_transit=tuple(in_transit),
                      epoch_minutes=60, discount=0.95, equity_band=None)
    fingerprint = {
        "zones": {u.name: _zone(first[u.pk]) for u in units},
        "demand": {f"{c.facility}/{c.resource}": c.demand[0] for c in cells if not c.resource.startswith(BEDS)},
        "pool": {f"{m.resource}@{m.facility}": 1 for m in mobile},
        "on_shift": {f"{k}/{r}": v for k, n in now.items() for r, v in sorted(n.on_shift.items())},
    }
    return Built(problem, facilities, labels, mobile, now, notes, fingerprint, at)


def _zone(status: UnitStatus) -> str:
    return status.zone.value if status.zone is not None else ""


def after_staff_move(n: Now, role: str, delta: int, unit_id: int | None) -> tuple[float | None, int]:
    """A facility's utilization and shortfall of ``role`` once ``delta`` people arrive (+)
    or leave (−) (``unit_id``: the unit they join or leave, for staffed beds)."""
    staffed = n.staffed_beds
    if role_of(role) == Staff.Role.RN:
        target = unit_id if unit_id in n.rns else next(iter(n.rns), None)
        if target is not None:
            before = staffed_beds(beds=n.unit_beds[target], rns_on_shift=n.rns[target],
                                  patients_per_rn=n.rn_ratio[target])
            after = staffed_beds(beds=n.unit_beds[target], rns_on_shift=max(0, n.rns[target] + delta),
                                 patients_per_rn=n.rn_ratio[target])
            staffed += after - before
    short = max(0, n.required.get(role, 0) - (n.on_shift.get(role, 0) + delta))
    return utilization_of(n.census, staffed), short


def staff_shortfall(n: Now, role: str) -> int:
    return max(0, n.required.get(role, 0) - n.on_shift.get(role, 0))


def equipment_shortfall(n: Now, resource: str, delta: int = 0) -> int:
    """Devices of ``resource`` the facility needs and has not (in use and free count),
    once ``delta`` devices arrive (+) or leave (−)."""
    in_use, free = n.equipment.get(resource, (0, 0))
    return max(0, n.equipment_need.get(resource, 0) - in_use - max(0, free + delta))
