"""Model-predictive redeployment: re-plan, recommend the first hour's moves, decide them.

* :func:`replan` builds the problem from live data (``allocation.redeploy_adapter``),
  solves it (``allocation.redeploy``) and turns the moves that start in the first epoch
  into :class:`Recommendation` rows, each with its tradeoff at both ends, its shadow price
  and a one-sentence rationale. Later epochs' moves are only the plan: the next re-plan
  decides them with newer data.
* :func:`triggers` says whether anything happened worth re-planning before the hourly
  cadence (a unit changed zone, demand jumped, someone called out), with hysteresis: a
  scope is re-planned on a trigger at most once every ``HOLD``; a demand change smaller
  than ``DEMAND_JUMP`` people (or a quarter) is no jump; a zone that returns to what it was
  at the last plan is no change.
* Recommendations keep still: a move already waiting is not proposed again; a move a
  coordinator declined is not proposed again for ``QUIET``; a move that would undo one
  approved within ``QUIET`` is not proposed (no flip-flop).
* :func:`decide` approves or declines, by a coordinator with authority over both ends,
  audited with the reason. An approved staff move becomes a real shift in the receiving
  unit through roster's write functions (every rule checked; the shift at home is taken
  off, the person and the home unit's managers told); an approved equipment move
  dispatches the device (``assets.custody``), in transit until it arrives.
* A move of a skilled resource (``RN·icu``) is one of a person holding the skill: at
  approval the person must still hold it. A move from an on-call facility calls the
  person in: approving it gives them the receiving unit's shift running when they arrive
  (``assignment_create``: every rule checked, as for any shift put in by hand), tells them
  (in the app, and by text message as backfill's offers are sent) and the unit's managers, and they count on shift from then on. The recommendation
  says so ("on call, called in") and arrives ``CALL_IN_EPOCHS`` after the call. Call-ins
  are recommended by the site's own plan only: the network's plan counts on-call staff
  (so it does not ask another site for what a call-in covers) but leaves the call to the
  site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from assets import custody
from roster import access, placement
from roster.audit import snapshot
from roster.editing import assignment_create, assignment_delete
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import Access, Assignment, AuditEvent, Roster, ShiftType, Site, Staff, Unit
from roster.notifications import notify_managers, notify_staff

from .backfill import sms
from .models.backfill import OnCall
from .models.redeploy import Recommendation, RedeployRun
from .redeploy import Result, SolveOptions, result_to_dict, solve
from .redeploy_adapter import (
    BEDS,
    EQ,
    Built,
    Mobile,
    after_staff_move,
    build,
    equipment_shortfall,
    previous_run,
    shifts_running,
    skill_of,
    staff_shortfall,
)

# Task names (run by beat; the schedule is in the settings).
REPLAN = "allocation.redeploy_tasks.redeploy_replan"
REPLAN_ALL = "allocation.redeploy_tasks.redeploy_watch"
HOLD = dt.timedelta(minutes=20)
CADENCE = dt.timedelta(minutes=55)
QUIET = dt.timedelta(hours=2)
DEMAND_JUMP = 2
WITHIN_SITE_MINUTES = 15
SOLVE_SECONDS = 10.0
Level = Access.Level
DECIDERS = (Level.SITE_COORDINATOR, Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR)


# --- who sees and decides ---------------------------------------------------------------

def visible_recommendations(user: Any) -> QuerySet[Recommendation]:
    """Coordinators see the moves to or from their sites; regional coordinators all."""
    if access.level_of(user) not in DECIDERS:
        return Recommendation.objects.none()
    rows = Recommendation.objects.select_related("origin_site", "destination_site", "origin_unit",
                                                 "destination_unit", "staff", "item", "decided_by")
    if access.is_network_wide(user):
        return rows
    sites = access.managed_sites(user)
    return rows.filter(Q(origin_site__in=sites) | Q(destination_site__in=sites))


def can_decide(user: Any, rec: Recommendation) -> bool:
    """Authority over both ends: a regional coordinator, or a site coordinator of both sites."""
    if access.level_of(user) not in DECIDERS:
        return False
    if access.is_network_wide(user):
        return True
    sites = set(access.managed_sites(user).values_list("pk", flat=True))
    return rec.origin_site_id in sites and rec.destination_site_id in sites


def can_plan(user: Any, site: Site | None) -> bool:
    if access.level_of(user) not in DECIDERS:
        return False
    if access.is_network_wide(user):
        return True
    return site is not None and access.managed_sites(user).filter(pk=site.pk).exists()


# --- the audit log, at both ends -----------------------------------------------------

def audit_both(*, actor: Any, action: str, obj: Any, sites: Sequence[int], after: dict[str, Any] | None = None,
               rationale: str = "") -> None:
    """One audit row per site involved, so each site's coordinators see the step."""
    for site_id in dict.fromkeys(sites):
        AuditEvent.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None, action=action,
            object_type=obj._meta.label, object_id=str(obj.pk), site_id=site_id, unit=None,
            before=None, after=after, rationale=rationale[:1000])


