"""The demo's incident: open at the demo coordinator's site with victims triaged,
ambulances, live and typed receiving hospitals and a first recommendation; the demo
nurse finds it in her menu; building it twice changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from triage.demo import build_incident_demo
from triage.models import Allocation, Incident

pytestmark = pytest.mark.django_db


def test_the_demo_incident_is_a_real_board(world, client):
    demo = build_incident_demo()
    incident = Incident.objects.get(pk=demo.incident_id)
    assert incident.is_open and incident.site == world.north and incident.commander == world.coordinator
    assert (demo.victims, demo.ambulances, demo.hospitals) == (10, 5, 3)
    assert set(incident.victims.values_list("priority", flat=True)) == {1, 3, 4}
    assert Allocation.objects.filter(incident=incident, current=True).count() == 5  # one per ambulance
    client.force_login(world.nurse.user)
    home = client.get(reverse("home"))
    board = reverse("triage:board", args=[incident.pk])
    assert board in [item.url for item in home.context["nav_items"]]
    page = client.get(board).content.decode()
    assert 'data-testid="capacity-live"' in page and "St Mary" in page and "Tag 101" in page
    assert build_incident_demo() == demo
