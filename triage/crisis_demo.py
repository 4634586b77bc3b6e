"""Demo crisis data: who holds the crisis positions, every site's default playbook, and a
short history at the demo coordinator's site (a level 2 declared yesterday for a
norovirus closure, its situation report, and the step back down confirmed this morning),
so the crisis pages and the board's level badges show something real. Safe to re-run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from roster.access import managed_sites, managed_units
from roster.models import Site

from . import escalation, sitrep
from .escalation_rules import ELEVATED, NORMAL
from .models import CrisisPosition, EscalationProposal, LevelChange, PlaybookTask
from .playbooks import steps_of


def build_crisis_demo(now: dt.datetime | None = None) -> int:
    """Returns the number of crisis positions assigned."""
    now = now or timezone.now()
    users = {u.username: u for u in get_user_model()._default_manager.filter(
        username__in=["admin", "regional", "coordinator", "manager"])}
    for site in Site.objects.all():
        steps_of(site)
    if CrisisPosition.objects.exists() or len(users) < 4:
        return CrisisPosition.objects.count()
    since = now - dt.timedelta(days=30)
    rows = [CrisisPosition(site=None, user=users["regional"], position="executive", starts_at=since),
            CrisisPosition(site=None, user=users["admin"], position="executive", starts_at=since)]
    for site in Site.objects.all():
        rows.append(CrisisPosition(site=site, user=users["regional"], position="executive", starts_at=since))
    for site in managed_sites(users["coordinator"]):
        rows += [CrisisPosition(site=site, user=users["coordinator"], position="operations_manager", starts_at=since),
                 CrisisPosition(site=site, user=users["coordinator"], position="incident_commander", starts_at=since)]
    for site in Site.objects.filter(pk__in=managed_units(users["manager"]).values("site")):
        rows.append(CrisisPosition(site=site, user=users["manager"], position="shift_supervisor", starts_at=since))
    CrisisPosition.objects.bulk_create(rows)
    _history(users, now)
    return len(rows)


def _history(users: dict[str, Any], now: dt.datetime) -> None:
    site = managed_sites(users["coordinator"]).order_by("pk").first()
    if site is None or LevelChange.objects.filter(site=site).exists():
        return
    yesterday = now - dt.timedelta(hours=20)
    change = escalation.level_declare(actor=users["manager"], site=site, level=ELEVATED, now=yesterday,
                                      reason="Norovirus: two bays of the medical ward closed to admissions.")
    # Yesterday's checklist, as it was carried out (its actions are not run again today).
    for task in change.tasks.all():
        task.status, task.done_at, task.done_by = PlaybookTask.Status.DONE, yesterday + dt.timedelta(minutes=20), \
            users["manager"]
        task.result = {"call_in": "On-call staff called in for 2 place(s).",
                       "pre_position": "Reserved for the surge: 1 Infusion pump."}.get(task.action, "")
        task.save()
    sitrep.sitrep_issue(actor=users["coordinator"], site=site, at=yesterday + dt.timedelta(minutes=40),
                        next_update_at=yesterday + dt.timedelta(hours=4, minutes=40),
                        situation="Two bays closed for norovirus; on-call staff called in; ED holding three "
                                  "patients for medical beds. Elective admissions to the medical ward paused.",
                        reported={"Power": sitrep.FULL, "Water": sitrep.FULL})
    stepped = now - dt.timedelta(hours=3)
    proposal = EscalationProposal.objects.create(
        site=site, from_level=ELEVATED, to_level=NORMAL, indicator="below_threshold_sustained", value=72.0,
        threshold=4, text="Level 2 Elevated no longer holds: utilization at most 72 % over the last 4 hours.",
        authority="shift_supervisor", created_at=stepped - dt.timedelta(minutes=25),
        sent_at=stepped - dt.timedelta(minutes=25))
    escalation.proposal_confirm(actor=users["manager"], proposal=proposal, now=stepped,
                                reason="Bays reopened after deep clean.")