# --- triggers with hysteresis ------------------------------------------------------------

def triggers(site: Site | None, fingerprint: dict[str, Any], now: dt.datetime) -> tuple[str, str]:
    """(trigger, why) when the scope should be re-planned now, else ("", why not)."""
    prev = previous_run(site)
    if prev is None:
        return RedeployRun.Trigger.CADENCE, "no plan yet"
    age = now - prev.started_at
    if age >= CADENCE:
        return RedeployRun.Trigger.CADENCE, "the hourly re-plan"
    if age < HOLD:
        return "", f"re-planned {int(age.total_seconds() // 60)} min ago"
    last = prev.fingerprint or {}
    before_zones = last.get("zones", {})
    changed = [unit for unit, zone in fingerprint.get("zones", {}).items() if before_zones.get(unit, zone) != zone]
    if changed:
        return RedeployRun.Trigger.ZONE, f"{', '.join(sorted(changed))} changed zone"
    before_demand = last.get("demand", {})
    for cell, value in fingerprint.get("demand", {}).items():
        old = before_demand.get(cell, value)
        if abs(value - old) >= max(DEMAND_JUMP, 0.25 * old):
            return RedeployRun.Trigger.DEMAND, f"demand at {cell} went from {old:g} to {value:g}"
    before_shift = last.get("on_shift", {})
    for cell, value in before_shift.items():
        if fingerprint.get("on_shift", {}).get(cell, 0) < value and \
                fingerprint.get("demand", {}).get(cell, 0) >= before_demand.get(cell, 0):
            return RedeployRun.Trigger.CALL_OUT, f"fewer on shift at {cell} with no less demand"
    return "", "nothing changed enough"


# --- re-planning ------------------------------------------------------------------

def _summary(built: Built, result: Result) -> dict[str, Any]:
    data = result_to_dict(built.problem, result)
    plan = [{"facility": c["facility"], "resource": c["resource"], "x": c.get("x", []), "y": c.get("y", []),
             "u": c.get("u", [])} for c in data.get("cells", data.get("plan", []))]
    top = result.bottleneck()
    prices = [{"resource": s.resource, "epoch": s.epoch, "value": round(s.value, 4), "facility": s.facility}
              for s in result.shadow_prices]
    return {
        "status": result.status, "objective": result.objective, "message": result.message,
        "relaxed": [r.text() for r in result.relaxed], "plan": plan, "moves": data.get("z", []), "shadow_prices": prices,
        "bottleneck": ({"resource": top.resource, "epoch": top.epoch, "value": round(top.value, 4),
                        "facility": top.facility} if top else None),
        "facilities": {k: {"name": f.name, "site_id": f.site_id, "unit_id": f.unit_id}
                       for k, f in built.facilities.items()},
        "labels": built.labels, "start": built.at.isoformat(), "epochs": built.problem.epochs,
        "equity_price": result.equity_price,
    }


