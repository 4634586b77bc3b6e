"""The roster screen's read model: the grid, its coverage rows, fatigue badges and KPIs.

Everything is computed from a fixed number of queries, whatever the number of people or
days (the page tests assert it). Coverage, KPIs and shortfall explanations are computed
by the solver's own modules (``derive.qualifies``, ``kpi.compute_kpis``,
``explain.explain_requirement``) on the problem ``generation.build_problem`` builds from
the database, applied to the roster's *current* assignments: a hand-edited draft is
judged exactly as the solver would judge it, and the numbers on the grid agree with
those on the run page.

Visibility is decided here too (``visible_rosters``, ``visible_runs``): a manager sees
every version of the units they manage; staff see only their own unit's published
version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from . import access, fatigue, placement, rules
from .assignments import check_assignment, rule_shift
from .cover_templates import CoverGaps, cover_gaps
from .generation import Built, build_problem
from .models import Assignment, Leave, OpenShift, Roster, ShiftType, SolverRun, Staff, Unit
from .solver import derive
from .solver import problem as sp
from .solver.explain import explain_requirement
from .solver.kpi import compute_kpis

# --- who sees what ------------------------------------------------------------------


def visible_rosters(user: Any) -> QuerySet[Roster]:
    return access.visible_rosters(user).select_related("unit__site", "created_by", "published_by")


def visible_runs(user: Any) -> QuerySet[SolverRun]:
    return access.visible_runs(user).select_related("site", "unit", "requested_by")


def editable_people(roster: Roster) -> QuerySet[Staff]:
    """Who may be put on this roster by hand: the unit's people, the site's float pool,
    and anyone already on it (a waiver may have brought them)."""
    unit = roster.unit
    return (
        Staff.objects.filter((placement.who_may_work_in(unit) & Q(active=True)) | Q(assignments__roster=roster))
        .select_related("home_unit")
        .distinct()
    )


def unit_versions(unit: Unit, *, published_only: bool) -> list[Period]:
    """The unit's roster versions grouped by period, newest period first."""
    rosters = (
        Roster.objects.filter(unit=unit)
        .select_related("created_by", "published_by")
        .annotate(shift_count=Count("assignments"))
        .prefetch_related(Prefetch("solver_runs", queryset=SolverRun.objects.order_by("-created_at")))
        .order_by("-start_date", "-version")
    )
    if published_only:
        rosters = rosters.filter(status=Roster.Status.PUBLISHED)
    periods: dict[tuple[dt.date, dt.date], Period] = {}
    for roster in rosters:
        key = (roster.start_date, roster.end_date)
        periods.setdefault(key, Period(roster.start_date, roster.end_date)).versions.append(roster)
    return list(periods.values())


@dataclass
class Period:
    start_date: dt.date
    end_date: dt.date
    versions: list[Roster] = field(default_factory=list)

    @property
    def published(self) -> Roster | None:
        return next((r for r in self.versions if r.status == Roster.Status.PUBLISHED), None)


# --- display helpers ------------------------------------------------------------------

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
DEFAULT_COLOUR = "#4a90d9"


def safe_colour(value: str) -> str:
    """A shift type's colour as a CSS hex colour (anything else falls back)."""
    return value if _HEX.match(value or "") else DEFAULT_COLOUR


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG contrast)."""
    h = safe_colour(background).lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#111111"


_DAY_INDEX = re.compile(r"\bday (-?\d+)\b")


def dated(text: str, start: dt.date) -> str:
    """The solver names days by index ("rest after Night shift on day 3"): show dates."""
    return _DAY_INDEX.sub(lambda m: f"{start + dt.timedelta(days=int(m.group(1))):%a %d %b}", text)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _solver_assignments(roster: Roster, built: Built, assignments: Iterable[Assignment]) -> list[sp.Assignment]:
    """The roster's assignments as the solver sees them (people it knows of only)."""
    unit_id = str(roster.unit_id)
    return [
        sp.Assignment(str(a.staff_id), (a.date - roster.start_date).days, a.shift_type.code, unit_id)
        for a in assignments
        if str(a.staff_id) in built.staff and roster.start_date <= a.date <= roster.end_date
    ]


def _count(problem: sp.Problem, req: sp.CoverageRequirement, by_slot: dict[tuple[int, str], set[str]]) -> int:
    staff = {p.id: p for p in problem.staff}
    return sum(
        1 for sid in by_slot.get((req.day, req.shift), ()) if sid in staff and derive.qualifies(staff[sid], req)
    )


