"""Playbooks: what each crisis level sets in motion at a site.

Each site has steps per level (an administrator edits them; a site without any gets
the defaults below the first time it needs them). When a level is confirmed going up,
the steps of every level passed are opened as a checklist (``PlaybookTask``: owner,
status, time). Steps that map to an action run it after the change commits, on a
worker (:func:`playbook_run`), and record the result; the others are ticked by hand.

Actions:

* ``call_in`` — call in on-call staff: a backfill request for the site's most short
  unit, its offer waves run by the backfill module;
* ``pre_position`` — reserve a quarter of the ready movable devices of each type at
  the site (at least one where two or more are ready), so a surge finds them;
* ``mutual_aid`` — request mutual aid for the site's largest staffing gap;
* ``open_incident`` — open an incident command record (commander: who confirmed)
  and with it the incident's triage board;
* ``regional_request`` — prepare the regional request: the network's situation
  report, generated from live data, ready to be issued.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assets.lifecycle import item_transition
from assets.models import Item
from assets.states import State
from roster.audit import audit_record, snapshot
from roster.errors import DomainError
from roster.models import ShiftType, Site, Unit

from . import queue
from .escalation_rules import (
    EXECUTIVE,
    INCIDENT_COMMANDER,
    OPERATIONS_MANAGER,
    SHIFT_SUPERVISOR,
    level_name,
)
from .models import LevelChange, PlaybookStep, PlaybookTask

log = logging.getLogger(__name__)
A = PlaybookStep.Action
CALL_IN_MAX = 10
DEFAULT_STEPS: tuple[tuple[int, str, str, str], ...] = (
    (2, "Call in on-call staff", SHIFT_SUPERVISOR, A.CALL_IN),
    (2, "Pre-position equipment", SHIFT_SUPERVISOR, A.PRE_POSITION),
    (2, "Brief the unit managers and the bed manager", SHIFT_SUPERVISOR, A.NONE),
    (3, "Cancel non-essential activities: elective surgery, outpatient clinics, non-urgent transfers",
     OPERATIONS_MANAGER, A.NONE),
    (3, "Request mutual aid", OPERATIONS_MANAGER, A.MUTUAL_AID),
    (3, "Open surge beds and discharge lounges", OPERATIONS_MANAGER, A.NONE),
    (4, "Open incident command and the triage board", INCIDENT_COMMANDER, A.OPEN_INCIDENT),
    (4, "Assign the command roles (operations, planning, logistics, finance)", INCIDENT_COMMANDER, A.NONE),
    (5, "Prepare the regional request", EXECUTIVE, A.REGIONAL_REQUEST),
    (5, "Hand coordination to the regional emergency management", EXECUTIVE, A.NONE),
)


def steps_of(site: Site) -> list[PlaybookStep]:
    """The site's steps, the defaults written first if it has none."""
    steps = list(PlaybookStep.objects.filter(site=site))
    if steps:
        return steps
    PlaybookStep.objects.bulk_create([
        PlaybookStep(site=site, level=level, order=i, title=title, owner=owner, action=action)
        for i, (level, title, owner, action) in enumerate(DEFAULT_STEPS, start=1)
    ])
    return list(PlaybookStep.objects.filter(site=site))


def open_playbook(change: LevelChange) -> list[PlaybookTask]:
    """Open the checklist of every level a site passes going up; queue the actions."""
    if change.site is None or change.to_level <= change.from_level:
        return []
    steps = [s for s in steps_of(change.site) if change.from_level < s.level <= change.to_level]
    tasks = PlaybookTask.objects.bulk_create([
        PlaybookTask(change=change, step=s, title=s.title, owner=s.owner, action=s.action) for s in steps
    ])
    if any(t.action for t in tasks):
        queue.after_commit(queue.PLAYBOOK_RUN, change.pk)
    return tasks