def replan(site: Site | None, *, trigger: str = "", quantile: str = "q85", actor: Any = None,
           now: dt.datetime | None = None, force: bool = False,
           options: SolveOptions | None = None) -> RedeployRun | None:
    """Re-plan ``site``'s units (or the network) if a trigger says so (or ``force``);
    returns the run, or None when hysteresis held it back."""
    now = now or timezone.now()
    built = build(site, quantile=quantile, at=now)
    if not force:
        trigger, _why = triggers(site, built.fingerprint, now)
        if not trigger:
            return None
    trigger = trigger or RedeployRun.Trigger.MANUAL
    result = solve(built.problem, options or SolveOptions(time_limit_s=SOLVE_SECONDS, workers=1))
    with transaction.atomic():
        run = RedeployRun.objects.create(
            site=site, trigger=trigger, quantile=quantile, started_at=now, status=result.status,
            objective=result.objective, seconds=result.seconds, fingerprint=built.fingerprint,
            result=_summary(built, result), notes=built.notes,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None)
        recommend(run, built, result, now=now)
    return run


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _tradeoff(built: Built, resource: str, origin: str, target: str, units: int,
              origin_unit: int | None, target_unit: int | None) -> dict[str, Any]:
    g, r = built.now[origin], built.now[target]
    if resource.startswith(EQ):
        gb, ga = equipment_shortfall(g, resource), equipment_shortfall(g, resource, -units)
        rb, ra = equipment_shortfall(r, resource), equipment_shortfall(r, resource, units)
        gu = gu2 = _pct(g.utilization)
        ru = ru2 = _pct(r.utilization)
    else:
        gb, rb = staff_shortfall(g, resource), staff_shortfall(r, resource)
        gu2f, ga = after_staff_move(g, resource, -units, origin_unit)
        ru2f, ra = after_staff_move(r, resource, units, target_unit)
        gu, ru, gu2, ru2 = _pct(g.utilization), _pct(r.utilization), _pct(gu2f), _pct(ru2f)
    trade: dict[str, Any] = {
        "giver": {"name": built.facilities[origin].name, "utilization_before": gu, "utilization_after": gu2,
                  "shortfall_before": gb, "shortfall_after": ga},
        "receiver": {"name": built.facilities[target].name, "utilization_before": ru,
                     "utilization_after": ru2, "shortfall_before": rb, "shortfall_after": ra}}
    if built.facilities[origin].on_call:
        # Called in from on call: nobody leaves a unit; the plan's key of the on-call
        # facility is kept to recognise the same move in the next plans.
        trade["giver"].update(utilization_before=None, utilization_after=None, shortfall_before=0,
                              shortfall_after=0)
        trade["on_call"], trade["origin_key"] = True, origin
    return trade


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _rationale(label: str, units: int, trade: dict[str, Any], price: float, travel: int = 0) -> str:
    g, r = trade["giver"], trade["receiver"]
    what = f"{units} {label}"
    if trade.get("on_call"):
        return (f"Calling in {what} (on call, called in: arrives in {travel} min) to {r['name']} cuts "
                f"{r['name']}'s shortfall from {r['shortfall_before']} to {r['shortfall_after']} (utilization "
                f"{_fmt(r['utilization_before'])} → {_fmt(r['utilization_after'])}); no unit gives anyone up, "
                f"and a call-in costs more than a float-pool move; one more {label} is worth {price:.1f} "
                f"in the next hour.")[:400]
    return (f"Moving {what} from {g['name']} to {r['name']} cuts {r['name']}'s shortfall from "
            f"{r['shortfall_before']} to {r['shortfall_after']} (utilization {_fmt(r['utilization_before'])} → "
            f"{_fmt(r['utilization_after'])}) while {g['name']} goes from {g['shortfall_before']} to "
            f"{g['shortfall_after']} short ({_fmt(g['utilization_before'])} → {_fmt(g['utilization_after'])}); "
            f"one more {label} is worth {price:.1f} in the next hour.")[:400]


