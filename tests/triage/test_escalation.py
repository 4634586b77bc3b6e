"""Crisis escalation on the database: triggers make proposals and never changes, only
the position with the authority (on duty) confirms or declines, unanswered proposals
are re-sent and escalated, hysteresis on the way down, declarations by hand, playbooks
and situation reports whose numbers are the live ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation.models import UnitHour
from allocation.staffing import unit_statuses
from roster.errors import DomainError, NotAllowed
from roster.models import Access, AuditEvent, Notification
from tests import factories as f
from triage import escalation, playbooks, sitrep
from triage.crisis_state import state_of
from triage.escalation_rules import ELEVATED, MAJOR, NORMAL, SURGE
from triage.models import (
    CrisisPosition,
    EscalationProposal,
    Incident,
    LevelChange,
    PlaybookTask,
    SituationReport,
)

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def hours(unit, utilizations, *, now=None, beds=100):
    """The unit's last hours (oldest first, the last being the hour now running) at
    these utilizations, with ``beds`` staffed beds."""
    now = now or timezone.now()
    last = now.replace(minute=0, second=0, microsecond=0)
    for i, u in enumerate(reversed(utilizations)):
        census = round(beds * u / 100)
        UnitHour.objects.update_or_create(unit=unit, hour=last - i * H, defaults=dict(
            census=census, on_shift=3, on_shift_rn=3, required={}, required_total=3, beds=max(beds, census),
            staffed_beds=beds, utilization=u, zone=""))


def hold(user, site, position, **kw):
    return CrisisPosition.objects.create(site=site, user=user, position=position,
                                         starts_at=kw.pop("starts_at", timezone.now() - H), **kw)


@pytest.fixture
def positions(world):
    supervisor = f.UserFactory(username="supervisor")
    f.grant(supervisor, Access.Level.UNIT_MANAGER, units=[world.icu])
    ops = f.UserFactory(username="ops")
    hold(supervisor, world.north, "shift_supervisor")
    hold(ops, world.north, "operations_manager")
    return supervisor, ops


def test_sustained_high_utilization_proposes_and_changes_nothing(world, positions):
    supervisor, _ = positions
    hours(world.icu, [90, 90, 90, 90])
    result = escalation.scan()
    assert result.proposed == 1
    proposal = EscalationProposal.objects.get(site=world.north)
    assert (proposal.from_level, proposal.to_level, proposal.indicator) == (NORMAL, ELEVATED, "utilization_sustained")
    assert proposal.value == 90 and proposal.threshold == 85
    assert proposal.authority == "shift_supervisor"
    assert state_of(world.north).level == NORMAL  # a proposal, never a change
    # The supervisor on duty is told, with a link to decide.
    note = Notification.objects.get(recipient=supervisor)
    assert "level 2 Elevated" in note.text and note.link.endswith(f"/crisis/sites/{world.north.pk}/")
    # Scanning again does not propose twice.
    assert escalation.scan().proposed == 0
    assert EscalationProposal.objects.filter(status="pending").count() == 1
    assert AuditEvent.objects.filter(action="crisis.propose").count() == 1


def test_only_the_position_with_authority_on_duty_confirms(world, positions):
    supervisor, ops = positions
    hours(world.icu, [97, 97])
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north)
    assert proposal.to_level == SURGE and proposal.authority == "operations_manager"
    with pytest.raises(NotAllowed, match="operations manager"):
        escalation.proposal_confirm(actor=supervisor, proposal=proposal)  # a lower position
    with pytest.raises(NotAllowed):
        escalation.proposal_confirm(actor=world.coordinator, proposal=proposal)  # no position at all
    # Off duty: a position that ended an hour ago confirms nothing.
    late = f.UserFactory(username="late")
    hold(late, world.north, "executive", starts_at=timezone.now() - 5 * H, ends_at=timezone.now() - H)
    with pytest.raises(NotAllowed):
        escalation.proposal_confirm(actor=late, proposal=proposal)
    change = escalation.proposal_confirm(actor=ops, proposal=proposal, reason="ED full")
    assert state_of(world.north).level == SURGE
    assert (change.from_level, change.to_level, change.by) == (NORMAL, SURGE, ops)
    proposal.refresh_from_db()
    assert proposal.status == "confirmed" and proposal.decided_by == ops
    with pytest.raises(DomainError, match="already"):
        escalation.proposal_decline(actor=ops, proposal=proposal, reason="changed my mind")
    assert AuditEvent.objects.filter(action="crisis.confirm", actor=ops).exists()
    assert AuditEvent.objects.filter(action="crisis.level").exists()


def test_declining_needs_a_reason_and_keeps_the_level(world, positions):
    supervisor, _ = positions
    hours(world.icu, [90, 90])
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north)
    with pytest.raises(DomainError, match="Say why"):
        escalation.proposal_decline(actor=supervisor, proposal=proposal, reason="  ")
    escalation.proposal_decline(actor=supervisor, proposal=proposal, reason="Planned list, known peak")
    assert state_of(world.north).level == NORMAL
    assert EscalationProposal.objects.get(pk=proposal.pk).status == "declined"


def test_an_unanswered_proposal_is_resent_then_escalated(world, positions, settings):
    supervisor, ops = positions
    settings.ESCALATION_REMIND_MINUTES = 10
    settings.ESCALATION_ESCALATE_AFTER = 1
    start = timezone.now().replace(minute=1)  # every scan below falls in the same hour
    hours(world.icu, [90, 90], now=start)
    escalation.scan(start)
    escalation.scan(start + dt.timedelta(minutes=5))  # too soon
    assert Notification.objects.filter(recipient=supervisor).count() == 1
    escalation.scan(start + dt.timedelta(minutes=11))
    assert Notification.objects.filter(recipient=supervisor, text__startswith="Reminder").count() == 1
    escalation.scan(start + dt.timedelta(minutes=22))
    proposal = EscalationProposal.objects.get(site=world.north)
    assert proposal.authority == "operations_manager" and proposal.escalated == 1
    assert Notification.objects.filter(recipient=ops, text__startswith="Unanswered").count() == 1
    # The supervisor may no longer decide it alone.
    with pytest.raises(NotAllowed):
        escalation.proposal_confirm(actor=supervisor, proposal=proposal)


def test_stepping_down_waits_for_the_sustained_window_and_needs_confirmation(world, positions):
    supervisor, _ = positions
    escalation.level_declare(actor=supervisor, site=world.north, level=ELEVATED, reason="Flu wave")
    hours(world.icu, [90, 70, 70])  # only 2 hours below 80 in the 4-hour window
    escalation.scan()
    assert not EscalationProposal.objects.filter(site=world.north, status="pending").exists()
    hours(world.icu, [70, 70, 70, 70])
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north, status="pending")
    assert (proposal.from_level, proposal.to_level) == (ELEVATED, NORMAL)
    assert state_of(world.north).level == ELEVATED  # still, until someone confirms
    escalation.proposal_confirm(actor=supervisor, proposal=proposal)
    assert state_of(world.north).level == NORMAL


def test_a_proposal_no_longer_indicated_is_withdrawn(world, positions):
    hours(world.icu, [90, 90])
    escalation.scan()
    hours(world.icu, [90, 60])
    result = escalation.scan()
    assert result.withdrawn == 1
    assert EscalationProposal.objects.get(site=world.north).status == "withdrawn"


def test_declaring_by_hand_needs_the_authority_for_the_step(world, positions):
    supervisor, ops = positions
    with pytest.raises(NotAllowed, match="operations manager"):
        escalation.level_declare(actor=supervisor, site=world.north, level=SURGE, reason="Coach crash")
    with pytest.raises(DomainError, match="Say why"):
        escalation.level_declare(actor=ops, site=world.north, level=SURGE, reason="")
    with pytest.raises(DomainError, match="between 1 and 5"):
        escalation.level_declare(actor=ops, site=world.north, level=7, reason="x")
    change = escalation.level_declare(actor=ops, site=world.north, level=SURGE, reason="Coach crash on the A1")
    assert change.proposal is None and state_of(world.north).level == SURGE


def test_confirming_a_level_opens_its_playbook_and_runs_what_maps_to_an_action(world, positions):
    _ = positions  # the supervisor and operations manager on duty
    commander = f.UserFactory(username="commander")
    f.grant(commander, Access.Level.SITE_COORDINATOR, sites=[world.north])
    hold(commander, world.north, "incident_commander")
    change = escalation.level_declare(actor=commander, site=world.north, level=MAJOR, reason="Explosion")
    titles = list(change.tasks.values_list("title", flat=True))
    # Every level passed, 2 to 4, in order.
    assert titles[0] == "Call in on-call staff" and "Open incident command and the triage board" in titles
    assert PlaybookTask.objects.filter(change=change, status="to_do").count() == len(titles)
    playbooks.playbook_run(change.pk)
    opened = PlaybookTask.objects.get(change=change, action="open_incident")
    assert opened.status == "done" and "Incident command opened" in opened.result
    incident = Incident.objects.get(site=world.north)
    assert incident.commander == commander
    # Running again does nothing twice.
    playbooks.playbook_run(change.pk)
    assert Incident.objects.filter(site=world.north).count() == 1
    # A hand-tracked step is ticked by hand.
    manual = PlaybookTask.objects.filter(change=change, action="").first()
    playbooks.task_update(actor=commander, task=manual, status="done", note="Theatre lists cancelled")
    manual.refresh_from_db()
    assert manual.status == "done" and manual.done_by == commander and manual.done_at is not None


def test_a_situation_report_holds_the_live_figures_of_its_moment(world, positions):
    _, ops = positions
    hours(world.icu, [80, 80], beds=10)
    hours(world.ward, [50, 50], beds=20)
    draft = sitrep.draft(world.north)
    beds = next(r for r in draft.resources if r["type"] == "Staffed beds")
    live = {s.unit_id: s for s in unit_statuses([world.icu, world.ward], timezone.now())}
    census = sum(s.census for s in live.values())
    staffed = sum(s.staffed_beds for s in live.values())
    assert beds["deployed"] == census and beds["available"] == max(staffed - census, 0)
    report = sitrep.sitrep_issue(actor=ops, site=world.north, situation="Busy afternoon",
                                 next_update_at=timezone.now() + 2 * H, reported={"Power": "partial"},
                                 notes={"Power": "on generator"})
    assert report.version == 1 and report.resources == draft.resources
    assert {"system": "Power", "status": "partial", "note": "on generator"} in report.facility
    again = sitrep.sitrep_issue(actor=ops, site=world.north, situation="Calmer", next_update_at=timezone.now() + H)
    assert again.version == 2
    assert sitrep.pdf(report).startswith(b"%PDF")
    with pytest.raises(DomainError, match="later than now"):
        sitrep.sitrep_issue(actor=ops, site=world.north, situation="x", next_update_at=timezone.now() - H)
    with pytest.raises(DomainError, match="situation"):
        sitrep.sitrep_issue(actor=ops, site=world.north, situation=" ", next_update_at=timezone.now() + H)
    with pytest.raises(NotAllowed):
        sitrep.sitrep_issue(actor=world.nurse.user, site=world.north, situation="x",
                            next_update_at=timezone.now() + H)
    # The issuer is reminded once when the next update comes due.
    assert sitrep.due_reminders(timezone.now() + 3 * H) == 1
    assert sitrep.due_reminders(timezone.now() + 4 * H) == 0
    assert SituationReport.objects.count() == 2 and LevelChange.objects.count() == 0


def test_expectant_is_allowed_from_level_4_and_open_incidents_follow_at_once(world, positions):
    from triage import incident as ops

    from .conftest import BLACK

    incident = ops.incident_create(actor=world.coordinator, site=world.north, kind="traffic")
    victim = ops.victim_register(actor=world.nurse.user, incident=incident, tag="9", answers=BLACK)
    assert victim.priority == 1  # P5 not allowed at level 1
    commander = f.UserFactory(username="commander")
    hold(commander, world.north, "incident_commander")
    escalation.level_declare(actor=commander, site=world.north, level=MAJOR, reason="Explosion")
    victim.refresh_from_db()
    assert victim.priority == 5
    assert ops.victim_register(actor=world.nurse.user, incident=incident, tag="10", answers=BLACK).priority == 5
    escalation.level_declare(actor=commander, site=world.north, level=SURGE, reason="Scene cleared")
    victim.refresh_from_db()
    assert victim.priority == 1
