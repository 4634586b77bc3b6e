"""Roster generation: the adapter between the database and the CP-SAT solver.

``build_problem`` turns rows (staff, contracts, leave, coverage, fatigue rules, the
roster in force) into the solver's plain dataclasses; ``solver_run_execute`` runs the
solver with live progress written to a SolverRun row and writes the answer back as new
draft roster versions. The solver itself knows nothing of Django.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import cover_templates, placement, queue, rulebook, unrostered
from .access import can_manage_unit, managed_sites
from .audit import audit_record, snapshot
from .errors import Conflict, DomainError, NotAllowed
from .models import (
    Assignment,
    Certification,
    ContractShiftLimit,
    CoverageRequirement,
    Leave,
    Preference,
    Roster,
    ShiftType,
    Site,
    SolverRun,
    Staff,
    Unit,
)
from .solver import problem as sp
from .solver.explain import explain
from .solver.search import solve
from .timeutil import check_days, shift_interval, true_minutes
from .versions import version_number

HISTORY_DAYS = 7
# The rules look 8 days either side of a shift (rest, 7-day hours, runs of days).
AFTER_DAYS = 8
SENIOR_YEARS = 5
# Coverage above the minimum is soft: a missing person below "preferred" costs this much,
# one above it a little (overtime and fairness weigh against overstaffing too).
PREFERRED_WEIGHT_UNDER = 8
PREFERRED_WEIGHT_OVER = 2


@dataclass
class Built:
    """A problem and the maps needed to write its answer back."""

    problem: sp.Problem
    units: dict[str, Unit]
    staff: dict[str, Staff]
    shift_types: dict[str, ShiftType]
    site: Site


def _fatigue(home: rulebook.FatigueSettings | None) -> sp.FatigueRules:
    """A person's limits between and across shifts, from the rulebook (the contract's
    part is the solver's own ``Contract``); the per-shift limit is each unit's own
    (:func:`_shift_limit`)."""
    limits = rulebook.limits_for(home=home, working=home)
    return sp.FatigueRules(
        max_shift_minutes=limits.max_shift_minutes,
        min_rest_minutes=limits.min_rest_minutes,
        max_minutes_7_days=limits.max_minutes_7_days,
        max_consecutive_days=limits.max_consecutive_days,
        max_consecutive_nights=limits.max_consecutive_nights,
    )


def _shift_limit(working: rulebook.FatigueSettings | None) -> int:
    """The longest shift anyone may work in a unit with these rules (the rulebook)."""
    return rulebook.limits_for(home=None, working=working).max_shift_minutes


def _timing(
    shift_rows: Sequence[ShiftType], start_date: dt.date, first: int, last: int, tz: str
) -> dict[tuple[int, str], tuple[int, int]]:
    """The real start and length of every shift a clock change moves or stretches, in
    elapsed minutes from local midnight of day 0 (the solver's ``Problem.timing``)."""
    origin = shift_interval(start_date, dt.time(0, 0), 0, tz)[0]
    out: dict[tuple[int, str], tuple[int, int]] = {}
    for d in range(first, last + 1):
        day = start_date + dt.timedelta(days=d)
        for t in shift_rows:
            starts_at, ends_at = shift_interval(day, t.start_time, t.duration_minutes, tz)
            real = (int((starts_at - origin).total_seconds() // 60), true_minutes(starts_at, ends_at))
            nominal = (d * 1440 + t.start_time.hour * 60 + t.start_time.minute, t.duration_minutes)
            if real != nominal:
                out[(d, t.code)] = real
    return out


def build_problem(
    *, site: Site, units: list[Unit], start_date: dt.date, end_date: dt.date, name: str = ""
) -> Built:
    """The rostering problem of ``units`` (all of one site) for the period.

    Staff are the units' own people plus the site's float pool. Days a person already
    works elsewhere (a roster in force outside these units) are blocked, as are approved
    leave and the days after an expired certification; the week before the period is
    history, so rest and rolling hours hold across the period start.
    """
    num_days = (end_date - start_date).days + 1
    unit_ids = {u.pk for u in units}

    def index(day: dt.date) -> int:
        return (day - start_date).days

    shift_rows = list(ShiftType.objects.filter(site=site))
    shift_types = {t.code: t for t in shift_rows}
    by_pk = {t.pk: t.code for t in shift_rows}
    sp_shifts = tuple(
        sp.ShiftType(
            id=t.code,
            length_minutes=t.duration_minutes,
            start_minute=t.start_time.hour * 60 + t.start_time.minute,
            is_night=t.is_night,
            label=t.name,
        )
        for t in shift_rows
    )
    people = list(
        Staff.objects.filter(active=True)
        .filter(reduce(operator.or_, (placement.who_may_work_in(u) for u in units), Q(pk__in=[])))
        .select_related("contract", "home_unit")
        .prefetch_related("skills")
        .order_by("pk")
    )
    placement.load_cross_training(people)
    in_force = placement.RulesInForce([*units, *(p.home_unit for p in people)])
    staff_ids = [p.pk for p in people]
    limits: dict[int, dict[str, int]] = defaultdict(dict)
    for limit in ContractShiftLimit.objects.filter(shift_type__site=site).select_related("shift_type"):
        limits[limit.contract_id][limit.shift_type.code] = limit.max_shifts

    certs: dict[int, dict[str, int | None]] = defaultdict(dict)
    for cert in Certification.objects.filter(staff__in=staff_ids).select_related("type"):
        if cert.expires is not None and cert.expires < start_date:
            continue
        if cert.issued > end_date:
            continue
        last = None if cert.expires is None or cert.expires >= end_date else index(cert.expires) + 1
        current = certs[cert.staff_id].get(cert.type.code, 0)
        # Several certificates of one type: keep the one valid longest.
        certs[cert.staff_id][cert.type.code] = None if last is None or current is None else max(last, current)

    days_off: dict[int, dict[int, str]] = defaultdict(dict)
    for leave in Leave.objects.filter(
        staff__in=staff_ids, status=Leave.Status.APPROVED, start_date__lte=end_date, end_date__gte=start_date
    ):
        day = max(leave.start_date, start_date)
        while day <= min(leave.end_date, end_date):
            days_off[leave.staff_id][index(day)] = f"{leave.get_kind_display().lower()}"
            day += dt.timedelta(days=1)

    # Shifts in force outside the problem count in every rule across shifts: the week
    # before (history), other units' shifts during the period and every shift in force
    # in the days just after it (fixed) — the same shifts a manual edit is checked with.
    history: dict[int, list[str | None]] = {pk: [None] * HISTORY_DAYS for pk in staff_ids}
    fixed: dict[int, dict[int, str]] = defaultdict(dict)
    live = Assignment.objects.filter(
        staff__in=staff_ids, live=True, date__gte=start_date - dt.timedelta(days=HISTORY_DAYS),
        date__lte=end_date + dt.timedelta(days=AFTER_DAYS),
    ).select_related("roster")
    for a in live:
        if a.date < start_date:
            history[a.staff_id][HISTORY_DAYS + (a.date - start_date).days] = by_pk.get(a.shift_type_id)
        elif a.date > end_date or a.roster.unit_id not in unit_ids:
            fixed[a.staff_id][index(a.date)] = by_pk[a.shift_type_id]

    sp_staff = []
    for p in people:
        contract = p.contract
        sp_contract = sp.Contract()
        if contract is not None:
            factor = num_days / contract.period_days
            sp_contract = sp.Contract(
                max_shifts_per_type=dict(limits.get(contract.pk, {})),
                min_total_minutes=math.floor(contract.min_minutes * factor),
                max_total_minutes=math.ceil(contract.max_minutes * factor),
                min_consecutive_work_days=contract.min_consecutive_days,
                max_consecutive_work_days=contract.max_consecutive_days,
                min_consecutive_days_off=contract.min_consecutive_days_off,
                max_weekends=math.ceil(contract.max_weekends * factor),
                unavailable_weekdays=frozenset((int(d) - 1) % 7 for d in contract.unavailable_weekdays),
            )
        allowed = frozenset(str(u.pk) for u in units if placement.may_work_in(p, u))
        sp_staff.append(
            sp.Staff(
                id=str(p.pk),
                role=p.role,
                skills=frozenset(s.code for s in p.skills.all()),
                certifications=certs.get(p.pk, {}),
                fte=float(p.fte),
                seniority=p.seniority_years,
                home_unit=str(p.home_unit_id),
                allowed_units=allowed,
                contract=sp_contract,
                days_off=days_off.get(p.pk, {}),
                day_off_rules={d: rulebook.LEAVE for d in days_off.get(p.pk, {})},
                history=tuple(history[p.pk]),
                fatigue=_fatigue(in_force.settings(p.home_unit_id)),
                fixed=fixed.get(p.pk, {}),
            )
        )

    coverage = []
    for req in CoverageRequirement.objects.filter(
        unit__in=units, date__range=(start_date, end_date)
    ).select_related("shift_type", "skill", "certification_type"):
        coverage.append(
            sp.CoverageRequirement(
                day=index(req.date),
                shift=req.shift_type.code,
                minimum=req.minimum,
                preferred=req.preferred,
                maximum=req.maximum,
                unit=str(req.unit_id),
                roles=frozenset({req.role}) if req.role else frozenset(),
                skills=frozenset({req.skill.code}) if req.skill else frozenset(),
                certifications=frozenset({req.certification_type.code}) if req.certification_type else frozenset(),
                priority=req.priority,
                weight_under=PREFERRED_WEIGHT_UNDER,
                weight_over=PREFERRED_WEIGHT_OVER if req.role else 0,
                label=str(req.role or req.skill or req.certification_type),
            )
        )

    requests = [
        sp.ShiftRequest(
            staff=str(pref.staff_id),
            day=index(pref.date),
            shift=by_pk.get(pref.shift_type_id) if pref.shift_type_id else None,
            on=pref.kind == Preference.Kind.ON,
            weight=pref.weight,
        )
        for pref in Preference.objects.filter(
            staff__in=staff_ids, date__range=(start_date, end_date)
        ).exclude(status=Preference.Status.DECLINED)
    ]

    published = Assignment.objects.filter(
        roster__unit__in=units, roster__status=Roster.Status.PUBLISHED, date__range=(start_date, end_date)
    ).select_related("roster")
    reference = tuple(
        sp.Assignment(str(a.staff_id), index(a.date), by_pk[a.shift_type_id], str(a.roster.unit_id))
        for a in published
    )
    problem = sp.Problem(
        num_days=num_days,
        shift_types=sp_shifts,
        staff=tuple(sp_staff),
        coverage=tuple(coverage),
        requests=tuple(requests),
        units=tuple(
            sp.Unit(id=str(u.pk), name=u.name,
                    max_shift_minutes=_shift_limit(in_force.settings(u.pk)))
            for u in units
        ),
        name=name or f"{site.code} {start_date}",
        start_date=start_date,
        fatigue=_fatigue(in_force.settings(units[0].pk) if units else None),
        timing=_timing(shift_rows, start_date, -HISTORY_DAYS, num_days - 1 + AFTER_DAYS, site.timezone),
        reference_roster=reference or None,
        senior_min_seniority=SENIOR_YEARS,
    )
    return Built(
        problem=problem,
        units={str(u.pk): u for u in units},
        staff={str(p.pk): p for p in people},
        shift_types=shift_types,
        site=site,
    )


# --- requesting, running and cancelling --------------------------------------------

@transaction.atomic
def solver_run_request(
    *,
    actor: Any,
    site: Site,
    unit: Unit | None,
    start_date: dt.date,
    end_date: dt.date,
    time_limit_seconds: int = 30,
    seed: int = 0,
) -> SolverRun:
    """Queue a roster generation for a unit, or for a whole site at once.

    The task is queued only after this transaction commits, so the worker always finds
    the row.
    """
    if unit is not None:
        if unit.site_id != site.pk:
            raise DomainError("This unit belongs to another site.", field="unit")
        if not can_manage_unit(actor, unit.pk):
            raise NotAllowed("You may not generate rosters for this unit.", field="unit")
    elif not managed_sites(actor).filter(pk=site.pk).exists():
        raise NotAllowed("Only a coordinator of this site may generate every unit at once.", field="site")
    check_days(start_date=start_date, end_date=end_date)
    if end_date < start_date:
        raise DomainError("The period must end on or after its start.", field="end_date")
    if (end_date - start_date).days >= 63:
        raise DomainError("A roster covers at most 9 weeks.", field="end_date")
    longest = settings.SOLVER_MAX_SECONDS
    if not 1 <= time_limit_seconds <= longest:
        raise DomainError(f"The time limit must be between 1 and {longest} seconds.", field="time_limit_seconds")
    # One generation at a time for any unit and day: a second click, or a colleague at
    # the same moment, would only race the first for the same cores and leave two drafts.
    # The site's row lock makes the check and the insert one step for every request.
    Site.objects.select_for_update().get(pk=site.pk)
    busy = SolverRun.objects.filter(
        site=site, status__in=[SolverRun.Status.QUEUED, SolverRun.Status.RUNNING], cancel_requested=False,
        start_date__lte=end_date, end_date__gte=start_date,
    )
    if unit is not None:
        busy = busy.filter(Q(unit=unit) | Q(unit__isnull=True))
    if busy.exists():
        raise Conflict(
            "A roster for this period is already being generated: wait for it, or stop it first.",
            field="start_date",
        )
    # One person cannot fill the worker with long searches: a few at a time each. Their
    # login's row lock makes the count and the insert one step, whichever site.
    get_user_model().objects.select_for_update().get(pk=actor.pk)
    mine = SolverRun.objects.filter(
        requested_by=actor, status__in=[SolverRun.Status.QUEUED, SolverRun.Status.RUNNING], cancel_requested=False,
    ).count()
    if mine >= settings.SOLVER_MAX_RUNS_PER_USER:
        raise Conflict(
            f"You already have {mine} roster generations queued or running; wait for one to finish or stop it.",
            field="time_limit_seconds",
        )
    # Each unit's weekly cover fills the days of the period it does not yet cover
    # (never over a date's own cover): a period nobody prepared gets the usual week.
    if end_date >= timezone.localdate():
        for each in [unit] if unit is not None else Unit.objects.filter(site=site).order_by("pk"):
            cover_templates.template_apply(actor=actor, unit=each, start_date=start_date, end_date=end_date,
                                           check_access=False)
    run = SolverRun.objects.create(
        site=site, unit=unit, start_date=start_date, end_date=end_date,
        time_limit_seconds=time_limit_seconds, seed=seed, requested_by=actor,
    )
    audit_record(actor=actor, action="solver_run.request", obj=run, after=snapshot(run))
    queue.after_commit(queue.GENERATE_ROSTER, run.pk)
    return run


@transaction.atomic
def solver_run_cancel(*, actor: Any, run: SolverRun) -> SolverRun:
    run = SolverRun.objects.select_for_update().get(pk=run.pk)
    if not (can_manage_unit(actor, run.unit_id) if run.unit_id else managed_sites(actor).filter(pk=run.site_id).exists()):
        raise NotAllowed("You may not cancel this run.", field="run")
    if run.finished:
        return run
    run.cancel_requested = True
    if run.status == SolverRun.Status.QUEUED:
        run.status = SolverRun.Status.CANCELLED
        run.finished_at = timezone.now()
    run.save(update_fields=["cancel_requested", "status", "finished_at"])
    audit_record(actor=actor, action="solver_run.cancel", obj=run)
    return run


# A run whose worker has said nothing for this long is taken to be dead: its message
# comes back (late acknowledgement) and another worker may take it over.
STALE_AFTER = dt.timedelta(seconds=60)


def _claim(run_id: int) -> bool:
    """Claim a run for this worker with a conditional update; False if someone has it."""
    now = timezone.now()
    claimable = Q(status=SolverRun.Status.QUEUED) | Q(
        status=SolverRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    return (
        SolverRun.objects.filter(claimable, pk=run_id, cancel_requested=False).update(
            status=SolverRun.Status.RUNNING, started_at=now, heartbeat_at=now
        )
        == 1
    )


def solver_run_execute(run_id: int) -> str:
    """Run one queued generation to the end. Safe to call twice: a finished or claimed
    run is left alone. Returns the run's final status."""
    if not _claim(run_id):
        return SolverRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or "missing"
    run = SolverRun.objects.select_related("site", "unit").get(pk=run_id)
    units = [run.unit] if run.unit else list(Unit.objects.filter(site=run.site).order_by("pk"))
    try:
        built = build_problem(site=run.site, units=units, start_date=run.start_date, end_date=run.end_date)
        hint = _hint(built, units, run.start_date, run.end_date)
        last_check = [0.0]
        stop = [False]

        def progress(solutions: int, objective: float, bound: float, elapsed: float) -> None:
            SolverRun.objects.filter(pk=run_id).update(
                solutions=solutions, objective=objective,
                bound=bound if math.isfinite(bound) else None,
                elapsed_seconds=round(elapsed, 2), heartbeat_at=timezone.now(),
            )

        def should_stop() -> bool:
            # Poll the cancel flag at most twice a second: the solver asks far more often.
            now = time.monotonic()
            if now - last_check[0] >= 0.5:
                last_check[0] = now
                stop[0] = SolverRun.objects.filter(pk=run_id, cancel_requested=True).exists()
            return stop[0]

        result = solve(
            built.problem,
            sp.SolveOptions(
                time_limit_s=run.time_limit_seconds, num_workers=2, seed=run.seed,
                hint=hint, progress=progress, should_stop=should_stop,
            ),
        )
        cancelled = stop[0]
        _write_back(run, built, result, units, cancelled=cancelled)
    except Exception as exc:
        SolverRun.objects.filter(pk=run_id).update(
            status=SolverRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    return SolverRun.objects.values_list("status", flat=True).get(pk=run_id)


def _hint(built: Built, units: list[Unit], start: dt.date, end: dt.date) -> tuple[sp.Assignment, ...] | None:
    """Warm start from the latest version of each unit's roster for the period."""
    hint: list[sp.Assignment] = []
    for unit in units:
        latest = Roster.objects.filter(unit=unit, start_date=start).exclude(status=Roster.Status.ARCHIVED).order_by("-version").first()
        if latest is None:
            continue
        for a in latest.assignments.select_related("shift_type"):
            if str(a.staff_id) in built.staff and start <= a.date <= end:
                hint.append(sp.Assignment(str(a.staff_id), (a.date - start).days, a.shift_type.code, str(unit.pk)))
    return tuple(hint) or None


def _shortfall_report(built: Built, result: sp.SolveResult) -> list[dict[str, Any]]:
    start = built.problem.start_date
    assert start is not None
    report = []
    for item in explain(built.problem, result.assignments):
        req = item.requirement
        report.append(
            {
                "date": (start + dt.timedelta(days=req.day)).isoformat(),
                "shift": req.shift,
                "unit": built.units[req.unit].name if req.unit in built.units else "",
                "unit_id": int(req.unit) if req.unit else None,
                "needs": req.label,
                "missing": item.missing,
                "candidates": [
                    {
                        "staff_id": int(c.staff),
                        "name": str(built.staff[c.staff]) if c.staff in built.staff else c.staff,
                        "reasons": [b.reason for b in c.blockers],
                    }
                    for c in item.candidates
                ],
            }
        )
    return report


def _no_longer_free(assignments: Sequence[sp.Assignment], start: dt.date, end: dt.date) -> dict[tuple[str, int], str]:
    """Shifts of the solver's roster their person can no longer work: leave approved, or
    the person marked as having left, while the run was solving (it read the data as it
    was when it started). (staff, day) → why; these are left out of the draft."""
    ids = {int(a.staff) for a in assignments}
    if not ids:
        return {}
    gone = set(Staff.objects.filter(pk__in=ids, active=False).values_list("pk", flat=True))
    leave: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for staff_id, lo, hi in Leave.objects.filter(
        staff_id__in=ids, status=Leave.Status.APPROVED, start_date__lte=end, end_date__gte=start
    ).values_list("staff_id", "start_date", "end_date"):
        leave[staff_id].append((lo, hi))
    found: dict[tuple[str, int], str] = {}
    for a in assignments:
        day = start + dt.timedelta(days=a.day)
        if int(a.staff) in gone:
            found[(a.staff, a.day)] = "no longer active"
        elif any(lo <= day <= hi for lo, hi in leave.get(int(a.staff), [])):
            found[(a.staff, a.day)] = "on leave approved during the run"
    return found


@transaction.atomic
def _write_back(run: SolverRun, built: Built, result: sp.SolveResult, units: list[Unit], *, cancelled: bool) -> None:
    run = SolverRun.objects.select_for_update().get(pk=run.pk)
    if run.finished:
        return  # written by an earlier attempt of this same run
    actor = run.requested_by
    start, end = run.start_date, run.end_date
    tz = built.site.timezone
    created: list[Roster] = []
    left_out = _no_longer_free(result.assignments, start, end)
    if result.assignments:
        by_unit: dict[str, list[sp.Assignment]] = defaultdict(list)
        for a in result.assignments:
            if (a.staff, a.day) not in left_out:
                by_unit[a.unit or str(units[0].pk)].append(a)
        for unit in units:
            version = version_number(unit, start)  # locks the unit first
            published = Roster.objects.filter(unit=unit, start_date=start, status=Roster.Status.PUBLISHED).first()
            roster = Roster.objects.create(
                unit=unit, start_date=start, end_date=end,
                version=version,
                based_on=published, created_by=actor,
            )
            rows = []
            for a in by_unit.get(str(unit.pk), []):
                shift = built.shift_types[a.shift]
                day = start + dt.timedelta(days=a.day)
                starts_at, ends_at = shift_interval(day, shift.start_time, shift.duration_minutes, tz)
                rows.append(
                    Assignment(
                        roster=roster, staff_id=int(a.staff), shift_type=shift, date=day,
                        starts_at=starts_at, ends_at=ends_at, live=False,
                    )
                )
            Assignment.objects.bulk_create(rows)
            audit_record(
                actor=actor, action="roster.generate", obj=roster, after=snapshot(roster),
                rationale=f"Solver run {run.pk}: {result.status}, {len(rows)} shifts",
            )
            created.append(roster)
        run.rosters.set(created)
    kpis = result.kpis
    run.result = {
        "breakdown": result.breakdown,
        "kpis": {
            # No cover asked for at all: no percentage (never "100 %" over empty days).
            "coverage_pct": round(kpis.coverage_ratio * 100, 1) if built.problem.coverage else None,
            "overtime_pct": round(kpis.overtime_pct, 1),
            "request_honoring_pct": round(kpis.request_honoring_pct, 1),
            "nights_spread": kpis.nights_spread,
            "weekends_spread": kpis.weekends_spread,
            "hours_spread": round(kpis.hours_spread, 1),
            "stability_pct": None if kpis.stability_pct is None else round(kpis.stability_pct, 1),
        }
        if kpis
        else None,
        "shortfalls": _shortfall_report(built, result) if result.shortfalls else [],
        "shortfall_unit": result.shortfall_unit,
        # Days nobody set cover for: said by name on the run page, never "fully covered".
        "no_cover": [gaps.as_dict() for u in units if (gaps := cover_templates.cover_gaps(u, start, end))],
        # The units' own people the roster gives no shift at all, and why.
        "without_shifts": [
            idle.as_dict() for idle in unrostered.without_shifts(
                built, [a for a in result.assignments if (a.staff, a.day) not in left_out], units)
        ],
        "left_out": [
            {"date": (start + dt.timedelta(days=a.day)).isoformat(), "shift": a.shift,
             "name": str(built.staff[a.staff]) if a.staff in built.staff else a.staff,
             "why": left_out[(a.staff, a.day)]}
            for a in sorted(result.assignments, key=lambda a: (a.day, a.shift, a.staff))
            if (a.staff, a.day) in left_out
        ],
    }
    run.solver_status = result.status
    run.objective = result.objective
    run.bound = result.bound
    run.gap = result.gap
    run.solutions = result.num_solutions
    run.elapsed_seconds = round(result.solve_seconds, 2)
    run.finished_at = timezone.now()
    if not result.assignments and result.status in ("infeasible", "unknown"):
        run.status = SolverRun.Status.FAILED
        run.error = (
            "The hard rules contradict one another (for example a contract minimum that leave makes impossible)."
            if result.status == "infeasible"
            else "No roster was found within the time limit; allow more time."
        )
    else:
        run.status = SolverRun.Status.CANCELLED if cancelled else SolverRun.Status.SUCCEEDED
    run.save()
