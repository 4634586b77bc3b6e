"""Backfill on the status board, and its hooks into the roster.

``register()`` (from ``AllocationConfig.ready``) puts each unfilled critical vacancy on
the board as an alert (critical once escalated to the coordinators or past its fill
deadline, a warning before), a per-site badge with their count, and connects backfill to
the roster: places posted by a call-out or a shortfall become vacancies
(``roster.marketplace.places_posted``), and a vacancy follows its open shift when it is
claimed or withdrawn (``post_save`` of ``OpenShift``). One query per board refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from roster import marketplace
from roster.models import OpenShift

from . import board
from .backfill import unfilled_critical
from .backfill.offers import label, on_open_shift_saved, on_places_posted
from .models.backfill import Vacancy


def alerts(site_ids: Sequence[int], now: dt.datetime) -> Iterable[board.Alert]:
    rows = (Vacancy.objects.filter(unit__site_id__in=list(site_ids), critical=True,
                                   status__in=Vacancy.OPEN_STATUSES, starts_at__gt=now - dt.timedelta(hours=12),
                                   starts_at__lte=now + dt.timedelta(hours=24))
            .select_related("unit", "shift_type", "skill", "certification_type").order_by("deadline")[:50])
    for v in rows:
        late = v.status == Vacancy.Status.ESCALATED or v.deadline <= now
        yield board.Alert(
            severity="critical" if late else "warning", at=v.created_at,
            text=f"Unfilled critical vacancy: {label(v)}"
                 + (" (escalated)" if v.status == Vacancy.Status.ESCALATED else
                    f", fill by {timezone.localtime(v.deadline):%H:%M}"),
            site_id=v.unit.site_id, unit_id=v.unit_id, url=reverse("backfill-detail", args=[v.pk]))


def badges(site_ids: Sequence[int], now: dt.datetime) -> Mapping[int, board.Badge]:
    return {site: board.Badge(f"{n} unfilled critical", "critical", reverse("backfill-list"))
            for site, n in unfilled_critical(site_ids, now).items() if n}


def register() -> None:
    board.register_alert_source("backfill", alerts)
    board.register_badge_source("backfill", badges)
    marketplace.places_posted.connect(on_places_posted, dispatch_uid="backfill-places-posted")
    post_save.connect(on_open_shift_saved, sender=OpenShift, dispatch_uid="backfill-open-shift-saved")
