"""Celery tasks of redeployment and mutual aid: thin, JSON arguments, idempotent; the work
is in ``allocation.recommendations`` and ``allocation.mutual_aid``. Imported when the app
is ready, so the worker knows them by the names below."""

from __future__ import annotations

from celery import shared_task

from roster.models import Site

from . import mutual_aid
from .recommendations import REPLAN, REPLAN_ALL, replan


@shared_task(name=REPLAN, acks_late=True, soft_time_limit=120, time_limit=150)
def redeploy_replan(site_id: int | None, trigger: str = "manual", quantile: str = "q85") -> int | None:
    """Re-plan one site's units (or the network, ``site_id`` None) now; the run's id."""
    site = Site.objects.filter(pk=site_id).first() if site_id is not None else None
    if site_id is not None and site is None:
        return None
    run = replan(site, trigger=trigger, quantile=quantile, force=True)
    return run.pk if run else None


@shared_task(name=REPLAN_ALL, acks_late=True, soft_time_limit=600, time_limit=660)
def redeploy_watch(cadence: bool = False) -> int:
    """Beat: every site and the network. ``cadence`` (hourly) re-plans each; otherwise
    (every few minutes) only where a trigger fires past its hysteresis. Runs made."""
    made = 0
    for site in [*Site.objects.order_by("pk"), None]:
        run = replan(site, trigger="cadence", force=True) if cadence else replan(site)
        made += run is not None
    return made


@shared_task(name=mutual_aid.REMIND, acks_late=True, soft_time_limit=60, time_limit=90)
def mutual_aid_remind(loan_id: int) -> bool:
    """At ``REMIND_AFTER`` (ETA): remind the lender once, if it still has not acknowledged."""
    return mutual_aid.remind(loan_id)


@shared_task(name=mutual_aid.ESCALATE, acks_late=True, soft_time_limit=60, time_limit=90)
def mutual_aid_escalate(loan_id: int) -> bool:
    """At the acknowledgement deadline (ETA): escalate, if it still has not acknowledged."""
    return mutual_aid.escalate(loan_id)


@shared_task(name=mutual_aid.SCAN, acks_late=True, soft_time_limit=120, time_limit=150)
def mutual_aid_scan() -> dict[str, int]:
    """Every minute (beat): proposals, and any reminder or escalation a lost ETA missed."""
    return mutual_aid.scan()
