"""Celery tasks: thin, JSON arguments, idempotent; the work is in ``allocation.staffing``."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from roster.models import Unit

from .queue import RECOMPUTE_UNIT_HOURS, RECORD_CURRENT_HOURS
from .staffing import HOUR, unit_hours_record


@shared_task(name=RECOMPUTE_UNIT_HOURS, acks_late=True, soft_time_limit=120, time_limit=150)
def recompute_unit_hours(unit_id: int, since: str) -> int:
    """Rewrite the unit's hourly series from ``since`` (ISO, aware) to now. Safe to repeat
    or to run twice at once (the rows are upserted on (unit, hour)); a unit gone: 0."""
    return unit_hours_record(unit_id=unit_id, since=dt.datetime.fromisoformat(since))


@shared_task(name=RECORD_CURRENT_HOURS, acks_late=True, soft_time_limit=300, time_limit=330)
def record_current_hours() -> int:
    """Every hour (beat): write each unit's last hour and the one now running, so shift
    changes and call-outs reach the series even in an hour without events. Idempotent."""
    now = timezone.now()
    return sum(unit_hours_record(unit_id=pk, since=now - HOUR, now=now)
               for pk in Unit.objects.order_by("pk").values_list("pk", flat=True))
