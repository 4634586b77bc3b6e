"""Celery tasks: thin, JSON arguments, idempotent; the work is in ``allocation.staffing``."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from roster.models import Unit

from . import forecasts
from .backfill.census import CENSUS_CHECK as BACKFILL_CENSUS
from .backfill.census import census_vacancies_open
from .backfill.offers import ADVANCE as BACKFILL_ADVANCE
from .backfill.offers import SWEEP as BACKFILL_SWEEP
from .backfill.offers import advance, sweep
from .queue import FIT_FORECASTS, RECOMPUTE_UNIT_HOURS, RECORD_CURRENT_HOURS, REFRESH_FORECASTS
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


@shared_task(name=BACKFILL_ADVANCE, acks_late=True, soft_time_limit=60, time_limit=90)
def backfill_advance(vacancy_id: int) -> str:
    """Take a vacancy's due step (its next wave or escalation). Idempotent: a duplicate or
    early run finds nothing due (``allocation.backfill.offers``)."""
    return advance(vacancy_id)


@shared_task(name=BACKFILL_SWEEP, acks_late=True, soft_time_limit=120, time_limit=150)
def backfill_sweep() -> int:
    """Every minute (beat): every vacancy step left due, e.g. by a worker killed mid-wave."""
    return sweep()


@shared_task(name=BACKFILL_CENSUS, acks_late=True, soft_time_limit=240, time_limit=270)
def backfill_census() -> int:
    """Every 10 minutes (beat): open a census vacancy for each place a unit has been short
    of for the last 30 minutes of the shift running now. Idempotent (places already
    offered are counted). Returns the vacancies opened."""
    return sum(len(o.opened) for o in census_vacancies_open())


@shared_task(name=FIT_FORECASTS, acks_late=True, soft_time_limit=1800, time_limit=1860)
def fit_forecasts() -> int:
    """Every day (beat): refit each unit's forecaster on its last year, then refresh the
    forecasts from it. Idempotent (each unit's fit replaces the last). Returns units fitted."""
    fitted = len(forecasts.fit_units())
    forecasts.refresh_forecasts()
    return fitted


@shared_task(name=REFRESH_FORECASTS, acks_late=True, soft_time_limit=600, time_limit=660)
def refresh_forecasts() -> int:
    """Every hour (beat): the next 14 days' forecasts from the current hour, and the
    actuals of the windows that have passed. Idempotent within the hour."""
    return forecasts.refresh_forecasts()