# --- the grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    date: dt.date
    weekend: bool
    today: bool
    month_start: bool


@dataclass
class Cell:
    day: Day
    shift: ShiftType | None = None
    colour: str = ""
    ink: str = ""
    waiver: str = ""
    leave: str = ""
    elsewhere: str = ""
    changed: bool = False
    was: str = ""

    @property
    def clash(self) -> bool:
        """Rostered on a day of approved leave: a hard rule nobody may waive."""
        return self.shift is not None and bool(self.leave)

    @property
    def title(self) -> str:
        parts = [f"{self.day.date:%a %d %b}"]
        if self.shift is not None:
            parts.append(f"{self.shift.name} ({self.shift.code}) {self.shift.start_time:%H:%M}")
        if self.leave:
            parts.append(self.leave + (": on approved leave, this shift must come off" if self.clash else ""))
        if self.elsewhere:
            parts.append(self.elsewhere)
        if self.waiver:
            parts.append(self.waiver)
        if self.changed:
            parts.append(f"changed from the published version (was {self.was or 'off'})")
        return " · ".join(parts)


@dataclass
class Row:
    person: Staff
    note: str
    cells: list[Cell]
    risk: fatigue.Risk
    risk_day: dt.date | None
    minutes: int
    shifts: int
    # The person's shifts in this version let through past a limit by a waiver ("Minimum
    # rest between shifts on Tue 03 Mar"): the badge then says so, not the old figure.
    waived: list[str] = field(default_factory=list)

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:g}"

    @property
    def risk_title(self) -> str:
        if self.waived:
            figures = f" ({'; '.join(self.risk.reasons)})" if self.risk.reasons else ""
            return "Fatigue: over limit, waived — " + ", ".join(self.waived) + figures
        label = {
            fatigue.GREEN: "Fatigue risk: green (rested)",
            fatigue.YELLOW: "Fatigue risk: yellow",
            fatigue.ORANGE: "Fatigue risk: orange",
            fatigue.RED: "Fatigue risk: red (at a regulatory limit)",
        }[self.risk.level]
        if not self.risk.reasons:
            return label
        when = f" on {self.risk_day:%a %d %b}" if self.risk_day else ""
        return f"{label}{when}: " + "; ".join(self.risk.reasons)


@dataclass
class CoverageCell:
    day: Day
    count: int
    minimum: int
    preferred: int
    maximum: int | None

    @property
    def missing(self) -> int:
        return max(0, self.minimum - self.count)

    @property
    def state(self) -> str:
        if self.count < self.minimum:
            return "short"
        if self.count < self.preferred:
            return "under"
        if self.maximum is not None and self.count > self.maximum:
            return "over"
        return "ok"

    @property
    def title(self) -> str:
        text = f"{self.count} on duty; minimum {self.minimum}, preferred {self.preferred}"
        if self.maximum is not None:
            text += f", maximum {self.maximum}"
        if self.missing:
            text += f" — {self.missing} short"
        return text


@dataclass
class CoverageRow:
    shift: ShiftType
    label: str
    cells: list[CoverageCell | None]


@dataclass(frozen=True)
class KpiPanel:
    coverage_pct: float
    overtime_pct: float
    request_honoring_pct: float
    nights_spread: float
    weekends_spread: float
    hours_spread: float
    stability_pct: float | None
    short_slots: int
    missing_people: int
    published: Roster | None
    differs: int | None


@dataclass
class Grid:
    roster: Roster
    days: list[Day]
    rows: list[Row]
    coverage: list[CoverageRow]
    kpis: KpiPanel
    shift_types: list[ShiftType]
    can_manage: bool
    can_edit: bool
    run: SolverRun | None
    # Days (and shift types) of the period nobody set cover for: never "fully covered".
    cover_gaps: CoverGaps | None = None

    @property
    def legend(self) -> list[tuple[ShiftType, str, str]]:
        return [(t, safe_colour(t.colour), text_colour(t.colour)) for t in self.shift_types]


