"""Call-out backfill: a place that comes free is ranked, offered, escalated and measured.

* A vacancy is created by a call-out (or leave) taking someone off the roster in force,
  by a published roster left short (both through ``roster.marketplace.places_posted``),
  by the live census asking for more staff (:mod:`.census` every 10 minutes, or
  :func:`vacancy_open` through the API), or by on-call staff
  being called in (:func:`call_in_on_call`). It is backed by the marketplace's open
  shift: one place, one first valid claim.
* :mod:`.ranking` — who may fill it under the rulebook, in the site's order of criteria,
  with reasons; everyone else with the rule that excludes them.
* :mod:`.offers` — offer policies per unit (broadcast to the top N, one at a time,
  tiered waves, manager pick), driven by Celery and settled in the database; escalation
  to the next tier, the agency, then the site's coordinators.
* :mod:`.kpi` — fill time, fill rate, tiers, overtime and agency share, offers per fill.
* :mod:`.sms` — the text-message interface (a log locally).

For the crisis escalation:

* :func:`unfilled_critical` ``(site_ids, now) -> {site_id: n}`` — critical vacancies still
  unfilled whose shift starts within a day (or is under way), per site.
* :func:`call_in_on_call` ``(actor=, unit=, shift_type=, day=, role="")`` — posts a place on
  the roster in force and offers it first to everyone on call that day who may work it
  (the actor must manage the unit); returns the vacancy, whose waves and escalation then
  run as any other's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count

from ..models.backfill import Vacancy
from .offers import (
    advance,
    agency_filled,
    call_in_on_call,
    offer_accept,
    offer_decline,
    sweep,
    vacancy_open,
    vacancy_pick,
)
from .ranking import Candidate, Excluded, Ranking, rank

UPCOMING = dt.timedelta(hours=24)
UNDER_WAY = dt.timedelta(hours=12)


def unfilled_critical(site_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Per site: critical vacancies not filled (open or escalated) whose shift starts in
    the next 24 hours or started in the last 12. One query."""
    rows = (Vacancy.objects.filter(unit__site_id__in=list(site_ids), critical=True,
                                   status__in=Vacancy.OPEN_STATUSES,
                                   starts_at__gt=now - UNDER_WAY, starts_at__lte=now + UPCOMING)
            .values_list("unit__site_id").annotate(n=Count("pk")).values_list("unit__site_id", "n"))
    return dict(rows)


__all__ = [
    "Candidate", "Excluded", "Ranking", "advance", "agency_filled", "call_in_on_call", "offer_accept",
    "offer_decline", "rank", "sweep", "unfilled_critical", "vacancy_open", "vacancy_pick",
]
