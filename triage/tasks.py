"""Celery tasks: thin, JSON arguments, idempotent; the work is in ``triage.allocation``."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .allocation import due_for_sensing, reallocate
from .escalation import scan
from .playbooks import playbook_run
from .queue import ESCALATION_SCAN, PLAYBOOK_RUN, REALLOCATE, SITREP_REMINDERS
from .sitrep import due_reminders


@shared_task(name=REALLOCATE, acks_late=True, soft_time_limit=60, time_limit=90)
def reallocate_incident(incident_id: int) -> dict[str, int] | None:
    """Lock what is due and re-solve one incident. Safe to repeat: an unchanged situation
    changes nothing; a closed or deleted incident is left alone."""
    done = reallocate(incident_id)
    return None if done is None else {"locked": done.locked, "changed": done.changed}


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def sensing_scan() -> list[int]:
    """Every minute (beat): re-allocate each open incident whose sensing interval has
    passed or whose assignments are due to lock."""
    done = []
    for incident_id in due_for_sensing(timezone.now()):
        if reallocate(incident_id) is not None:
            done.append(incident_id)
    return done


@shared_task(name=ESCALATION_SCAN, acks_late=True, soft_time_limit=120, time_limit=150)
def escalation_scan() -> dict[str, int]:
    """Every few minutes (beat): read each site's crisis indicators; propose, withdraw or
    re-send proposals. Safe to run twice at once (one pending proposal per site is a
    database constraint)."""
    result = scan()
    return {"proposed": result.proposed, "withdrawn": result.withdrawn, "reminded": result.reminded}


@shared_task(name=PLAYBOOK_RUN, acks_late=True, soft_time_limit=120, time_limit=150)
def run_playbook(change_id: int) -> int:
    """Run a confirmed level's playbook actions, each once (safe to repeat)."""
    return playbook_run(change_id)


@shared_task(name=SITREP_REMINDERS, acks_late=True, soft_time_limit=60, time_limit=90)
def sitrep_reminders() -> int:
    """Every few minutes (beat): remind issuers whose next situation report is due."""
    return due_reminders()
