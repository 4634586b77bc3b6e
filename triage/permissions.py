"""Who sees and acts on a mass-casualty incident, decided in querysets on top of
``roster.access`` (lists and creation are scoped as well as single incidents).

- **Seeing an incident** (its board, victims, ambulances, hospitals, recommendation):
  everyone who works at or manages a unit of the incident's site (staff, unit managers),
  the site's coordinators, and regional coordinators and administrators.
- **Registering and retriaging victims**: anyone who sees the incident, while it is
  open. At a mass-casualty incident every clinician of the receiving site may be
  handed a tag and a phone; the rule is deliberately simple — a person of the site is
  "assigned to the incident" for as long as it is open. Closed incidents are read-only.
- **Acting on the incident** (ambulances, hospitals, the policy, the corrector's
  decisions, closing it): the site's coordinators, regional coordinators,
  administrators, and the incident commander.
- **Opening an incident**: site coordinators for their sites; regional coordinators and
  administrators anywhere.
- **Declaring crisis standards of care** (which allow the expectant category, P5): the
  incident commander alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from roster import access
from roster.models import Site

from .models import Incident


def visible_incidents(user: Any) -> QuerySet[Incident]:
    if access.level_of(user) is None:
        return Incident.objects.none()
    if access.is_network_wide(user):
        return Incident.objects.all()
    scope = (
        Q(site__in=access.managed_sites(user))
        | Q(site__in=access.visible_units(user).values("site"))
        | Q(commander=user)
    )
    return Incident.objects.filter(scope)


def sites_for_new_incident(user: Any) -> QuerySet[Site]:
    return access.managed_sites(user)


def can_command(user: Any, incident: Incident) -> bool:
    """Ambulances, hospitals, the policy, the corrector's decisions, closing."""
    if access.level_of(user) is None:
        return False
    if getattr(user, "pk", None) == incident.commander_id:
        return True
    return access.managed_sites(user).filter(pk=incident.site_id).exists()


def can_triage(user: Any, incident: Incident) -> bool:
    """Registering and retriaging victims: anyone who sees the open incident."""
    return incident.is_open and visible_incidents(user).filter(pk=incident.pk).exists()


def can_declare_crisis_standards(user: Any, incident: Incident) -> bool:
    return getattr(user, "pk", None) == incident.commander_id