def _scope_q(run: RedeployRun) -> Q:
    return Q(run__site__isnull=True) if run.site_id is None else Q(run__site_id=run.site_id)


def _key(r: Recommendation) -> tuple[str, str, str]:
    """A move's resource and its two ends as the plan's facility keys."""
    origin = f"u{r.origin_unit_id}" if r.origin_unit_id else f"s{r.origin_site_id}"
    origin = str((r.tradeoff or {}).get("origin_key") or origin)
    target = f"u{r.destination_unit_id}" if r.destination_unit_id else f"s{r.destination_site_id}"
    return r.resource, origin, target


def _ident(m: Mobile) -> tuple[str, int]:
    return ("staff", m.staff_id) if m.staff_id is not None else ("item", m.item_id or 0)


def _call_ins_kept(built: Built, result: Result) -> dict[tuple[str, str], int]:
    """(receiving facility, resource) → how many of the first epoch's call-ins to it may be
    recommended. The plan pools people by resource type, so it may call someone in to the
    unit they may work in and move "them" on from there, which only a float-pool person
    may do: moves out of a facility are taken to be its float-pool people's first, and
    call-ins beyond what they cover are not recommended (the shortfall they were for
    stays in the plan, priced)."""
    on_call = {k for k, fac in built.facilities.items() if fac.on_call}
    calls: dict[tuple[str, str], float] = {}
    now_calls: dict[tuple[str, str], float] = {}
    out: dict[tuple[str, str], float] = {}
    floats: dict[tuple[str, str], float] = {}
    for i in built.problem.initial:
        if i.facility not in on_call:
            floats[(i.facility, i.resource)] = floats.get((i.facility, i.resource), 0.0) + i.units
    for t in built.problem.in_transit:
        floats[(t.target, t.resource)] = floats.get((t.target, t.resource), 0.0) + t.units
    for m in result.moves:
        into, away = (m.target, m.resource), (m.source, m.resource)
        if m.source in on_call:
            calls[into] = calls.get(into, 0.0) + m.units
            if m.depart == 0:
                now_calls[into] = now_calls.get(into, 0.0) + m.units
        else:
            floats[into] = floats.get(into, 0.0) + m.units
            out[away] = out.get(away, 0.0) + m.units
    kept = {}
    for cell, count in now_calls.items():
        passed_on = max(0.0, out.get(cell, 0.0) - floats.get(cell, 0.0))
        kept[cell] = max(0, min(round(count), round(calls[cell] - passed_on)))
    return kept


