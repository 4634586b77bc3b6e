"""The Django admin shows incidents and what hangs under them, read-only: changes go
through the audited incident functions."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_administrator_reads_incidents_in_the_admin_but_changes_nothing_there(world, scene, client):
    client.force_login(world.admin)
    listing = client.get(reverse("admin:triage_incident_changelist"))
    assert listing.status_code == 200 and "Road traffic collision" in listing.content.decode()
    detail = client.get(reverse("admin:triage_incident_change", args=[scene.incident.pk]))
    assert detail.status_code == 200 and "Hill Cottage" in detail.content.decode()
    assert client.get(reverse("admin:triage_incident_add")).status_code == 403
    for model in ("victim", "allocation", "decision"):
        assert client.get(reverse(f"admin:triage_{model}_changelist")).status_code == 200
