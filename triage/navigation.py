"""What triage adds to the navigation (``roster.context_processors``): for staff-level
users, a link to each open incident they are assigned to (``triage.permissions``: the
people of its site, and its commander), so a nurse handed a tag at the scene finds the
live board from any page. Coordinators, regional coordinators and administrators reach
every incident they see through the "Incidents" entry they already have; the link costs
one query, spent only on staff-level users."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from roster.access import Level, level_of

from .models import Incident
from .permissions import visible_incidents

# More open incidents than this at once are reached through the incident list.
MAX_LINKS = 3


def incident_links(user: Any) -> list[tuple[str, str]]:
    """(label, url) of the newest open incidents ``user`` is assigned to; one query."""
    if level_of(user) != Level.STAFF:
        return []
    rows = visible_incidents(user).filter(status=Incident.Status.OPEN).select_related("site").order_by(
        "-started_at", "-id")[:MAX_LINKS]
    return [(f"Incident: {i.get_kind_display()} · {i.site.code}", reverse("triage:board", args=[i.pk]))
            for i in rows]
