"""Background work queued after the change that asks for it commits, by task name.

The write functions name the task rather than import ``allocation.tasks`` (the tasks
call into them, so importing them back would make a cycle). Queued only on commit, so a
rolled-back batch queues nothing and the worker always finds the events.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction

from config.celery import app

RECOMPUTE_UNIT_HOURS = "allocation.tasks.recompute_unit_hours"
# Run by beat every hour (the schedule is in the settings).
RECORD_CURRENT_HOURS = "allocation.tasks.record_current_hours"
# Run by beat: each unit's forecaster refitted daily, its forecasts refreshed hourly.
FIT_FORECASTS = "allocation.tasks.fit_forecasts"
REFRESH_FORECASTS = "allocation.tasks.refresh_forecasts"


def recompute_after_commit(unit_id: int, since: dt.datetime) -> None:
    """Recompute the unit's hours from ``since`` to now once the transaction commits.
    ``partial`` binds this unit's arguments now (a lambda in a loop would see only the last)."""
    transaction.on_commit(partial(app.send_task, RECOMPUTE_UNIT_HOURS, args=[unit_id, since.isoformat()]))
