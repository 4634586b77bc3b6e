"""The capacity assessment of a facility, in the field's template (HHS/ASPR and HAvBED
style): current state per resource type, projected demand for the next 24 hours in four
six-hour blocks with a confidence level, the gap analysis and recommendations, each with
the role that owns it. Generated from live data only; nothing here writes.

**Current state**, per resource type, now:

* staff by role — *in use*: on shift (``allocation.staffing``: the roster in force, leave,
  clock events); *needed*: required by the ratio rules for the live census; *available*:
  on shift beyond what is needed; *reserve*: active staff of the role whose home unit is
  in scope and who are not on shift (they could be called in, subject to the rest rules
  that the backfill tools check); utilization = needed ÷ on shift.
* staffed beds (HAvBED) — *in use*: the census; *available*: staffed beds less the census;
  *reserve*: physical beds not staffed (they open when staff are found); utilization =
  census ÷ staffed beds, the live figure of the status board.
* equipment per type (``assets.selectors.availability``) — *available*: ready or on
  standby; *reserve*: ready but due a service (usable, held back); *in use*: in use or
  reserved for a patient; *out of service*: maintenance, repair, decontamination,
  inspection; utilization = in use ÷ (available + reserve + in use).

**Projected demand.** Each block's figures are its peak hour: the census forecast summed
over the units in scope at the median, 85th and 90th percentiles (``allocation.forecasts``;
a sum of unit quantiles is at least the quantile of the sum, so the figure errs on the
safe side). The need is taken at the chosen quantile (90th by default: staff to the
85th–90th percentile, not the mean): beds = the census as a whole count, staff per role =
the ratio rules applied to each unit's forecast census (``allocation.forecasts``' own
``whole_count`` and ``requirements``). The confidence level comes from the spread of the
quantiles at the peak: (q90 − median) ÷ median ≤ 15 % high, ≤ 30 % medium, else low; a unit
without a forecast carries its current census forward and makes the block's confidence
low. What is *available* in a block is the least over its hours of what the roster in
force puts on shift (staff by role, and the staffed beds they run).

**Gaps** are need − available per block and resource (positive: short). **Mitigations and
recommendations** say what could close a gap, its tradeoff, and who decides; they are
advice to a person, never acted on here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from assets.selectors import availability
from roster.models import Site, Staff, Unit

from .forecasts import ForecastPoint, census_forecast, requirements, whole_count
from .staffing import HOUR, UnitStatus, hour_of, statuses_by_hour, unit_statuses
from .zones import utilization_of

BLOCKS = 4
BLOCK_HOURS = 6
HORIZON = BLOCKS * BLOCK_HOURS
QUANTILES = {"median": "median", "85": "q85", "90": "q90"}
DEFAULT_QUANTILE = "90"
HIGH_SPREAD = 0.15
MEDIUM_SPREAD = 0.30

# The roles that own a recommendation (the field's usual owners).
SITE_COORDINATOR = "Site coordinator"
UNIT_MANAGER = "Unit manager"
BIOMED = "Biomedical engineering"
BED_MANAGER = "Site coordinator (bed management)"

# Where the census forecasts come from: ``allocation.forecasts.census_forecast`` (tests
# pass their own).
ForecastSource = Callable[[Sequence[int], dt.datetime, int], dict[int, list[ForecastPoint]]]


@dataclass(frozen=True)
class ResourceLine:
    kind: str  # "staff", "beds" or "equipment"
    name: str
    in_use: int
    available: int
    reserve: int
    needed: int | None = None
    out_of_service: int = 0
    utilization: float | None = None
    note: str = ""

    @property
    def utilization_pct(self) -> int | None:
        return None if self.utilization is None else round(100 * self.utilization)


@dataclass(frozen=True)
class DemandBlock:
    index: int
    start: dt.datetime
    end: dt.datetime
    label: str  # local times, "07:00–13:00"
    peak_at: dt.datetime
    census_median: float
    census_q85: float
    census_q90: float
    confidence: str  # "high", "medium", "low"
    confidence_note: str
    beds_needed: int
    beds_available: int
    staff_needed: dict[str, int]
    staff_available: dict[str, int]
    units_without_forecast: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gap:
    block: str
    resource: str
    need: int
    available: int
    mitigation: str

    @property
    def gap(self) -> int:
        return self.need - self.available

    @property
    def short(self) -> bool:
        return self.gap > 0


@dataclass(frozen=True)
class Recommendation:
    action: str
    owner: str
    tradeoff: str
    resource: str
    by: str  # the block by which it should be done, "now" for current state


@dataclass(frozen=True)
class Assessment:
    site_id: int
    site: str
    scope: str  # "site" or "units"
    units: tuple[str, ...]
    at: dt.datetime
    quantile: str
    current: tuple[ResourceLine, ...]
    unit_statuses: tuple[UnitStatus, ...]
    blocks: tuple[DemandBlock, ...]
    gaps: tuple[Gap, ...]
    recommendations: tuple[Recommendation, ...]
    census: int = 0
    staffed_beds: int = 0
    utilization: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def shortfalls(self) -> tuple[Gap, ...]:
        return tuple(g for g in self.gaps if g.short)


# --- the assessment ----------------------------------------------------------------------


def _role_label(role: str) -> str:
    return str(dict(Staff.Role.choices).get(role, role))


def _local_label(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    day = "" if a.date() == b.date() or b.time() == dt.time(0) else " (+1 day)"
    return f"{a:%H:%M}–{b:%H:%M}{day}"


def _confidence(median: float, q90: float, missing: Sequence[str]) -> tuple[str, str]:
    if missing:
        return "low", f"No forecast for {', '.join(missing)}: current census carried forward."
    spread = (q90 - median) / max(median, 1.0)
    level = "high" if spread <= HIGH_SPREAD else "medium" if spread <= MEDIUM_SPREAD else "low"
    return level, f"90 % of outcomes at or below {q90:.0f} (median {median:.0f}, spread {100 * spread:.0f} %)."


def _current_lines(statuses: Sequence[UnitStatus], reserve_by_role: dict[str, int],
                   equipment: Sequence[Any]) -> list[ResourceLine]:
    lines = []
    on_shift: dict[str, int] = defaultdict(int)
    needed: dict[str, int] = defaultdict(int)
    for st in statuses:
        for role, n in st.on_shift_by_role.items():
            on_shift[role] += n
        for role, n in st.required.items():
            needed[role] += n
    for role in sorted(set(on_shift) | set(needed) | set(reserve_by_role)):
        have, need = on_shift.get(role, 0), needed.get(role, 0)
        note = f"{need - have} short against the ratio rules" if need > have else ""
        if role not in needed:
            note = "no ratio rule for this role"
        lines.append(ResourceLine(
            kind="staff", name=_role_label(role), in_use=have, available=max(0, have - need),
            reserve=reserve_by_role.get(role, 0), needed=need if role in needed else None,
            utilization=(need / have) if have and role in needed else None, note=note,
        ))
    census = sum(st.census for st in statuses)
    staffed = sum(st.staffed_beds for st in statuses)
    beds = sum(st.beds for st in statuses)
    lines.append(ResourceLine(
        kind="beds", name="Staffed beds", in_use=census, available=max(0, staffed - census),
        reserve=max(0, beds - staffed), needed=census, utilization=utilization_of(census, staffed),
        note=f"{beds} physical beds, {staffed} staffed" + (f"; {census - staffed} patients over" if census > staffed else ""),
    ))
    for row in equipment:
        usable = row.ready + row.due_soon + row.in_use
        lines.append(ResourceLine(
            kind="equipment", name=row.asset_type_name, in_use=row.in_use, available=row.ready,
            reserve=row.due_soon, out_of_service=row.unavailable,
            utilization=(row.in_use / usable) if usable else None,
            note=f"{row.due_soon} due a service" if row.due_soon else "",
        ))
    return lines


def _hourly_points(units: Sequence[Unit], start: dt.datetime, forecast: dict[int, list[ForecastPoint]],
                   now_census: dict[int, int]) -> tuple[dict[int, list[ForecastPoint]], set[int]]:
    """Each unit's forecast point for every hour of the horizon; an hour without one
    carries the current census forward (and the unit is reported as without forecast)."""
    points: dict[int, list[ForecastPoint]] = {}
    missing: set[int] = set()
    for unit in units:
        by_hour = {hour_of(p.hour): p for p in forecast.get(unit.pk, [])}
        series = []
        for h in range(HORIZON):
            at = start + h * HOUR
            point = by_hour.get(at)
            if point is None:
                missing.add(unit.pk)
                n = float(now_census[unit.pk])
                point = ForecastPoint(hour=at, median=n, q85=n, q90=n)
            series.append(point)
        points[unit.pk] = series
    return points, missing


def _blocks(site: Site, units: Sequence[Unit], start: dt.datetime, quantile: str,
            forecast: dict[int, list[ForecastPoint]], now_census: dict[int, int]) -> list[DemandBlock]:
    tz = ZoneInfo(site.timezone)
    name = QUANTILES[quantile]
    points, missing_ids = _hourly_points(units, start, forecast, now_census)
    # Staff needed per hour: the ratio rules in force applied to the census at the
    # quantile (``allocation.forecasts.requirements``, the one place that is written).
    needs = requirements(points, name)
    missing = tuple(sorted(u.name for u in units if u.pk in missing_ids))
    # The roster in force at the start of each hour of the horizon ("now" set past its
    # end, so every future hour is read from the roster).
    rostered: dict[int, list[UnitStatus]] = {}
    last = start + (HORIZON - 1) * HOUR
    for unit in units:
        rostered[unit.pk] = [st for _, st in statuses_by_hour(unit, start - HOUR, last - HOUR, now=last + HOUR)]
    blocks = []
    for b in range(BLOCKS):
        b_start = start + b * BLOCK_HOURS * HOUR
        peak: tuple[float, float, float, float, int] | None = None  # (chosen, median, q85, q90, hour)
        staff_need: dict[str, int] = defaultdict(int)
        staff_have: dict[str, int] = {}
        beds_have: int | None = None
        for h in range(b * BLOCK_HOURS, (b + 1) * BLOCK_HOURS):
            sums = [0.0, 0.0, 0.0]
            need_h: dict[str, int] = defaultdict(int)
            have_h: dict[str, int] = defaultdict(int)
            beds_h = 0
            for unit in units:
                p = points[unit.pk][h]
                sums[0] += p.median
                sums[1] += p.q85
                sums[2] += p.q90
                for role, n in needs.get(unit.pk, [{}] * HORIZON)[h].items():
                    need_h[role] += n
                st = rostered[unit.pk][h]
                for role, n in st.on_shift_by_role.items():
                    have_h[role] += n
                beds_h += st.staffed_beds
            chosen = sums[("median", "q85", "q90").index(name)]
            if peak is None or chosen > peak[0]:
                peak = (chosen, sums[0], sums[1], sums[2], h)
            for role, n in need_h.items():
                staff_need[role] = max(staff_need[role], n)
            for role in set(staff_have) | set(have_h) | set(need_h):
                staff_have[role] = min(staff_have.get(role, have_h.get(role, 0)), have_h.get(role, 0))
            beds_have = beds_h if beds_have is None else min(beds_have, beds_h)
        assert peak is not None
        level, note = _confidence(peak[1], peak[3], missing)
        b_end = b_start + BLOCK_HOURS * HOUR
        blocks.append(DemandBlock(
            index=b + 1, start=b_start, end=b_end, label=_local_label(b_start, b_end, tz),
            peak_at=start + peak[4] * HOUR, census_median=round(peak[1], 1), census_q85=round(peak[2], 1),
            census_q90=round(peak[3], 1), confidence=level, confidence_note=note,
            beds_needed=whole_count(peak[0]), beds_available=beds_have or 0,
            staff_needed=dict(sorted(staff_need.items())),
            staff_available={r: staff_have.get(r, 0) for r in sorted(set(staff_need) | set(staff_have))},
            units_without_forecast=missing,
        ))
    return blocks


def _gaps(blocks: Sequence[DemandBlock], reserve_beds: int, reserve_staff: dict[str, int]) -> list[Gap]:
    gaps = []
    for block in blocks:
        short = block.beds_needed - block.beds_available
        if short <= 0:
            mitigation = "None needed."
        elif short <= reserve_beds:
            mitigation = f"Staff {short} of the {reserve_beds} unstaffed beds (more nurses on shift)."
        else:
            mitigation = "Early discharges, transfers to another site, or diverting arrivals."
        gaps.append(Gap(block.label, "Staffed beds", block.beds_needed, block.beds_available, mitigation))
        for role, need in block.staff_needed.items():
            have = block.staff_available.get(role, 0)
            short = need - have
            spare = reserve_staff.get(role, 0)
            if short <= 0:
                mitigation = "None needed."
            elif short <= spare:
                mitigation = f"Fill {short} {_role_label(role)} shift(s): open shift or call-in ({spare} off duty)."
            else:
                mitigation = (f"Call in the {spare} off duty, then redeploy from another unit or site, or agency "
                              "staff.")
            gaps.append(Gap(block.label, _role_label(role), need, have, mitigation))
    return gaps


def _recommendations(blocks: Sequence[DemandBlock], gaps: Sequence[Gap], current: Sequence[ResourceLine],
                     reserve_beds: int, reserve_staff: dict[str, int]) -> list[Recommendation]:
    recs: list[Recommendation] = []
    first_short: dict[str, Gap] = {}
    worst: dict[str, int] = defaultdict(int)
    for gap in gaps:
        if gap.short:
            first_short.setdefault(gap.resource, gap)
            worst[gap.resource] = max(worst[gap.resource], gap.gap)
    roles = {_role_label(r): r for b in blocks for r in b.staff_needed}
    for resource, gap in first_short.items():
        n = worst[resource]
        if resource == "Staffed beds":
            if n <= reserve_beds:
                recs.append(Recommendation(
                    f"Staff {n} more bed(s) from {gap.block}: the unstaffed beds are there, the nurses are not.",
                    UNIT_MANAGER, "Extra shifts cost overtime or agency rates and tire the staff who take them.",
                    resource, gap.block))
            else:
                recs.append(Recommendation(
                    f"Plan for {n} patient(s) beyond the staffed beds from {gap.block}: bring discharges forward, "
                    "arrange transfers, and consider diversion if it persists.",
                    BED_MANAGER, "Early discharge risks readmission; diversion moves the load to neighbouring "
                    "sites and lengthens transport.", resource, gap.block))
        else:
            spare = reserve_staff.get(roles.get(resource, ""), 0)
            if n <= spare:
                recs.append(Recommendation(
                    f"Fill {n} {resource} shift(s) by {gap.block}: post an open shift or call in off-duty staff.",
                    UNIT_MANAGER, "Call-ins add overtime and fatigue; the rest rules still apply to each person.",
                    resource, gap.block))
            else:
                recs.append(Recommendation(
                    f"Find {n} {resource}(s) by {gap.block}: {spare} off duty here; redeploy from units with spare "
                    "staff or another site, or book agency staff.",
                    SITE_COORDINATOR, "Redeployment leaves the lending unit thinner and puts staff on an unfamiliar "
                    "unit; agency staff cost more.", resource, gap.block))
    for line in current:
        if line.kind != "equipment":
            continue
        if line.available == 0 and line.out_of_service:
            recs.append(Recommendation(
                f"Return {line.name} to service first: none ready, {line.out_of_service} out of service.",
                BIOMED, "Pulls technicians from scheduled maintenance, which then slips.", line.name, "now"))
        elif line.utilization is not None and line.utilization >= 0.9 and line.available == 0:
            recs.append(Recommendation(
                f"Borrow or rent {line.name}: every usable one is in use or due a service.",
                SITE_COORDINATOR, "Borrowing leaves the lending site with less; rental costs and takes time.",
                line.name, "now"))
    if not recs:
        recs.append(Recommendation(
            "No action needed: the roster covers the projected demand at this quantile for the next 24 hours.",
            SITE_COORDINATOR, "Demand above the chosen quantile is still possible; review at the next refresh.",
            "All", "now"))
    return recs


def assess(site: Site, units: Sequence[Unit], *, at: dt.datetime | None = None, quantile: str = DEFAULT_QUANTILE,
           user: Any = None, scope: str = "site", forecast: ForecastSource = census_forecast) -> Assessment:
    """The capacity assessment of ``units`` (all or some of ``site``'s) at ``at`` (now).
    ``user`` scopes the equipment counted (the items they can see); ``forecast`` is the
    source of census forecasts (the stored ones by default)."""
    if quantile not in QUANTILES:
        raise ValueError(f"quantile must be one of {', '.join(QUANTILES)}")
    at = at or timezone.now()
    units = [u for u in units if u.site_id == site.pk]
    statuses = unit_statuses(units, at)
    on_shift_ids = {p.staff_id for st in statuses for p in st.on_shift}
    reserve_staff: dict[str, int] = defaultdict(int)
    for staff_id, role in Staff.objects.filter(home_unit__in=units, active=True).values_list("pk", "role"):
        if staff_id not in on_shift_ids:
            reserve_staff[role] += 1
    equipment = availability(user, today=at.astimezone(ZoneInfo(site.timezone)).date(), site_ids=[site.pk]) \
        if user is not None else []
    current = _current_lines(statuses, dict(reserve_staff), equipment)
    start = hour_of(at)
    now_census = {st.unit_id: st.census for st in statuses}
    blocks = _blocks(site, units, start, quantile, forecast([u.pk for u in units], start, HORIZON), now_census)
    reserve_beds = sum(max(0, st.beds - st.staffed_beds) for st in statuses)
    gaps = _gaps(blocks, reserve_beds, dict(reserve_staff))
    recs = _recommendations(blocks, gaps, current, reserve_beds, dict(reserve_staff))
    census = sum(st.census for st in statuses)
    staffed = sum(st.staffed_beds for st in statuses)
    notes = []
    if scope == "site" and user is None:
        notes.append("Equipment not counted.")
    return Assessment(
        site_id=site.pk, site=site.name, scope=scope, units=tuple(u.name for u in units), at=at, quantile=quantile,
        current=tuple(current), unit_statuses=tuple(statuses), blocks=tuple(blocks), gaps=tuple(gaps),
        recommendations=tuple(recs), census=census, staffed_beds=staffed,
        utilization=utilization_of(census, staffed), notes=tuple(notes),
    )


def as_rows(assessment: Assessment) -> list[list[str]]:
    """The assessment as CSV rows: one section after another, each with its header."""
    a = assessment
    rows: list[list[str]] = [
        ["Capacity assessment", a.site, f"at {a.at.isoformat()}", f"need at the {a.quantile} percentile"
         if a.quantile != "median" else "need at the median"],
        [],
        ["Current state"],
        ["type", "resource", "in use", "available", "reserve", "needed", "out of service", "utilization %", "note"],
    ]
    for line in a.current:
        rows.append([line.kind, line.name, str(line.in_use), str(line.available), str(line.reserve),
                     "" if line.needed is None else str(line.needed), str(line.out_of_service),
                     "" if line.utilization_pct is None else str(line.utilization_pct), line.note])
    rows += [[], ["Projected demand (next 24 h)"],
             ["block", "peak census median", "q85", "q90", "confidence", "beds needed", "beds available", "note"]]
    for b in a.blocks:
        rows.append([b.label, str(b.census_median), str(b.census_q85), str(b.census_q90), b.confidence,
                     str(b.beds_needed), str(b.beds_available), b.confidence_note])
    rows += [[], ["Gap analysis"], ["block", "resource", "need", "available", "gap", "mitigation"]]
    for g in a.gaps:
        rows.append([g.block, g.resource, str(g.need), str(g.available), str(g.gap), g.mitigation])
    rows += [[], ["Recommendations"], ["action", "owner", "tradeoff", "by"]]
    for r in a.recommendations:
        rows.append([r.action, r.owner, r.tradeoff, r.by])
    return rows