def _call_in(task: PlaybookTask) -> tuple[str, str]:
    """One on-call request per place short now at the site (up to ``CALL_IN_MAX``),
    for the shift running now: the backfill module offers it to the on-call staff who
    may work it and escalates it like any vacancy."""
    from allocation.backfill.offers import call_in_on_call
    from allocation.staffing import unit_statuses

    site = task.change.site
    assert site is not None
    now = timezone.now()
    units = list(Unit.objects.filter(site=site).select_related("site"))
    statuses = sorted(unit_statuses(units, now), key=lambda s: -sum(s.short.values()))
    shift_type = _shift_now(site, now)
    if shift_type is None:
        return "No shift type runs at this site now: nobody called in.", ""
    by_pk = {u.pk: u for u in units}
    called: list[str] = []
    reason = f"Level {level_name(task.change.to_level)} confirmed"
    for status in statuses:
        for role, missing in status.short.items():
            for _ in range(missing):
                if len(called) >= CALL_IN_MAX:
                    break
                call_in_on_call(actor=task.change.by, unit=by_pk[status.unit_id], shift_type=shift_type,
                                day=timezone.localdate(now), role=role, note=reason)
                called.append(f"{role} for {status.unit}")
    if not called:
        return "No unit is short now: nobody called in.", ""
    return f"On-call staff called in for {len(called)} place(s): {', '.join(called)}.", reverse("backfill-list")


def _shift_now(site: Site, now: dt.datetime) -> ShiftType | None:
    """The site's shift type running now (the latest started), else the next to start."""
    local = timezone.localtime(now).time()
    types = list(site.shift_types.order_by("start_time"))
    running = [t for t in types if t.start_time <= local]
    return running[-1] if running else (types[0] if types else None)


def _mutual_aid(task: PlaybookTask) -> tuple[str, str]:
    """Request mutual aid for the site's largest staffing gap now, from the least
    utilized other site (the mutual-aid module runs the lender's acknowledgement clock)."""
    from allocation import mutual_aid
    from allocation.staffing import unit_statuses

    site = task.change.site
    assert site is not None
    now = timezone.now()
    others = list(Site.objects.exclude(pk=site.pk))
    spans = mutual_aid.sustained_utilization([s.pk for s in others], now)
    if not others:
        return "No other site in the network to ask.", ""
    lender = min(others, key=lambda s: (spans.get(s.pk, (0.0, 0.0))[1], s.name))
    short: dict[str, int] = {}
    for status in unit_statuses(list(Unit.objects.filter(site=site).select_related("site")), now):
        for role, missing in status.short.items():
            short[role] = short.get(role, 0) + missing
    role, quantity = max(short.items(), key=lambda kv: kv[1]) if short else ("RN", 1)
    loan = mutual_aid.request(actor=task.change.by, lender=lender, borrower=site, resource=role,
                              quantity=quantity, hours=12,
                              note=f"Level {level_name(task.change.to_level)} confirmed")
    return (f"Mutual aid requested from {lender.name}: {loan.quantity} {loan.resource} for {loan.hours} h; "
            f"{lender.name} must acknowledge by {timezone.localtime(loan.ack_due_at):%H:%M}."), ""


def _pre_position(task: PlaybookTask) -> tuple[str, str]:
    site = task.change.site
    assert site is not None
    ready = (Item.objects.filter(site=site, state=State.READY, asset_type__movable=True, recall__isnull=True)
             .select_related("asset_type").order_by("asset_type__name", "pk"))
    by_type: dict[str, list[Item]] = {}
    for item in ready:
        by_type.setdefault(item.asset_type.name, []).append(item)
    reserved: list[str] = []
    for name, items in by_type.items():
        if len(items) < 2:
            continue
        count = max(1, math.floor(len(items) / 4))
        done = 0
        for item in items[:count]:
            try:
                item_transition(actor=None, item=item, target=State.RESERVED,
                                reason=f"Pre-positioned for level {level_name(task.change.to_level)}")
                done += 1
            except DomainError:
                continue
        if done:
            reserved.append(f"{done} {name}")
    if not reserved:
        return "Nothing to reserve: no movable device type has two or more ready.", ""
    return "Reserved for the surge: " + ", ".join(reserved) + ".", reverse("assets:item-list")


