"""Receiving hospitals that are network sites take their capacity live from the status
board's figures (free staffed beds in the site's ED, ICU, step-down and wards), shown
with its time; outside hospitals keep the typed figure; the allocation uses the live one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation.census import census_events_record
from allocation.staffing import unit_statuses
from roster.models import RatioRule, Staff, Unit
from tests import factories as f
from tests.allocation.helpers import ev
from triage import allocation as alloc
from triage import incident as ops
from triage.hospitals import live_capacities
from triage.models import Allocation, Ambulance

from .conftest import RED, YELLOW

pytestmark = pytest.mark.django_db


def fill(unit, n):
    at = timezone.now() - timezone.timedelta(hours=1)
    census_events_record(actor=None, events=[ev(unit, "admit", at) for _ in range(n)], batch=True)


def test_a_network_site_offers_its_free_staffed_beds_in_receiving_units(world, scene):
    fill(world.ward, 1)  # the scene's North General: 2 ICU beds free, 1 of 2 ward beds
    f.UnitFactory(site=world.north, name="North Theatres", code="th", kind=Unit.Kind.THEATRES, beds=6)
    live = live_capacities([world.north.pk])[world.north.pk]
    statuses = unit_statuses(Unit.objects.filter(pk__in=[world.icu.pk, world.ward.pk]).select_related("site"))
    assert live.free_beds == sum(s.staffed_beds - s.census for s in statuses) == 3  # theatres do not receive
    board = alloc.board_of(scene.incident)
    capacity = {h.id: h.capacity for h in board.problem.hospitals}
    assert capacity == {scene.near.pk: 3, scene.far.pk: 4}  # live for North General, typed for Hill Cottage


def test_staffed_beds_not_physical_beds_bound_the_live_figure(world, scene):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    fill(world.ward, 2)
    fill(world.icu, 1)  # no RN on shift: the ICU staffs no bed, however many it has
    assert live_capacities([world.north.pk])[world.north.pk].free_beds == 0
    assert {h.id: h.capacity for h in alloc.board_of(scene.incident).problem.hospitals}[scene.near.pk] == 0


def test_the_allocation_sends_victims_where_the_live_beds_are(world, scene):
    fill(world.ward, 2)
    fill(world.icu, 1)  # one bed left at North General
    red = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=YELLOW)
    alloc.reallocate(scene.incident.pk)
    sent = dict(Allocation.objects.filter(current=True).values_list("victim__tag", "hospital__name"))
    assert list(sent.values()).count("North General") == 1  # one live bed, the critical victim's
    assert sent[red.tag] == "North General"


def test_a_victim_in_transit_holds_a_live_bed_until_handed_over(world, scene):
    fill(world.ward, 2)
    fill(world.icu, 1)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    alloc.reallocate(scene.incident.pk)
    later = timezone.now() + timezone.timedelta(minutes=5)
    alloc.reallocate(scene.incident.pk, now=later)  # the buffer has passed: the ambulance leaves
    assert Allocation.objects.get(current=True).locked
    left = {h.id: h.capacity for h in alloc.board_of(scene.incident, now=later).problem.hospitals}
    assert left[scene.near.pk] == 0  # the one bed is the victim's, on the way
    ambulance = Allocation.objects.get(current=True).ambulance
    for status in ("at_hospital", "returning", "available"):
        ops.ambulance_set_status(actor=world.coordinator, ambulance=ambulance, status=status)
    fill(world.icu, 1)  # handed over: the ED arrival puts them in the census
    assert {h.id: h.capacity for h in alloc.board_of(scene.incident).problem.hospitals}[scene.near.pk] == 0
    assert Ambulance.objects.get(pk=ambulance.pk).status == "available"


def test_the_board_shows_the_live_figure_with_its_time_and_the_typed_one_as_entered(world, scene, client):
    fill(world.ward, 2)  # the ICU's 2 beds free
    client.force_login(world.coordinator)
    page = client.get(reverse("triage:board", args=[scene.incident.pk])).content.decode()
    assert 'data-testid="capacity-live"' in page and "Live " in page and "free staffed beds in" in page
    assert 'data-testid="capacity-entered"' in page
    # Only the outside hospital's capacity is typed in.
    assert reverse("triage:hospital-capacity", args=[scene.incident.pk, scene.far.pk]) in page
    assert reverse("triage:hospital-capacity", args=[scene.incident.pk, scene.near.pk]) not in page
    body = world.client_for(world.coordinator).get(f"/api/incidents/{scene.incident.pk}/board/").json()
    rows = {h["name"]: h for h in body["hospitals"]}
    assert rows["North General"]["capacity"] == 2 and rows["North General"]["capacity_source"] == "live"
    assert rows["North General"]["capacity_at"] and rows["Hill Cottage"]["capacity_source"] == "entered"
