"""Celery tasks: thin, JSON arguments, idempotent; the work is in domain modules."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .certifications import certification_expiry_alert
from .generation import solver_run_execute
from .marketplace import announce
from .notifications import notification_email_send


@shared_task(soft_time_limit=120, time_limit=150)
def certification_expiry_scan(today: str | None = None) -> int:
    """Flag certifications expiring within 30 days to their managers (daily, via beat)."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return certification_expiry_alert(today=day)


@shared_task(
    acks_late=True,
    # The solver's own time limit ends the search; these only catch a stuck worker.
    soft_time_limit=3700,
    time_limit=3800,
)
def generate_roster(run_id: int) -> str:
    """Run a queued roster generation (idempotent: a finished or claimed run is skipped)."""
    return solver_run_execute(run_id)


@shared_task(
    acks_late=True,
    soft_time_limit=30,
    time_limit=60,
    # SMTP and network failures are OSErrors: transient, worth a retry with backoff.
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def notification_email(notification_id: int) -> str:
    """E-mail one notification, at most once (a retry finds it claimed and returns)."""
    return notification_email_send(notification_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def announce_open_shifts(open_shift_ids: list[int]) -> int:
    """Tell the people who could take these open shifts (each shift once, retries too)."""
    return announce(open_shift_ids)
