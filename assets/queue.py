"""Background work queued after the change that asks for it commits, by task name.

The write functions name the task rather than import ``assets.tasks`` (the tasks call
into them, so importing them back would make a cycle). Queued only on commit, so a
rolled-back change queues nothing and the worker always finds the rows.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from config.celery import app

MAINTENANCE_SCAN_ITEM = "assets.tasks.maintenance_scan_item_task"


def after_commit(task: str, *args: object) -> None:
    """Queue ``task`` with JSON ``args`` once the current transaction commits."""
    transaction.on_commit(partial(app.send_task, task, args=list(args)))