def recommend(run: RedeployRun, built: Built, result: Result, *, now: dt.datetime) -> list[Recommendation]:
    """The first epoch's moves of ``result`` as recommendations (see the module's rules)."""
    call_ins = _call_ins_kept(built, result)
    scope = _scope_q(run)
    waiting = Recommendation.objects.filter(scope, status=Recommendation.Status.PROPOSED)
    quiet = Recommendation.objects.filter(scope, decided_at__gte=now - QUIET)
    declined = {_key(r) for r in quiet.filter(status=Recommendation.Status.DECLINED)}
    approved = {_key(r) for r in quiet.filter(status__in=[Recommendation.Status.APPROVED,
                                                          Recommendation.Status.ARRIVED])}
    prices = {(s.resource, s.epoch): s.value for s in result.shadow_prices}
    used: set[tuple[str, int]] = set()
    kept: set[int] = set()
    created: list[Recommendation] = []
    for move in result.moves:
        units = round(move.units)
        if move.depart != 0 or units < 1 or move.resource == BEDS:
            continue
        fo, ft = built.facilities[move.source], built.facilities[move.target]
        if fo.on_call and run.site_id is None:
            continue  # a call-in is the site's: its own plan recommends it, not the network's too
        if fo.on_call:
            units = min(units, call_ins.get((move.target, move.resource), 0))
            call_ins[(move.target, move.resource)] = call_ins.get((move.target, move.resource), 0) - units
            if units < 1:
                continue
        key = (move.resource, move.source, move.target)
        if key in declined or (move.resource, move.target, move.source) in approved:
            continue
        same = [r for r in waiting if _key(r) == key]
        if same:
            kept.update(r.pk for r in same)
            continue
        pool = [m for m in built.mobile if m.resource == move.resource and m.facility == move.source
                and _ident(m) not in used]
        label = built.labels.get(move.resource, move.resource)
        trade = _tradeoff(built, move.resource, move.source, move.target, 1, fo.unit_id, ft.unit_id)
        price = prices.get((move.resource, 0), 0.0)
        if fo.on_call:
            travel = max(1, move.arrive) * built.problem.epoch_minutes
        elif fo.site_id == ft.site_id:
            travel = WITHIN_SITE_MINUTES
        else:
            travel = move.arrive * built.problem.epoch_minutes
        shown = f"{label} (on call)" if fo.on_call else label
        # One recommendation per person or device, so each is decided on its own.
        for m in pool[:units]:
            used.add(_ident(m))
            rec = Recommendation.objects.create(
                run=run, kind=Recommendation.Kind.EQUIPMENT if m.item_id else Recommendation.Kind.STAFF,
                resource=move.resource, resource_label=shown[:120], units=1,
                origin_site_id=fo.site_id, destination_site_id=ft.site_id,
                origin_unit_id=fo.unit_id, destination_unit_id=ft.unit_id,
                staff_id=m.staff_id, item_id=m.item_id, tradeoff=trade, shadow_price=round(price, 3),
                rationale=_rationale(label, 1, trade, price, travel), travel_minutes=travel, created_at=now)
            created.append(rec)
    waiting.exclude(pk__in=kept).exclude(pk__in=[r.pk for r in created]).update(
        status=Recommendation.Status.SUPERSEDED)
    return created


# --- deciding ----------------------------------------------------------------------

def _destination_unit(rec: Recommendation) -> Unit:
    if rec.destination_unit is not None:
        return rec.destination_unit
    units = list(Unit.objects.filter(site=rec.destination_site_id).select_related("site").order_by("-beds", "name"))
    if rec.staff is not None:
        # A person goes to the largest unit of the site the rulebook lets them work in.
        units = [u for u in units if placement.may_work_in(rec.staff, u)] or units
    if not units:
        raise DomainError(f"{rec.destination_site} has no unit to receive it.", field="destination")
    return units[0]


def _check_skill(rec: Recommendation, staff: Staff) -> None:
    """A move of a skilled resource needs a person who holds the skill."""
    code = skill_of(rec.resource)
    if code and not staff.skills.filter(code=code).exists():
        raise Conflict(f"{staff} does not hold the skill this move is for ({rec.resource_label}).", field="staff")


