"""The adapter: the incident's rows become an ambulance-stage problem, the policy's
recommendation becomes allocation rows, locked and chosen assignments are kept, and
assignments lock once their buffer has passed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from triage import allocation as alloc
from triage import incident as ops
from triage.models import Allocation, Ambulance, Victim

from .conftest import GREEN, RED, YELLOW

pytestmark = pytest.mark.django_db


def _current(incident):
    return {a.victim.tag: (a.ambulance.call_sign, a.hospital.name)
            for a in Allocation.objects.filter(incident=incident, current=True).select_related(
                "victim", "ambulance", "hospital")}


def test_the_problem_maps_priorities_to_severity_and_needs(world, scene):
    red = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    green = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=GREEN)
    board = alloc.board_of(scene.incident)
    items = {v.id: v for v in board.problem.victims}
    assert (items[red.pk].severity, items[red.pk].needs) == (1, 3)
    assert (items[green.pk].severity, items[green.pk].needs) == (4, 1)
    assert {a.crew for a in board.problem.ambulances} == {1, 2}
    assert {(h.resources, h.capacity, h.distance) for h in board.problem.hospitals} == {(3, 4, 1), (1, 4, 3)}


def test_the_recommendation_sends_the_critical_victim_to_the_close_trauma_centre(world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=YELLOW)
    done = alloc.reallocate(scene.incident.pk)
    assert done is not None and done.changed == 2
    current = _current(scene.incident)
    assert current["1"][1] == "North General"
    assert {current["1"][0], current["2"][0]} == {"A1", "A2"}


def test_reallocating_an_unchanged_situation_changes_nothing(world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=YELLOW)
    alloc.reallocate(scene.incident.pk)
    before = list(Allocation.objects.filter(current=True).values_list("pk", "proposed_at"))
    again = alloc.reallocate(scene.incident.pk)
    assert again is not None and again.changed == 0
    assert list(Allocation.objects.filter(current=True).values_list("pk", "proposed_at")) == before


def test_an_assignment_locks_after_the_buffer_and_is_kept_by_later_reallocations(world, scene):
    first = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=YELLOW)
    start = timezone.now()
    alloc.reallocate(scene.incident.pk, now=start)
    row = Allocation.objects.get(victim=first, current=True)
    assert row.locks_at == start + dt.timedelta(minutes=2)
    # Within the buffer nothing locks.
    assert alloc.reallocate(scene.incident.pk, now=start + dt.timedelta(minutes=1)).locked == 0
    # Past it: the ambulance leaves with the victim.
    done = alloc.reallocate(scene.incident.pk, now=start + dt.timedelta(minutes=3))
    assert done.locked == 1
    row.refresh_from_db()
    assert row.locked and row.current
    assert Victim.objects.get(pk=first.pk).status == "transported"
    assert Ambulance.objects.get(pk=row.ambulance_id).status == "en_route"
    # A critical victim arrives: the locked assignment stays, the other ambulance goes.
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=RED)
    alloc.reallocate(scene.incident.pk, now=start + dt.timedelta(minutes=4))
    row.refresh_from_db()
    assert row.current and row.locked
    current = _current(scene.incident)
    assert current["2"][0] != row.ambulance.call_sign
    # The near hospital has one place fewer for the next problem.
    board = alloc.board_of(scene.incident)
    caps = {h.id: h.capacity for h in board.problem.hospitals}
    assert caps[row.hospital_id] == 3


def test_an_ambulance_back_at_the_scene_is_offered_again(world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    start = timezone.now()
    alloc.reallocate(scene.incident.pk, now=start)
    alloc.reallocate(scene.incident.pk, now=start + dt.timedelta(minutes=5))
    row = Allocation.objects.get(current=True, locked=True)
    ops.ambulance_set_status(actor=world.coordinator, ambulance=row.ambulance, status="available")
    row.refresh_from_db()
    assert not row.current and row.locked
    board = alloc.board_of(scene.incident)
    assert row.ambulance_id in {a.id for a in board.problem.ambulances}


def test_the_cost_objective_uses_the_policy(world, scene):
    ops.incident_set_policy(actor=world.coordinator, incident=scene.incident, swf="egalitarian",
                            principle="sickest_first", objective="cost", sensing_minutes=5, buffer_minutes=2)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=GREEN)
    alloc.reallocate(scene.incident.pk)
    assert set(_current(scene.incident)) == {"1", "2"}


def test_an_expectant_victim_under_crisis_standards_is_not_offered_transport(world, scene):
    ops.incident_set_crisis_standards(actor=world.coordinator, incident=scene.incident, declared=True,
                                      reason="Overwhelmed")
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1",
                                 answers={"walks": False, "breathing": False})
    assert victim.priority == 5
    assert alloc.board_of(scene.incident).problem.victims == ()
