"""What crisis escalation puts on the coordinators' status board: each site's level as a
badge, and proposals waiting for a decision as alerts (two queries whatever the number
of sites)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.urls import reverse

from allocation.board import Alert, Badge, register_alert_source, register_badge_source

from .escalation_rules import NORMAL, level_name
from .models import CrisisState, EscalationProposal

TONES = {1: "ok", 2: "warning", 3: "warning", 4: "critical", 5: "critical"}


def level_badges(site_ids: Sequence[int], now: dt.datetime) -> Mapping[int, Badge]:
    levels = dict(CrisisState.objects.filter(site_id__in=site_ids).values_list("site_id", "level"))
    return {s: Badge(text=f"Level {level_name(levels.get(s, NORMAL))}", tone=TONES[levels.get(s, NORMAL)],
                     url=reverse("crisis:site", args=[s])) for s in site_ids}


def proposal_alerts(site_ids: Sequence[int], now: dt.datetime) -> Iterable[Alert]:
    for p in EscalationProposal.objects.filter(site_id__in=site_ids, status=EscalationProposal.Status.PENDING) \
            .select_related("site"):
        assert p.site is not None
        verb = "Escalate" if p.upward else "Step down"
        yield Alert(severity="critical" if p.to_level >= 4 else "warning", at=p.created_at,
                    text=f"{verb} {p.site.name} to level {level_name(p.to_level)}? {p.text}",
                    site_id=p.site_id, url=reverse("crisis:site", args=[p.site_id]))


def register() -> None:
    register_badge_source("crisis level", level_badges)
    register_alert_source("crisis proposals", proposal_alerts)