def _call_in(actor: Any, rec: Recommendation, staff: Staff, now: dt.datetime) -> Assignment:
    """Call an on-call person in to the receiving unit: the shift running there when they
    arrive, put in with every rule checked."""
    target = _destination_unit(rec)
    tz = ZoneInfo(target.site.timezone)
    today = now.astimezone(tz).date()
    if not OnCall.objects.filter(staff=staff, date=today).exists():
        raise Conflict(f"{staff} is no longer on call today.", field="staff")
    arrives = now + dt.timedelta(minutes=rec.travel_minutes)
    types = list(ShiftType.objects.filter(site=target.site_id))
    running = shifts_running(types, arrives, tz) or shifts_running(types, now, tz)
    if not running:
        raise DomainError(f"No shift of {target.site} runs when {staff} would arrive.", field="destination")
    # The shift that ends last, for the longest help.
    by_pk = {st.pk: st for st in types}
    type_id, day = max(running, key=lambda r: (r[1], by_pk[r[0]].start_time))
    shift_type = by_pk[type_id]
    roster = (Roster.objects.filter(unit=target, status=Roster.Status.PUBLISHED, start_date__lte=day,
                                    end_date__gte=day).order_by("-version").first())
    if roster is None:
        raise DomainError(f"{target} has no roster in force for {day}.", field="destination")
    created = assignment_create(actor=actor, roster=roster, staff=staff, shift_type=shift_type, day=day)
    text = (f"You are called in from on call to {target} for the {shift_type.name} shift on {day}: please "
            f"come in now (expected by {timezone.localtime(arrives, tz):%H:%M}).")
    notify_staff(staff, text=text, link="/redeployment/")
    if staff.phone:  # on call is off site: a text message too, once the call-in is committed
        transaction.on_commit(partial(sms.send_many, [staff.phone], text))
    notify_managers(target, text=f"{staff} is called in from on call to {target}, expected by "
                    f"{timezone.localtime(arrives, tz):%H:%M}.", link="/redeployment/", exclude=[actor])
    return created


def _move_staff(actor: Any, rec: Recommendation, now: dt.datetime) -> Assignment:
    staff = rec.staff
    if staff is None:
        raise Conflict("The person proposed is no longer on record.", field="staff")
    _check_skill(rec, staff)
    if (rec.tradeoff or {}).get("on_call"):
        return _call_in(actor, rec, staff, now)
    target = _destination_unit(rec)
    current = (Assignment.objects.filter(staff=staff, live=True, starts_at__lte=now, ends_at__gt=now)
               .select_related("roster__unit", "shift_type").first())
    if current is None:
        raise Conflict(f"{staff} is no longer on shift: nothing to move.", field="staff")
    roster = (Roster.objects.filter(unit=target, status=Roster.Status.PUBLISHED, start_date__lte=current.date,
                                    end_date__gte=current.date).order_by("-version").first())
    if roster is None:
        raise DomainError(f"{target} has no roster in force for {current.date}.", field="destination")
    shift_type, day, home = current.shift_type, current.date, current.roster.unit
    assignment_delete(actor=actor, assignment=current)
    created = assignment_create(actor=actor, roster=roster, staff=staff, shift_type=shift_type, day=day)
    notify_staff(staff, text=f"You are moved to {target} for the rest of your {shift_type.name} shift on {day}.",
                 link="/redeployment/")
    notify_managers(home, text=f"{staff} moves to {target} now: {home} is one {staff.get_role_display()} "
                    f"short for the rest of the shift.", link="/redeployment/", exclude=[actor])
    return created


