"""Live staffing: who is on shift, who is required, how many beds that staffs, and the
unit's utilization and zone — now, at any past instant, and hour by hour.

On shift at an instant t, per person:

* the roster in force: a live assignment whose interval contains t (start ≤ t < end),
  unless the person is on approved leave that day (a call-out is sick leave recorded
  by a manager; approving leave already takes the shift off, this only guards a shift
  read before that happens);
* then clock events, where a site sends them, override the roster: the person's latest
  clock event up to t within the shift being worked (from an hour before the rostered
  start, or within the last ``UNROSTERED_WINDOW`` for someone not rostered) decides —
  a clock-in puts them on shift in the unit they clocked into, a clock-out takes them
  off. A clock-in older than that window is taken for a forgotten clock-out.

Required now: each ratio rule of the unit gives ``ceil(census / patients per staff)`` of
its role (``roster.coverage.staff_needed``, the one place the ratio is written); as in
coverage derivation, a rule bound to the shift type in progress wins over the unit's
general rule for the same role. Each skill-mix rule asks for its minimum of holders.

Staffed beds (the HAvBED definition: a bed counts only with the staff to run it on
shift) = min(physical beds, on-shift RNs × patients per RN). A unit without an RN ratio
rule has no rule to staff beds by and counts its physical beds.

Utilization = census ÷ staffed beds, per unit and per site (the site's sums); zones in
``allocation.zones``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from roster.coverage import ratio_rules_in_force, staff_needed
from roster.models import (
    Assignment,
    Certification,
    Leave,
    RatioRule,
    ShiftType,
    Site,
    SkillMixRule,
    Staff,
    Unit,
)

from .census import census_live, census_series
from .models import ClockEvent, UnitHour
from .zones import BY_ZONE, Zone, utilization_of, zone_for

HOUR = dt.timedelta(hours=1)
# The longest a shift may be (the field's hard limit), so a shift in progress at t
# started no earlier than t − 12 h.
LONGEST_SHIFT = dt.timedelta(hours=12)
# Clocking in up to this long before the rostered start counts for that shift.
EARLY_CLOCK_IN = dt.timedelta(hours=1)
# Someone clocked in without a rostered shift counts for at most this long.
UNROSTERED_WINDOW = dt.timedelta(hours=13)
# How far back a late event makes the task rewrite the hourly series.
MAX_RECOMPUTE = dt.timedelta(days=400)
RN = Staff.Role.RN


@dataclass(frozen=True)
class OnShift:
    staff_id: int
    name: str
    role: str
    source: str  # "roster" or "clock"


@dataclass(frozen=True)
class SkillMixNeed:
    requirement: str
    minimum: int
    on_shift: int


@dataclass(frozen=True)
class UnitStatus:
    unit_id: int
    unit: str
    site_id: int
    at: dt.datetime
    census: int
    beds: int
    staffed_beds: int
    on_shift: tuple[OnShift, ...]
    required: dict[str, int]
    skill_mix: tuple[SkillMixNeed, ...]
    utilization: float | None
    zone: Zone | None

    @property
    def on_shift_by_role(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for person in self.on_shift:
            counts[person.role] += 1
        return dict(counts)

    @property
    def required_total(self) -> int:
        return sum(self.required.values())

    @property
    def short(self) -> dict[str, int]:
        """Staff missing per role against the ratio rules (only roles that are short)."""
        have = self.on_shift_by_role
        return {role: need - have.get(role, 0) for role, need in self.required.items() if need > have.get(role, 0)}

    @property
    def action(self) -> str:
        return BY_ZONE[self.zone].action if self.zone else ""


@dataclass(frozen=True)
class SiteStatus:
    site_id: int
    site: str
    at: dt.datetime
    units: tuple[UnitStatus, ...]
    census: int = 0
    beds: int = 0
    staffed_beds: int = 0
    on_shift: int = 0
    required_total: int = 0
    utilization: float | None = None
    zone: Zone | None = None

    @property
    def action(self) -> str:
        return BY_ZONE[self.zone].action if self.zone else ""


@dataclass
class _Facts:
    """Everything needed to read the units' staffing at any instant in [start, end],
    loaded in a fixed number of queries whatever the number of units or instants."""

    units: list[Unit]
    # per unit: live shifts sorted by start: (starts, ends, date, staff id)
    shifts: dict[int, list[tuple[dt.datetime, dt.datetime, dt.date, int]]] = field(default_factory=dict)
    shift_starts: dict[int, list[dt.datetime]] = field(default_factory=dict)
    leave: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    # per person: clock events sorted by time: (at, kind, unit id)
    clocks: dict[int, list[tuple[dt.datetime, str, int]]] = field(default_factory=dict)
    staff: dict[int, tuple[str, str]] = field(default_factory=dict)
    skills: dict[int, set[int]] = field(default_factory=dict)
    certs: dict[int, list[tuple[int, dt.date, dt.date | None]]] = field(default_factory=dict)
    ratios: dict[int, list[RatioRule]] = field(default_factory=dict)
    mixes: dict[int, list[SkillMixRule]] = field(default_factory=dict)
    shift_types: dict[int, list[ShiftType]] = field(default_factory=dict)


def _load(units: Sequence[Unit], start: dt.datetime, end: dt.datetime) -> _Facts:
    facts = _Facts(units=list(units))
    ids = [u.pk for u in units]
    shifts: dict[int, list[tuple[dt.datetime, dt.datetime, dt.date, int]]] = defaultdict(list)
    people: set[int] = set()
    for staff_id, unit_id, starts, ends, day in Assignment.objects.filter(
            live=True, roster__unit__in=ids, starts_at__lte=end, ends_at__gt=start).values_list(
            "staff_id", "roster__unit_id", "starts_at", "ends_at", "date"):
        shifts[unit_id].append((starts, ends, day, staff_id))
        people.add(staff_id)
    for unit_id, rows in shifts.items():
        rows.sort()
        facts.shifts[unit_id] = rows
        facts.shift_starts[unit_id] = [r[0] for r in rows]
    clocks: dict[int, list[tuple[dt.datetime, str, int]]] = defaultdict(list)
    for staff_id, at, kind, unit_id in ClockEvent.objects.filter(
            Q(unit__in=ids) | Q(staff__in=people), occurred_at__gt=start - UNROSTERED_WINDOW,
            occurred_at__lte=end).values_list("staff_id", "occurred_at", "kind", "unit_id"):
        clocks[staff_id].append((at, kind, unit_id))
        people.add(staff_id)
    facts.clocks = {k: sorted(v) for k, v in clocks.items()}
    day_from, day_to = (start - dt.timedelta(days=1)).date(), (end + dt.timedelta(days=1)).date()
    leave: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for staff_id, first, last in Leave.objects.filter(
            staff__in=people, status=Leave.Status.APPROVED, start_date__lte=day_to,
            end_date__gte=day_from).values_list("staff_id", "start_date", "end_date"):
        leave[staff_id].append((first, last))
    facts.leave = dict(leave)
    for pk, given, family, role in Staff.objects.filter(pk__in=people).values_list(
            "pk", "first_name", "last_name", "role"):
        facts.staff[pk] = (f"{given} {family}", role)
    mixes = list(SkillMixRule.objects.filter(unit__in=ids).select_related("skill", "certification_type"))
    if mixes:
        skills: dict[int, set[int]] = defaultdict(set)
        for staff_id, skill_id in Staff.skills.through.objects.filter(staff__in=people).values_list(
                "staff_id", "skill_id"):
            skills[staff_id].add(skill_id)
        facts.skills = dict(skills)
        certs: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for staff_id, type_id, issued, expires in Certification.objects.filter(staff__in=people).values_list(
                "staff_id", "type_id", "issued", "expires"):
            certs[staff_id].append((type_id, issued, expires))
        facts.certs = dict(certs)
    by_unit_mix: dict[int, list[SkillMixRule]] = defaultdict(list)
    for mix in mixes:
        by_unit_mix[mix.unit_id].append(mix)
    facts.mixes = dict(by_unit_mix)
    ratios: dict[int, list[RatioRule]] = defaultdict(list)
    for rule in RatioRule.objects.filter(unit__in=ids):
        ratios[rule.unit_id].append(rule)
    facts.ratios = dict(ratios)
    site_types: dict[int, list[ShiftType]] = defaultdict(list)
    for st in ShiftType.objects.filter(site__in={u.site_id for u in units}):
        site_types[st.site_id].append(st)
    facts.shift_types = dict(site_types)
    return facts


def _placements(facts: _Facts, at: dt.datetime) -> dict[int, list[OnShift]]:
    """Who is on shift at ``at``, per unit (see the module's rules)."""
    place: dict[int, tuple[int, str]] = {}
    rostered_from: dict[int, dt.datetime] = {}
    for unit_id, rows in facts.shifts.items():
        starts = facts.shift_starts[unit_id]
        lo = bisect.bisect_left(starts, at - LONGEST_SHIFT)
        hi = bisect.bisect_right(starts, at)
        for starts_at, ends_at, day, staff_id in rows[lo:hi]:
            if not starts_at <= at < ends_at:
                continue
            rostered_from[staff_id] = starts_at
            if any(first <= day <= last for first, last in facts.leave.get(staff_id, ())):
                continue
            place[staff_id] = (unit_id, "roster")
    for staff_id, events in facts.clocks.items():
        since = rostered_from[staff_id] - EARLY_CLOCK_IN if staff_id in rostered_from else at - UNROSTERED_WINDOW
        k = bisect.bisect_right(events, (at, "\uffff", 2**63))
        if k == 0 or events[k - 1][0] < since:
            continue
        _, kind, unit_id = events[k - 1]
        if kind == ClockEvent.Kind.IN:
            place[staff_id] = (unit_id, "clock")
        else:
            place.pop(staff_id, None)
    by_unit: dict[int, list[OnShift]] = defaultdict(list)
    for staff_id, (unit_id, source) in place.items():
        name, role = facts.staff.get(staff_id, ("", ""))
        by_unit[unit_id].append(OnShift(staff_id, name, role, source))
    for people in by_unit.values():
        people.sort(key=lambda p: (p.role, p.name, p.staff_id))
    return by_unit


def _in_progress(types: Iterable[ShiftType], at: dt.datetime, tz: ZoneInfo) -> set[int]:
    """The site's shift types whose daily interval contains ``at`` on the site's clock."""
    local = at.astimezone(tz)
    minute = local.hour * 60 + local.minute
    return {st.pk for st in types
            if (minute - (st.start_time.hour * 60 + st.start_time.minute)) % 1440 < st.duration_minutes}


def staffed_beds(*, beds: int, rns_on_shift: int, patients_per_rn: Decimal | float | int | None) -> int:
    """HAvBED staffed beds: min(physical beds, on-shift RNs × patients per RN); the
    physical beds when the unit has no RN ratio to staff them by."""
    if patients_per_rn is None:
        return beds
    return min(beds, math.floor(Decimal(rns_on_shift) * Decimal(str(patients_per_rn))))


def _holds(facts: _Facts, staff_id: int, mix: SkillMixRule, day: dt.date) -> bool:
    if mix.skill_id is not None:
        return mix.skill_id in facts.skills.get(staff_id, set())
    return any(type_id == mix.certification_type_id and issued <= day and (expires is None or day <= expires)
               for type_id, issued, expires in facts.certs.get(staff_id, ()))


def _status(facts: _Facts, unit: Unit, at: dt.datetime, census: int, on_shift: list[OnShift]) -> UnitStatus:
    tz = ZoneInfo(unit.site.timezone)
    running = _in_progress(facts.shift_types.get(unit.site_id, ()), at, tz)
    rules = ratio_rules_in_force(facts.ratios.get(unit.pk, ()), running)
    required = {role: staff_needed(census, rule.patients_per_staff) for role, rule in sorted(rules.items())}
    rns = sum(1 for p in on_shift if p.role == RN)
    rn_rule = rules.get(RN)
    staffed = staffed_beds(beds=unit.beds, rns_on_shift=rns,
                           patients_per_rn=rn_rule.patients_per_staff if rn_rule else None)
    day = at.astimezone(tz).date()
    mix = tuple(
        SkillMixNeed(str(m.skill or m.certification_type), m.minimum,
                     sum(1 for p in on_shift if _holds(facts, p.staff_id, m, day)))
        for m in facts.mixes.get(unit.pk, ())
    )
    return UnitStatus(
        unit_id=unit.pk, unit=unit.name, site_id=unit.site_id, at=at, census=census, beds=unit.beds,
        staffed_beds=staffed, on_shift=tuple(on_shift), required=required, skill_mix=mix,
        utilization=utilization_of(census, staffed), zone=zone_for(census, staffed),
    )


def unit_statuses(units: Iterable[Unit], at: dt.datetime | None = None) -> list[UnitStatus]:
    """The staffing of each unit at ``at`` (now by default), in a fixed number of queries."""
    unit_list = list(units)
    at = at or timezone.now()
    facts = _load(unit_list, at, at)
    census = census_live([u.pk for u in unit_list], at)
    placed = _placements(facts, at)
    return [_status(facts, u, at, census[u.pk], placed.get(u.pk, [])) for u in unit_list]


def site_status(site: Site, units: Sequence[UnitStatus]) -> SiteStatus:
    """A site's totals from its units' statuses: utilization is the site's census over its
    staffed beds (not an average of its units')."""
    census = sum(u.census for u in units)
    staffed = sum(u.staffed_beds for u in units)
    return SiteStatus(
        site_id=site.pk, site=site.name, at=units[0].at if units else timezone.now(), units=tuple(units),
        census=census, beds=sum(u.beds for u in units), staffed_beds=staffed,
        on_shift=sum(len(u.on_shift) for u in units), required_total=sum(u.required_total for u in units),
        utilization=utilization_of(census, staffed), zone=zone_for(census, staffed),
    )


def site_statuses(sites: Iterable[Site], units: Iterable[Unit], at: dt.datetime | None = None) -> list[SiteStatus]:
    """Each site's status from the given units (those a user may see) at ``at``."""
    by_site: dict[int, list[UnitStatus]] = defaultdict(list)
    for status in unit_statuses(units, at):
        by_site[status.site_id].append(status)
    return [site_status(site, by_site.get(site.pk, [])) for site in sites]


# --- the hourly series -----------------------------------------------------------------

def hour_of(at: dt.datetime) -> dt.datetime:
    """The start of the (UTC) hour containing ``at``."""
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def statuses_by_hour(unit: Unit, first_hour: dt.datetime, last_hour: dt.datetime,
                     now: dt.datetime) -> list[tuple[dt.datetime, UnitStatus]]:
    """The unit's status at the end of each hour from ``first_hour`` to ``last_hour``
    (the hour still running: at ``now``)."""
    hours = []
    h = hour_of(first_hour)
    while h <= last_hour:
        hours.append(h)
        h += HOUR
    if not hours:
        return []
    instants = [min(h + HOUR, now) for h in hours]
    facts = _load([unit], instants[0], instants[-1])
    census = census_series([unit.pk], instants)[unit.pk]
    return [(h, _status(facts, unit, at, n, _placements(facts, at).get(unit.pk, [])))
            for h, at, n in zip(hours, instants, census, strict=True)]


@transaction.atomic
def unit_hours_record(*, unit_id: int, since: dt.datetime, now: dt.datetime | None = None) -> int:
    """Write the unit's hourly rows from the hour of ``since`` (at most ``MAX_RECOMPUTE``
    back) to the hour now running; rows already there are rewritten. Idempotent: the
    same call twice writes the same rows. Returns the number of hours written (0 for a
    unit that no longer exists)."""
    now = now or timezone.now()
    unit = Unit.objects.select_related("site").filter(pk=unit_id).first()
    if unit is None:
        return 0
    first = hour_of(max(since, now - MAX_RECOMPUTE))
    rows = [
        UnitHour(unit=unit, hour=h, census=s.census, on_shift=len(s.on_shift),
                 on_shift_rn=s.on_shift_by_role.get(RN, 0), required=s.required,
                 required_total=s.required_total, beds=s.beds, staffed_beds=s.staffed_beds,
                 utilization=s.utilization, zone=s.zone.value if s.zone else "", census_as_of=s.at)
        for h, s in statuses_by_hour(unit, first, hour_of(now), now)
    ]
    UnitHour.objects.bulk_create(
        rows, batch_size=1000, update_conflicts=True, unique_fields=["unit", "hour"],
        update_fields=["census", "on_shift", "on_shift_rn", "required", "required_total", "beds",
                       "staffed_beds", "utilization", "zone", "computed_at", "census_as_of"],
    )
    return len(rows)
