"""The incident's write functions: registering, retriaging (with history), crisis
standards, ambulances and hospitals, closing — each audited on the incident."""

from __future__ import annotations

import pytest

from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import AuditEvent
from triage import incident as ops
from triage.models import Incident, TriageRecord, Victim

from .conftest import BLACK, GREEN, RED, YELLOW

pytestmark = pytest.mark.django_db


def test_a_registered_victim_gets_the_colour_and_priority_of_start_at_once(world, scene):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="101", answers=RED)
    assert (victim.algorithm, victim.colour, victim.priority) == ("START", "red", 1)
    assert victim.reason == "respiratory rate over 30"
    assert victim.triages.count() == 1


def test_a_child_is_triaged_with_jumpstart(world, scene):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="7", age_band="child",
                                 answers={"walks": False, "breathing": True, "respiratory_rate": 12})
    assert (victim.algorithm, victim.colour, victim.priority) == ("JumpSTART", "red", 1)


def test_an_incident_using_salt_triages_everyone_with_salt(world):
    incident = ops.incident_create(actor=world.coordinator, site=world.north, kind="fire", algorithm="salt")
    victim = ops.victim_register(actor=world.nurse.user, incident=incident, tag="1",
                                 answers={"breathing": True, "minor_injuries_only": True})
    assert (victim.algorithm, victim.colour, victim.priority) == ("SALT", "green", 4)


def test_a_retriage_changes_the_result_and_keeps_the_history(world, scene):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="101", answers=YELLOW)
    ops.victim_retriage(actor=world.colleague.user, victim=victim, answers=RED)
    victim.refresh_from_db()
    assert (victim.colour, victim.priority) == ("red", 1)
    history = list(victim.triages.order_by("at", "id").values_list("colour", "by__username"))
    assert history == [("yellow", "nurse"), ("red", "colleague")]
    actions = list(AuditEvent.objects.filter(object_type="triage.Incident", object_id=str(scene.incident.pk))
                   .values_list("action", flat=True))
    assert "incident.victim.retriage" in actions
    assert AuditEvent.objects.filter(action="incident.victim.register", site=world.north).exists()


def test_a_tag_number_is_registered_once_per_incident(world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="101", answers=GREEN)
    with pytest.raises(Conflict) as refused:
        ops.victim_register(actor=world.colleague.user, incident=scene.incident, tag="101", answers=GREEN)
    assert refused.value.field == "tag"
    assert Victim.objects.count() == 1 and TriageRecord.objects.count() == 1


def test_a_bad_answer_is_refused_by_name(world, scene):
    with pytest.raises(DomainError) as refused:
        ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1",
                            answers={"walks": False, "respiratory_rate": 400})
    assert refused.value.field == "answers.respiratory_rate"
    with pytest.raises(DomainError) as missing:
        ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers={"walks": False})
    assert missing.value.field == "answers.respiratory_rate"


def test_expectant_is_p5_only_once_the_commander_declares_crisis_standards(world, scene):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="9", answers=BLACK)
    assert (victim.colour, victim.priority) == ("black", 1)
    with pytest.raises(NotAllowed):
        ops.incident_set_crisis_standards(actor=world.regional, incident=scene.incident, declared=True,
                                          reason="Two sites full")
    ops.incident_set_crisis_standards(actor=world.coordinator, incident=scene.incident, declared=True,
                                      reason="Two sites full")
    victim.refresh_from_db()
    assert victim.priority == 5
    later = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="10", answers=BLACK)
    assert later.priority == 5
    event = AuditEvent.objects.get(action="incident.crisis_standards")
    assert event.rationale == "Two sites full" and event.actor == world.coordinator


def test_a_closed_incident_takes_no_more_victims(world, scene):
    ops.incident_close(actor=world.coordinator, incident=scene.incident)
    assert Incident.objects.get(pk=scene.incident.pk).status == "closed"
    with pytest.raises(NotAllowed):
        ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=GREEN)