def _open_incident(task: PlaybookTask) -> tuple[str, str]:
    from .incident import incident_create

    site = task.change.site
    assert site is not None
    incident = incident_create(actor=task.change.by, site=site, kind="other",
                               description=f"Major incident declared: {task.change.reason}"[:500])
    return f"Incident command opened, commander {incident.commander}.", reverse(
        "triage:board", args=[incident.pk])


def _regional_request(task: PlaybookTask) -> tuple[str, str]:
    from .sitrep import draft

    report = draft(site=None)
    needs = "; ".join(f"{n['quantity']} {n['what']}" for n in report.needs[:5]) or "none measured"
    return f"Regional request prepared from live data (needs: {needs}); issue it as the network's situation report.", \
        reverse("crisis:sitrep-new-network")


ACTIONS: dict[str, Callable[[PlaybookTask], tuple[str, str]]] = {
    A.CALL_IN: _call_in,
    A.PRE_POSITION: _pre_position,
    A.MUTUAL_AID: _mutual_aid,
    A.OPEN_INCIDENT: _open_incident,
    A.REGIONAL_REQUEST: _regional_request,
}


def playbook_run(change_id: int) -> int:
    """Run the change's pending actions, each once (the task row is locked and its
    status checked, so a retried or doubled job does nothing twice). Returns how many
    ran."""
    ran = 0
    for task_id in PlaybookTask.objects.filter(change_id=change_id, status=PlaybookTask.Status.TO_DO,
                                               action__in=list(ACTIONS)).values_list("pk", flat=True):
        with transaction.atomic():
            task = (PlaybookTask.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("change__site", "change__by").filter(pk=task_id,
                                                                         status=PlaybookTask.Status.TO_DO).first())
            if task is None:
                continue
            before = snapshot(task)
            try:
                with transaction.atomic():
                    text, link = ACTIONS[task.action](task)
                task.status = PlaybookTask.Status.DONE
            except DomainError as error:
                text, link = f"Could not be done: {error}", ""
                task.status = PlaybookTask.Status.FAILED
            except Exception:  # an action's fault must not leave the step hanging: said, and logged
                log.exception("Playbook action %s of step %s failed", task.action, task.pk)
                text, link = "Could not be done: an unexpected error (logged); carry it out by hand.", ""
                task.status = PlaybookTask.Status.FAILED
            task.result = (f"{text} {link}".strip() if link else text)[:300]
            task.done_at = timezone.now()
            task.save(update_fields=["status", "result", "done_at"])
            audit_record(actor=None, action="crisis.playbook", obj=task.change, before=before, after=snapshot(task),
                         rationale=task.result)
            ran += 1
    return ran


def task_update(*, actor: Any, task: PlaybookTask, status: str, note: str = "") -> PlaybookTask:
    """Tick a checklist item by hand (its owner, or anyone who may act at the site)."""
    if status not in PlaybookTask.Status.values:
        raise DomainError(f"Unknown status “{status}”.", field="status")
    if len(note) > 300:
        raise DomainError("The note is longer than 300 characters.", field="note")
    with transaction.atomic():
        locked = PlaybookTask.objects.select_for_update().get(pk=task.pk)
        before = snapshot(locked)
        locked.status = status
        locked.result = note.strip() or locked.result
        locked.done_at = timezone.now() if status != PlaybookTask.Status.TO_DO else None
        locked.done_by = actor if status != PlaybookTask.Status.TO_DO else None
        locked.save(update_fields=["status", "result", "done_at", "done_by"])
        audit_record(actor=actor, action="crisis.playbook", obj=locked.change, before=before, after=snapshot(locked),
                     rationale=note)
        return locked