def roster_grid(roster: Roster, *, user: Any, today: dt.date) -> Grid:
    """Everything the roster grid shows, in a fixed number of queries."""
    unit = roster.unit
    start, end = roster.start_date, roster.end_date
    managed = set(access.managed_units(user).values_list("pk", flat=True))
    can_manage = unit.pk in managed
    me = access.staff_of(user)
    built = build_problem(site=unit.site, units=[unit], start_date=start, end_date=end)
    problem = built.problem
    shift_types = sorted(built.shift_types.values(), key=lambda t: (t.start_time, t.code))
    days = [
        Day(d, d.weekday() >= 5, d == today, d.day == 1 or d == start)
        for d in _days(start, end)
    ]

    assignments = list(
        roster.assignments.select_related("shift_type", "waiver", "staff__home_unit").order_by("date")
    )
    people: dict[int, Staff] = {
        p.pk: p for p in sorted(built.staff.values(), key=lambda p: (p.last_name, p.first_name, p.pk))
        if p.home_unit_id == unit.pk
    }
    guests = sorted(
        {a.staff_id: a.staff for a in assignments if a.staff_id not in people}.values(),
        key=lambda p: (not p.float_pool, p.last_name, p.first_name, p.pk),
    )
    for guest in guests:
        people[guest.pk] = guest
    ids = list(people)

    # Each person's shifts outside this roster version: the ones in force elsewhere and
    # those around the period (the rules look 8 days either side). The versions of this
    # unit's roster for the same days are replaced by this one, so they do not count.
    lo, hi = start - dt.timedelta(days=8), end + dt.timedelta(days=8)
    others = list(
        Assignment.objects.filter(staff_id__in=ids, live=True, date__range=(lo, hi))
        .exclude(roster=roster)
        .exclude(Q(roster__unit=unit) & Q(date__range=(start, end)))
        .select_related("shift_type", "roster__unit")
    )
    leave_rows = list(
        Leave.objects.filter(staff_id__in=ids, status=Leave.Status.APPROVED, start_date__lte=end, end_date__gte=start)
    )
    in_force = placement.RulesInForce([unit])

    def private(person: Staff) -> bool:
        return (me is not None and me.pk == person.pk) or person.home_unit_id in managed

    mine: dict[tuple[int, dt.date], Assignment] = {(a.staff_id, a.date): a for a in assignments}
    elsewhere: dict[tuple[int, dt.date], Assignment] = {(a.staff_id, a.date): a for a in others}
    leave: dict[tuple[int, dt.date], Leave] = {}
    for row in leave_rows:
        for d in _days(max(row.start_date, start), min(row.end_date, end)):
            leave[(row.staff_id, d)] = row
    shifts_of: dict[int, list[rules.Shift]] = defaultdict(list)
    for placed in [*assignments, *others]:
        shifts_of[placed.staff_id].append(rule_shift(placed))

    reference: dict[tuple[int, dt.date], str] | None = None
    if problem.reference_roster is not None and roster.status == Roster.Status.DRAFT:
        reference = {
            (int(r.staff), start + dt.timedelta(days=r.day)): r.shift for r in problem.reference_roster
        }

    period = [d.date for d in days]
    rows: list[Row] = []
    for person in people.values():
        cells: list[Cell] = []
        waived: list[str] = []
        minutes = count = 0
        for day in days:
            cell = Cell(day)
            a = mine.get((person.pk, day.date))
            if a is not None:
                cell.shift = a.shift_type
                cell.colour = safe_colour(a.shift_type.colour)
                cell.ink = text_colour(a.shift_type.colour)
                minutes += a.shift_type.duration_minutes
                count += 1
                if a.waiver is not None:
                    cell.waiver = f"Waiver: {a.waiver.labels}"
                    waived.append(f"{a.waiver.labels} on {day.date:%a %d %b}")
                    if private(person):
                        cell.waiver += f" — {a.waiver.reason}"
            off = leave.get((person.pk, day.date))
            if off is not None:
                if private(person):
                    cell.leave = off.get_kind_display() + (f": {off.reason}" if off.reason else "")
                else:
                    cell.leave = "On leave"
            other = elsewhere.get((person.pk, day.date))
            if other is not None and other.roster.unit_id != unit.pk:
                cell.elsewhere = f"Works {other.shift_type.code} in {other.roster.unit.name}"
            if reference is not None:
                was = reference.get((person.pk, day.date), "")
                now = a.shift_type.code if a is not None else ""
                cell.changed, cell.was = was != now, was
            cells.append(cell)
        risk, when = fatigue.peak_risk(shifts_of.get(person.pk, []), period, in_force.limits(person, unit))
        if person.home_unit_id == unit.pk:
            note = "Float pool" if person.float_pool else ""
        else:
            note = f"Float pool · {person.home_unit.name}" if person.float_pool else f"From {person.home_unit.name}"
        rows.append(Row(person, note, cells, risk, when, minutes, count, waived))

    current = _solver_assignments(roster, built, assignments)
    coverage, short_slots, missing = _coverage_rows(roster, built, current, days)
    kpis = compute_kpis(problem, current)
    published = (
        Roster.objects.filter(unit=unit, start_date=start, status=Roster.Status.PUBLISHED)
        .exclude(pk=roster.pk)
        .first()
    )
    differs = None
    if reference is not None:
        differs = sum(1 for row in rows for cell in row.cells if cell.changed)
    return Grid(
        roster=roster,
        days=days,
        rows=rows,
        coverage=coverage,
        kpis=KpiPanel(
            coverage_pct=round(kpis.coverage_ratio * 100, 1),
            overtime_pct=round(kpis.overtime_pct, 1),
            request_honoring_pct=round(kpis.request_honoring_pct, 1),
            nights_spread=kpis.nights_spread,
            weekends_spread=kpis.weekends_spread,
            hours_spread=round(kpis.hours_spread, 1),
            stability_pct=None if kpis.stability_pct is None else round(kpis.stability_pct, 1),
            short_slots=short_slots,
            missing_people=missing,
            published=published,
            differs=differs,
        ),
        shift_types=shift_types,
        can_manage=can_manage,
        can_edit=can_manage and roster.status == Roster.Status.DRAFT,
        run=roster.solver_runs.order_by("-created_at").first(),
        cover_gaps=cover_gaps(unit, roster.start_date, roster.end_date),
    )


