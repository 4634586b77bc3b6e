"""Celery tasks: thin, JSON arguments, idempotent; the work is in ``allocation.staffing``."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .queue import RECOMPUTE_UNIT_HOURS
from .staffing import unit_hours_record


@shared_task(name=RECOMPUTE_UNIT_HOURS, acks_late=True, soft_time_limit=120, time_limit=150)
def recompute_unit_hours(unit_id: int, since: str) -> int:
    """Rewrite the unit's hourly series from ``since`` (ISO, aware) to now. Safe to repeat
    or to run twice at once (the rows are upserted on (unit, hour)); a unit gone: 0."""
    return unit_hours_record(unit_id=unit_id, since=dt.datetime.fromisoformat(since))
