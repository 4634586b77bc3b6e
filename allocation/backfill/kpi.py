"""Backfill measured: fill time, fill rate, share filled at each tier, overtime and
agency share, offers per fill, for a unit or a site over a period (vacancies opened in
it). A fixed number of queries whatever the number of vacancies."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from ..models.backfill import Offer, Vacancy
from .ranking import TIERS

TARGET_MINUTES = 4 * 60  # critical roles: filled within 4 hours


@dataclass(frozen=True)
class Kpis:
    vacancies: int
    filled: int
    open: int
    fill_rate: float | None  # filled ÷ (filled + escalated or cancelled unfilled…), per cent
    median_fill_minutes: float | None
    p90_fill_minutes: float | None
    critical_within_target: float | None  # per cent of critical fills within 4 h
    by_tier: dict[str, float] = field(default_factory=dict)  # tier label → per cent of fills
    overtime_share: float | None = None
    agency_share: float | None = None
    offers_per_fill: float | None = None
    per_day: list[tuple[str, int, int]] = field(default_factory=list)  # day, opened, filled


def _pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def measure(vacancies: QuerySet[Vacancy], start: dt.datetime, end: dt.datetime) -> Kpis:
    rows: list[dict[str, Any]] = [dict(r) for r in vacancies.filter(created_at__gte=start, created_at__lt=end)
                .values("pk", "status", "created_at", "filled_at", "fill_tier", "fill_cost", "critical")]
    done = {Vacancy.Status.FILLED, Vacancy.Status.AGENCY}
    filled = [r for r in rows if r["status"] in done and r["filled_at"] is not None]
    minutes = sorted((r["filled_at"] - r["created_at"]).total_seconds() / 60 for r in filled)
    closed = [r for r in rows if r["status"] != Vacancy.Status.OPEN]
    critical = [r for r in filled if r["critical"]]
    offers = Offer.objects.filter(vacancy_id__in=[r["pk"] for r in rows]).aggregate(n=Count("pk"))["n"]
    labels = {tier: Offer.Cost(cost).label for cost, tier in TIERS.items()}
    by_tier: dict[str, float] = {}
    for tier, name in sorted(labels.items()):
        share = _pct(sum(1 for r in filled if r["fill_tier"] == tier), len(filled))
        if share:
            by_tier[name] = share
    direct = sum(1 for r in filled if r["fill_tier"] is None)
    if direct:
        by_tier["Claimed from the open shifts"] = _pct(direct, len(filled)) or 0.0
    days: dict[str, list[int]] = {}
    for r in rows:
        key = r["created_at"].date().isoformat()
        days.setdefault(key, [0, 0])[0] += 1
        if r in filled:
            days[key][1] += 1
    return Kpis(
        vacancies=len(rows), filled=len(filled), open=len(rows) - len(closed),
        fill_rate=_pct(len(filled), len(closed)) if closed else None,
        median_fill_minutes=round(statistics.median(minutes), 1) if minutes else None,
        p90_fill_minutes=round(minutes[min(len(minutes) - 1, int(0.9 * len(minutes)))], 1) if minutes else None,
        critical_within_target=_pct(sum(1 for r in critical if (r["filled_at"] - r["created_at"]).total_seconds()
                                        <= TARGET_MINUTES * 60), len(critical)),
        by_tier=by_tier,
        overtime_share=_pct(sum(1 for r in filled if r["fill_cost"] == Offer.Cost.OVERTIME), len(filled)),
        agency_share=_pct(sum(1 for r in filled if r["fill_cost"] == Offer.Cost.AGENCY), len(filled)),
        offers_per_fill=round(offers / len(filled), 2) if filled else None,
        per_day=[(d, n[0], n[1]) for d, n in sorted(days.items())],
    )
