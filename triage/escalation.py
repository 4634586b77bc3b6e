"""Crisis escalation: levels per site and for the network, proposed by triggers on live
indicators and changed only by a person with the authority for the step.

* :func:`scan` (Celery beat, every few minutes) reads the indicators
  (``triage/indicators.py``), asks the triggers (``triage/escalation_rules.py``) what to
  propose, files at most one pending proposal per site (a database constraint), withdraws
  a pending proposal the indicators no longer support, and re-sends an unanswered one
  every ``ESCALATION_REMIND_MINUTES``; after ``ESCALATION_ESCALATE_AFTER`` reminders it
  goes to the next position up.
* :func:`proposal_confirm` / :func:`proposal_decline` — by someone on duty in a position
  at least as high as the step needs (``AUTHORITY``), with a reason for a decline.
* :func:`level_declare` — a person with the authority declares a level by hand, with a
  reason (any pending proposal of the site is withdrawn).

A confirmed change writes the level's history, opens the playbook's checklist for the
new level and queues its actions after commit (``triage/playbooks.py``). Every decision
goes to the append-only audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from roster.audit import audit_record, snapshot
from roster.errors import DomainError, NotAllowed
from roster.models import REASON_MAX, Site
from roster.notifications import notify

from .crisis_state import holders, levels_of, may_decide, may_declare, network_level, state_of
from .escalation_rules import (
    AUTHORITY,
    LEVELS,
    MAJOR,
    POSITIONS,
    Thresholds,
    Trigger,
    authority_for,
    level_name,
    network_trigger,
    next_position,
    site_trigger,
)
from .incident import reprioritize
from .indicators import SiteFigures, network_indicators, site_figures
from .models import CrisisState, EscalationProposal, Incident, LevelChange

THRESHOLDS = Thresholds()


def remind_minutes() -> int:
    return int(getattr(settings, "ESCALATION_REMIND_MINUTES", 10))


def escalate_after() -> int:
    """Reminders before an unanswered proposal goes to the next position up."""
    return int(getattr(settings, "ESCALATION_ESCALATE_AFTER", 2))


def _place(site: Site | None) -> str:
    return site.name if site else "the network"


def _link(site: Site | None) -> str:
    return reverse("crisis:site", args=[site.pk]) if site else reverse("crisis:network")


# --- proposals ---------------------------------------------------------------------------

def _tell(proposal: EscalationProposal, people: Sequence[Any], prefix: str = "") -> None:
    verb = "Escalate" if proposal.upward else "Step down"
    text = (f"{prefix}{verb} {_place(proposal.site)} to level {level_name(proposal.to_level)}? "
            f"{proposal.text} Confirm or decline.")
    for user in people:
        notify(user=user, text=text, link=_link(proposal.site))


def _propose(site: Site | None, level: int, trigger: Trigger, now: dt.datetime) -> EscalationProposal | None:
    """File a proposal unless one is pending (the constraint settles a race)."""
    authority = authority_for(level, trigger.to_level)
    try:
        with transaction.atomic():
            proposal = EscalationProposal.objects.create(
                site=site, from_level=level, to_level=trigger.to_level, indicator=trigger.indicator,
                value=min(trigger.value, 1e6), threshold=trigger.threshold, text=trigger.text[:300],
                authority=authority, created_at=now, sent_at=now,
            )
            audit_record(actor=None, action="crisis.propose", obj=proposal, after=snapshot(proposal),
                         rationale=trigger.text)
            _tell(proposal, holders(site, authority, now))
            return proposal
    except IntegrityError:
        return None


def _withdraw(proposal: EscalationProposal, why: str, now: dt.datetime) -> None:
    before = snapshot(proposal)
    proposal.status = EscalationProposal.Status.WITHDRAWN
    proposal.decided_at = now
    proposal.reason = why[:REASON_MAX]
    proposal.save(update_fields=["status", "decided_at", "reason"])
    audit_record(actor=None, action="crisis.withdraw", obj=proposal, before=before, after=snapshot(proposal),
                 rationale=why)


def _remind(proposal: EscalationProposal, now: dt.datetime) -> None:
    """Re-send an unanswered proposal; after enough reminders, widen it to the next
    position up and tell them."""
    if now - proposal.sent_at < dt.timedelta(minutes=remind_minutes()):
        return
    before = snapshot(proposal)
    proposal.sent_at = now
    prefix = "Reminder: "
    if proposal.reminders >= escalate_after() and next_position(proposal.authority):
        proposal.authority = next_position(proposal.authority) or proposal.authority
        proposal.escalated += 1
        proposal.reminders = 0
        prefix = "Unanswered, escalated to you: "
    else:
        proposal.reminders += 1
    proposal.save(update_fields=["sent_at", "authority", "escalated", "reminders"])
    if proposal.escalated and prefix.startswith("Unanswered"):
        audit_record(actor=None, action="crisis.escalate", obj=proposal, before=before, after=snapshot(proposal),
                     rationale=f"No answer: sent to the {POSITIONS[proposal.authority].lower()}.")
    _tell(proposal, holders(proposal.site, proposal.authority, now), prefix)


@dataclass(frozen=True)
class ScanResult:
    proposed: int = 0
    withdrawn: int = 0
    reminded: int = 0


def _consider(site: Site | None, level: int, trigger: Trigger | None, pending: EscalationProposal | None,
              now: dt.datetime) -> tuple[int, int, int]:
    if pending is not None:
        if trigger is None or (trigger.to_level > level) != pending.upward:
            _withdraw(pending, "The indicators no longer call for it.", now)
            return 0, 1, 0
        if trigger.to_level > pending.to_level and pending.upward:
            _withdraw(pending, f"Overtaken: level {level_name(trigger.to_level)} is now indicated.", now)
            return (1 if _propose(site, level, trigger, now) else 0), 1, 0
        before = pending.reminders + pending.escalated
        _remind(pending, now)
        return 0, 0, int(pending.reminders + pending.escalated != before)
    if trigger is not None and trigger.to_level != level:
        return (1 if _propose(site, level, trigger, now) else 0), 0, 0
    return 0, 0, 0


def scan(now: dt.datetime | None = None, *, sites: Sequence[Site] | None = None) -> ScanResult:
    """Read every site's indicators and propose, withdraw or re-send. Safe to run twice
    at once: a second proposal for a site is refused by the constraint."""
    now = now or timezone.now()
    site_list = list(sites) if sites is not None else list(Site.objects.order_by("pk"))
    figures = site_figures([s.pk for s in site_list], now, THRESHOLDS)
    levels = levels_of([s.pk for s in site_list])
    pending = {p.site_id: p for p in EscalationProposal.objects.filter(status=EscalationProposal.Status.PENDING)}
    totals = [0, 0, 0]
    for site in site_list:
        trigger = site_trigger(levels[site.pk], figures[site.pk].indicators, THRESHOLDS)
        with transaction.atomic():
            for i, n in enumerate(_consider(site, levels[site.pk], trigger, pending.get(site.pk), now)):
                totals[i] += n
    if sites is None:
        net = network_level()
        trigger = network_trigger(net, list(levels.values()), network_indicators(figures, THRESHOLDS), THRESHOLDS)
        with transaction.atomic():
            for i, n in enumerate(_consider(None, net, trigger, pending.get(None), now)):
                totals[i] += n
    return ScanResult(*totals)


def figures_of(site_ids: Sequence[int], now: dt.datetime | None = None) -> dict[int, SiteFigures]:
    return site_figures(site_ids, now or timezone.now(), THRESHOLDS)


# --- decisions ---------------------------------------------------------------------------

def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise DomainError("Say why.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason is longer than {REASON_MAX} characters.", field="reason")
    return reason


def _change(*, actor: Any, site: Site | None, to_level: int, reason: str, now: dt.datetime,
            proposal: EscalationProposal | None = None) -> LevelChange:
    """Move the level under the state's row lock, write the history, open the playbook."""
    from .playbooks import open_playbook

    state = CrisisState.objects.select_for_update().get(pk=state_of(site).pk)
    change = LevelChange.objects.create(site=site, from_level=state.level, to_level=to_level, at=now, by=actor,
                                        reason=reason, proposal=proposal)
    before = snapshot(state)
    state.level, state.since = to_level, now
    state.save(update_fields=["level", "since"])
    audit_record(actor=actor, action="crisis.level", obj=state, before=before, after=snapshot(state),
                 rationale=reason)
    open_playbook(change)
    if site is not None and (change.from_level >= MAJOR) != (to_level >= MAJOR):
        # P5 (expectant) is allowed at level 4 and above: open incidents follow at once.
        for incident in Incident.objects.filter(site=site, status=Incident.Status.OPEN):
            reprioritize(incident)
    return change


