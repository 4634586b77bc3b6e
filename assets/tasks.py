"""Celery tasks: thin, JSON arguments, idempotent; the work is in ``assets.maintenance``."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def maintenance_scan_task() -> int:
    """The daily scan (beat): open the work orders time and usage triggers call for.
    A retry opens nothing twice (unique work order per item and trigger)."""
    from .maintenance import maintenance_scan

    return maintenance_scan()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def maintenance_scan_item_task(item_id: int) -> int:
    """One item's time and usage triggers, queued after a reading or usage commits."""
    from .maintenance import maintenance_scan_item

    return maintenance_scan_item(item_id)
