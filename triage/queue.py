"""Background work queued after the change that asks for it commits, by task name.

The write functions name the task rather than import ``triage.tasks`` (the tasks call
into them, so importing them back would make a cycle). Queued only on commit, so a
rolled-back change queues nothing and the worker always finds the rows.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from config.celery import app

REALLOCATE = "triage.tasks.reallocate_incident"
SENSING_SCAN = "triage.tasks.sensing_scan"


def reallocate_after_commit(incident_id: int) -> None:
    """Re-allocate the incident once the current transaction commits (an event: a new
    victim, a retriage, an ambulance back, a hospital's capacity)."""
    transaction.on_commit(partial(app.send_task, REALLOCATE, args=[incident_id]))


ESCALATION_SCAN = "triage.tasks.escalation_scan"
PLAYBOOK_RUN = "triage.tasks.run_playbook"
SITREP_REMINDERS = "triage.tasks.sitrep_reminders"


def after_commit(task: str, *args: object) -> None:
    """Queue ``task`` with ``args`` once the current transaction commits."""
    transaction.on_commit(partial(app.send_task, task, args=list(args)))
