"""Everyone assigned to an open incident finds it in the navigation, staff included, and
its board is live for them; people of other sites and closed incidents do not show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from triage import incident as ops

pytestmark = pytest.mark.django_db


def labels_and_urls(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    return [(item.label, item.url) for item in response.context["nav_items"]]


def test_a_staff_nurse_of_the_site_finds_the_open_incident_in_the_navigation(world, scene, client):
    board = reverse("triage:board", args=[scene.incident.pk])
    assert ("Incident: Road traffic collision · north", board) in labels_and_urls(client, world.nurse.user)
    page = client.get(board)
    assert page.status_code == 200 and 'hx-trigger="every 5s"' in page.content.decode()  # live without reload


def test_a_nurse_of_another_site_does_not(world, scene, client):
    assert not any(label.startswith("Incident:") for label, _ in labels_and_urls(client, world.outsider.user))


def test_a_closed_incident_leaves_the_navigation(world, scene, client):
    ops.incident_close(actor=world.coordinator, incident=scene.incident)
    assert not any(label.startswith("Incident:") for label, _ in labels_and_urls(client, world.nurse.user))
