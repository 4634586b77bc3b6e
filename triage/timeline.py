"""A crisis timeline per site and for the network: level changes, proposals and their
decisions, playbook steps, situation reports and transfers, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from allocation import board
from roster.models import Site

from .escalation_rules import POSITIONS, level_name
from .models import EscalationProposal, LevelChange, PlaybookTask, SituationReport


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # "level", "proposal", "decision", "playbook", "sitrep", "transfer"
    text: str
    url: str = ""


def timeline(site: Site | None, *, since: dt.datetime, limit: int = 200) -> list[Event]:
    events: list[Event] = []
    for c in LevelChange.objects.filter(site=site, at__gte=since).select_related("by")[:limit]:
        how = "confirmed" if c.proposal_id else "declared"
        events.append(Event(c.at, "level", f"Level {level_name(c.from_level)} → {level_name(c.to_level)}, "
                                           f"{how} by {c.by}: {c.reason}"))
    for p in EscalationProposal.objects.filter(site=site, created_at__gte=since).select_related("decided_by")[:limit]:
        events.append(Event(p.created_at, "proposal", f"Proposed {level_name(p.from_level)} → "
                                                      f"{level_name(p.to_level)} to the "
                                                      f"{POSITIONS[p.authority].lower()}: {p.text}"))
        if p.decided_at and p.status != EscalationProposal.Status.PENDING:
            who = f" by {p.decided_by}" if p.decided_by else ""
            events.append(Event(p.decided_at, "decision", f"{p.get_status_display()}{who}"
                                                          + (f": {p.reason}" if p.reason else "")))
    for t in PlaybookTask.objects.filter(change__site=site, done_at__gte=since).select_related("done_by")[:limit]:
        if t.done_at:
            events.append(Event(t.done_at, "playbook", f"{t.title}: {t.get_status_display().lower()}"
                                                       + (f" — {t.result}" if t.result else "")))
    for r in SituationReport.objects.filter(site=site, issued_at__gte=since).select_related("issued_by")[:limit]:
        events.append(Event(r.issued_at, "sitrep", f"Situation report {r.version} issued by {r.issued_by}",
                            reverse("crisis:sitrep", args=[r.pk])))
    site_ids = [site.pk] if site else list(Site.objects.values_list("pk", flat=True))
    for item in board.transfers(site_ids, timezone.now()):
        when = item.departs or item.arrives
        if when and when >= since:
            events.append(Event(when, "transfer", f"{item.kind.capitalize()}: {item.what}, {item.origin} → "
                                                  f"{item.destination} ({item.status})", item.url))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]