def _coverage_rows(
    roster: Roster, built: Built, current: list[sp.Assignment], days: list[Day]
) -> tuple[list[CoverageRow], int, int]:
    """One row per shift type and requirement (RN, charge nurse, ACLS…), one cell a day."""
    problem = built.problem
    unit_id = str(roster.unit_id)
    by_slot: dict[tuple[int, str], set[str]] = defaultdict(set)
    for a in current:
        by_slot[(a.day, a.shift)].add(a.staff)
    order = {code: i for i, code in enumerate(sorted(built.shift_types, key=lambda c: built.shift_types[c].start_time))}
    rows: dict[tuple[str, str], CoverageRow] = {}
    short_slots: set[tuple[int, str]] = set()
    missing = 0
    for req in problem.coverage:
        if req.unit != unit_id or not 0 <= req.day < len(days):
            continue
        key = (req.shift, req.label)
        row = rows.get(key)
        if row is None:
            row = rows[key] = CoverageRow(built.shift_types[req.shift], req.label, [None] * len(days))
        cell = CoverageCell(
            days[req.day], _count(problem, req, by_slot), req.minimum, req.preferred or req.minimum, req.maximum
        )
        row.cells[req.day] = cell
        if cell.missing:
            short_slots.add((req.day, req.shift))
            missing += cell.missing
    ordered = sorted(rows.values(), key=lambda r: order.get(r.shift.code, 99))
    return ordered, len(short_slots), missing


# --- why a slot is short ----------------------------------------------------------------


@dataclass(frozen=True)
class CandidateView:
    person: Staff | None
    name: str
    available: bool
    reasons: list[str]


@dataclass(frozen=True)
class RequirementView:
    label: str
    count: int
    minimum: int
    preferred: int
    candidates: list[CandidateView]

    @property
    def missing(self) -> int:
        return max(0, self.minimum - self.count)


@dataclass(frozen=True)
class SlotExplanation:
    roster: Roster
    day: dt.date
    shift: ShiftType
    requirements: list[RequirementView]
    # Open shifts offered for this slot on the unit (open or taken), for a roster in force.
    offers: list[OpenShift] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.requirements)