def decide(*, actor: Any, rec: Recommendation, approve: bool, reason: str = "",
           now: dt.datetime | None = None) -> Recommendation:
    """Approve or decline a recommendation (a reason is required to decline)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError("Say why it is declined.", field="reason")
    if len(reason) > 400:
        raise DomainError("The reason is at most 400 characters.", field="reason")
    with transaction.atomic():
        locked = Recommendation.objects.select_for_update(of=("self",)).select_related(
            "staff", "item", "origin_unit", "destination_unit", "origin_site", "destination_site").get(pk=rec.pk)
        if not can_decide(actor, locked):
            raise NotAllowed("Deciding this move needs authority over both ends.", field="recommendation")
        if locked.status != Recommendation.Status.PROPOSED:
            raise Conflict(f"This move is already {locked.get_status_display().lower()}.", field="status")
        locked.decided_by, locked.decided_at, locked.reason = actor, now, reason
        if approve:
            locked.status = Recommendation.Status.APPROVED
            locked.departs_at = now
            locked.arrives_at = now + dt.timedelta(minutes=locked.travel_minutes)
            if locked.kind == Recommendation.Kind.STAFF:
                locked.assignment = _move_staff(actor, locked, now)
                locked.status, locked.arrived_at = Recommendation.Status.ARRIVED, locked.arrives_at
            else:
                if locked.item is None:
                    raise Conflict("The device proposed is no longer on record.", field="item")
                custody.item_transfer_dispatch(actor=actor, item=locked.item, unit=_destination_unit(locked),
                                               note=f"Redeployment: {locked.rationale[:120]}", now=now)
        else:
            locked.status = Recommendation.Status.DECLINED
        locked.save()
        audit_both(actor=actor, action="redeploy.approve" if approve else "redeploy.decline", obj=locked,
                   sites=[locked.origin_site_id, locked.destination_site_id],
                   after=snapshot(locked), rationale=reason or locked.rationale)
    return locked


def arrived(*, actor: Any, rec: Recommendation, now: dt.datetime | None = None) -> Recommendation:
    """An approved device reached its destination (either end records it)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Recommendation.objects.select_for_update(of=("self",)).select_related("item").get(pk=rec.pk)
        if not can_decide(actor, locked):
            raise NotAllowed("Recording this arrival needs authority over both ends.", field="recommendation")
        if locked.status != Recommendation.Status.APPROVED or locked.item is None:
            raise Conflict("Only an approved device on its way can arrive.", field="status")
        custody.item_transfer_arrive(actor=actor, item=locked.item, now=now)
        locked.status, locked.arrived_at = Recommendation.Status.ARRIVED, now
        locked.save(update_fields=["status", "arrived_at"])
        audit_both(actor=actor, action="redeploy.arrived", obj=locked,
                   sites=[locked.origin_site_id, locked.destination_site_id], after=snapshot(locked))
    return locked


def in_transit(site_ids: Sequence[int]) -> QuerySet[Recommendation]:
    """Approved moves still on their way, to or from these sites."""
    return Recommendation.objects.filter(
        Q(origin_site__in=site_ids) | Q(destination_site__in=site_ids), status=Recommendation.Status.APPROVED,
    ).select_related("origin_unit", "destination_unit", "origin_site", "destination_site", "staff", "item")


# --- the bottleneck report -------------------------------------------------------------

def bottlenecks(user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Shadow prices over the next 24 h per resource type and site (the latest plan of each
    scope the user sees), and the largest named."""
    now = now or timezone.now()
    runs = RedeployRun.objects.filter(started_at__gte=now - dt.timedelta(hours=24)).exclude(status="")
    if not access.is_network_wide(user):
        runs = runs.filter(site__in=access.managed_sites(user))
    latest: dict[int | None, RedeployRun] = {}
    for run in runs.select_related("site").order_by("-started_at", "-id"):
        latest.setdefault(run.site_id, run)
    rows: list[dict[str, Any]] = []
    for run in latest.values():
        res = run.result
        labels, facilities = res.get("labels", {}), res.get("facilities", {})
        start = dt.datetime.fromisoformat(res["start"]) if res.get("start") else run.started_at
        by_key: dict[str, dict[str, Any]] = {}
        for s in res.get("shadow_prices", []):
            hour = start + dt.timedelta(hours=s["epoch"])
            if hour >= now + dt.timedelta(hours=24):
                continue
            where = facilities.get(s.get("facility") or "", {})
            site_name = run.site.name if run.site is not None else where.get("name", "Network")
            key = f"{run.site_id}/{s['resource']}"
            row = by_key.setdefault(key, {"scope": run.site.name if run.site else "Network", "site": site_name,
                                          "resource": labels.get(s["resource"], s["resource"]),
                                          "prices": [], "hours": [], "peak": 0.0, "peak_at": None})
            row["prices"].append(s["value"])
            row["hours"].append(hour.isoformat())
            if s["value"] > row["peak"]:
                row["peak"], row["peak_at"] = s["value"], hour.isoformat()
        rows.extend(by_key.values())
    rows.sort(key=lambda r: -r["peak"])
    top = rows[0] if rows and rows[0]["peak"] > 0 else None
    return {"rows": rows, "bottleneck": top, "at": now.isoformat()}
