"""Who sees live operations. Staff see none of it; a unit manager reads their units; a
site coordinator their sites' units and the sites; regional coordinators and
administrators everything. Who reports events: ``allocation.census.REPORTERS``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from roster.access import Level, level_of, managed_sites, managed_units
from roster.models import Site, Unit

READERS = (Level.UNIT_MANAGER, Level.SITE_COORDINATOR, Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR)


def sees_live_operations(user: Any) -> bool:
    return level_of(user) in READERS


def live_units(user: Any) -> QuerySet[Unit]:
    """Units whose census and staffing ``user`` may read (a home unit does not count:
    staff see none of it)."""
    if not sees_live_operations(user):
        return Unit.objects.none()
    return managed_units(user)


def live_sites(user: Any) -> QuerySet[Site]:
    """Sites whose totals ``user`` may read: coordinators' sites, or all network-wide.
    A unit manager sees their units, not the totals of a site they see only part of."""
    return managed_sites(user)