def slot_explanation(roster: Roster, *, day: dt.date, shift_type: ShiftType) -> SlotExplanation:
    """For each requirement of one (day, shift) that the roster as it stands leaves short:
    everyone who holds what it needs and, for each, the hard rules that stop them."""
    unit = roster.unit
    built = build_problem(site=unit.site, units=[unit], start_date=roster.start_date, end_date=roster.end_date)
    problem = built.problem
    assignments = list(roster.assignments.select_related("shift_type"))
    current = _solver_assignments(roster, built, assignments)
    by_slot: dict[tuple[int, str], set[str]] = defaultdict(set)
    for a in current:
        by_slot[(a.day, a.shift)].add(a.staff)
    index = (day - roster.start_date).days
    views = []
    for req in problem.coverage:
        if (req.day, req.shift, req.unit) != (index, shift_type.code, str(unit.pk)):
            continue
        count = _count(problem, req, by_slot)
        candidates: list[CandidateView] = []
        if count < req.minimum:
            explained = explain_requirement(problem, current, req, req.minimum - count)
            for c in explained.candidates:
                person = built.staff.get(c.staff)
                candidates.append(
                    CandidateView(
                        person=person,
                        name=str(person) if person else c.staff,
                        available=c.available,
                        reasons=[dated(b.reason, roster.start_date) for b in c.blockers],
                    )
                )
            candidates.sort(key=lambda c: (not c.available, c.name))
        views.append(RequirementView(req.label, count, req.minimum, req.preferred or req.minimum, candidates))
    views.sort(key=lambda v: (v.missing == 0, v.label))
    offers = list(
        OpenShift.objects.filter(roster__unit=unit, date=day, shift_type=shift_type,
                                 status__in=[OpenShift.Status.OPEN, OpenShift.Status.CLAIMED])
        .select_related("claimed_by", "skill", "certification_type").order_by("created_at")
    ) if roster.status == Roster.Status.PUBLISHED else []
    return SlotExplanation(roster, day, shift_type, views, offers)


# --- one cell's editor -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    shift: ShiftType
    colour: str
    ink: str
    breaches: list[rules.Breach]


@dataclass(frozen=True)
class CellEditor:
    roster: Roster
    person: Staff
    day: dt.date
    current: Assignment | None
    options: list[Option]
    leave: str
    elsewhere: str


def cell_editor(roster: Roster, *, person: Staff, day: dt.date, user: Any) -> CellEditor:
    """The cell's current shift and, for each shift type, the hard rules it would break
    (the same check the service makes when the change is submitted)."""
    current = (
        Assignment.objects.filter(roster=roster, staff=person, date=day).select_related("shift_type", "waiver").first()
    )
    options = [
        Option(
            shift=t,
            colour=safe_colour(t.colour),
            ink=text_colour(t.colour),
            breaches=check_assignment(
                staff=person, roster=roster, shift_type=t, day=day, exclude_pk=current.pk if current else None
            ),
        )
        for t in ShiftType.objects.filter(site_id=roster.unit.site_id).order_by("start_time", "code")
    ]
    off = Leave.objects.filter(
        staff=person, status=Leave.Status.APPROVED, start_date__lte=day, end_date__gte=day
    ).first()
    leave = ""
    if off is not None:
        leave = f"{off.get_kind_display()}" + (f": {off.reason}" if off.reason and access.can_see_private(user, person) else "")
    other = (
        Assignment.objects.filter(staff=person, live=True, date=day)
        .exclude(roster__unit_id=roster.unit_id)
        .select_related("shift_type", "roster__unit")
        .first()
    )
    elsewhere = f"Works {other.shift_type.code} in {other.roster.unit.name}" if other else ""
    return CellEditor(roster, person, day, current, options, leave, elsewhere)


# --- a run's result ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunShortfall:
    date: dt.date
    shift: str
    unit: str
    needs: str
    missing: int
    candidates: list[dict[str, Any]]
    href: str


def run_shortfalls(run: SolverRun, rosters: list[Roster], *, grid_url: Any) -> list[RunShortfall]:
    """The shortfalls a run reported, each linked to its slot on the roster it produced."""
    report = (run.result or {}).get("shortfalls") or []
    if not report:
        return []
    by_unit = {r.unit_id: r for r in rosters}
    shift_pk = dict(ShiftType.objects.filter(site_id=run.site_id).values_list("code", "pk"))
    out = []
    for item in report:
        day = dt.date.fromisoformat(item["date"])
        roster = by_unit.get(item.get("unit_id"))
        href = ""
        if roster is not None and item["shift"] in shift_pk:
            href = f"{grid_url(roster.pk)}?slot={day.isoformat()}:{shift_pk[item['shift']]}"
        out.append(
            RunShortfall(
                date=day,
                shift=item["shift"],
                unit=item.get("unit", ""),
                needs=item.get("needs", ""),
                missing=int(item.get("missing", 0)),
                candidates=[
                    {"name": c.get("name", ""), "reasons": [dated(r, run.start_date) for r in c.get("reasons", [])]}
                    for c in item.get("candidates", [])
                ],
                href=href,
            )
        )
    return out