def proposal_confirm(*, actor: Any, proposal: EscalationProposal, reason: str = "",
                     now: dt.datetime | None = None) -> LevelChange:
    now = now or timezone.now()
    reason = _reason(reason, required=False)
    with transaction.atomic():
        locked = EscalationProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != EscalationProposal.Status.PENDING:
            raise DomainError(f"This proposal is already {locked.get_status_display().lower()}.", field="proposal")
        if not may_decide(actor, locked, now):
            raise NotAllowed(f"Only the {POSITIONS[locked.authority].lower()} on duty (or a higher position) "
                             f"may decide this step.", field="proposal")
        current = state_of(locked.site).level
        if current != locked.from_level:
            raise DomainError(f"The level has changed to {level_name(current)} since this was proposed.",
                              field="proposal")
        before = snapshot(locked)
        locked.status, locked.decided_at, locked.decided_by = EscalationProposal.Status.CONFIRMED, now, actor
        locked.reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        audit_record(actor=actor, action="crisis.confirm", obj=locked, before=before, after=snapshot(locked),
                     rationale=reason or locked.text)
        return _change(actor=actor, site=locked.site, to_level=locked.to_level, reason=reason or locked.text,
                       now=now, proposal=locked)


def proposal_decline(*, actor: Any, proposal: EscalationProposal, reason: str,
                     now: dt.datetime | None = None) -> EscalationProposal:
    now = now or timezone.now()
    reason = _reason(reason, required=True)
    with transaction.atomic():
        locked = EscalationProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != EscalationProposal.Status.PENDING:
            raise DomainError(f"This proposal is already {locked.get_status_display().lower()}.", field="proposal")
        if not may_decide(actor, locked, now):
            raise NotAllowed(f"Only the {POSITIONS[locked.authority].lower()} on duty (or a higher position) "
                             f"may decide this step.", field="proposal")
        before = snapshot(locked)
        locked.status, locked.decided_at, locked.decided_by = EscalationProposal.Status.DECLINED, now, actor
        locked.reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        audit_record(actor=actor, action="crisis.decline", obj=locked, before=before, after=snapshot(locked),
                     rationale=reason)
        return locked


def level_declare(*, actor: Any, site: Site | None, level: int, reason: str,
                  now: dt.datetime | None = None) -> LevelChange:
    """A person with the authority for the step declares a level by hand."""
    now = now or timezone.now()
    if level not in LEVELS:
        raise DomainError("The level must be between 1 and 5.", field="level")
    reason = _reason(reason, required=True)
    with transaction.atomic():
        current = state_of(site).level
        if level == current:
            raise DomainError(f"{_place(site).capitalize()} is already at level {level_name(level)}.", field="level")
        if not may_declare(actor, site, current, level, now):
            needed = POSITIONS[AUTHORITY[max(current, level, 2)]]
            raise NotAllowed(f"Moving {_place(site)} between levels {current} and {level} needs the "
                             f"{needed.lower()} on duty (or a higher position).", field="level")
        for pending in EscalationProposal.objects.select_for_update().filter(
                site=site, status=EscalationProposal.Status.PENDING):
            _withdraw(pending, f"Level {level_name(level)} declared by hand.", now)
        return _change(actor=actor, site=site, to_level=level, reason=reason, now=now)
