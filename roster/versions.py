"""Roster version numbers, taken in turn under the unit's row lock (by the manager's
write functions and by the solver writing its draft alike)."""

from __future__ import annotations

import datetime as dt

from .models import Roster, Unit


def version_number(unit: Unit, start_date: dt.date) -> int:
    """The number of the next version of ``unit``'s roster for the period starting on
    ``start_date``. Takes the unit's row lock, held to the end of the caller's
    transaction, so two versions made at once (two managers, or a manager and the
    solver writing its draft) never get the same number."""
    Unit.objects.select_for_update().get(pk=unit.pk)
    latest = Roster.objects.filter(unit=unit, start_date=start_date).order_by("-version").first()
    return latest.version + 1 if latest else 1
