"""Background work queued after the change that asks for it commits, by task name.

Domain modules name the task rather than import ``roster.tasks``: the tasks call into
the domain modules, so importing them back would tie the two into a cycle. Queued only
on commit, so a rolled-back change queues nothing and the worker always finds the rows.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from config.celery import app

NOTIFICATION_EMAIL = "roster.tasks.notification_email"
GENERATE_ROSTER = "roster.tasks.generate_roster"
ANNOUNCE_OPEN_SHIFTS = "roster.tasks.announce_open_shifts"


def after_commit(task: str, *args: object) -> None:
    """Queue ``task`` with JSON ``args`` once the current transaction commits."""
    transaction.on_commit(partial(app.send_task, task, args=list(args)))
