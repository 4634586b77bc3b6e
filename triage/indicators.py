"""The crisis indicators of each site and of the network, read from live data.

* utilization per hour — the site's census over its staffed beds, from the hourly
  series the live-operations module keeps (``allocation.models.UnitHour``); an hour
  with patients and no staffed bed counts as exhausted;
* demand against forecast — the census of the last hours against the median the
  stored forecasts gave for them (``allocation.forecasts``);
* the forecast's peak utilization over the next 12 hours;
* staffed beds free now, equipment ready (share of the site's serviceable items),
  unfilled critical vacancies and the mutual-aid state where those modules report them.

A fixed number of queries whatever the number of sites.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import Count, Q

from allocation.backfill import unfilled_critical
from allocation.models import UnitHour
from allocation.mutual_aid import mutual_aid_state
from assets.models import Item
from assets.states import GROUPS, Group, State
from roster.models import Unit

from .escalation_rules import DEFAULT, Indicators, Thresholds

HOUR = dt.timedelta(hours=1)
DEMAND_HOURS = 4  # the window demand is compared with its forecast over
FORECAST_HOURS = 12


def hour_of(at: dt.datetime) -> dt.datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def utilization(census: int, staffed_beds: int) -> float | None:
    if staffed_beds > 0:
        return 100.0 * census / staffed_beds
    return math.inf if census > 0 else None


@dataclass(frozen=True)
class SiteFigures:
    """One site's indicators and the live figures shown beside them."""

    site_id: int
    indicators: Indicators
    census: int
    staffed_beds: int


def _demand_and_forecast(units_of: dict[int, list[int]], now: dt.datetime, actual: dict[tuple[int, dt.datetime], int],
                         staffed_now: dict[int, int]) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Per site: demand over forecast − 1 over the last hours, and the peak utilization
    of the forecast's median over the next 12 hours (None without forecasts)."""
    from allocation.forecasts import census_forecast

    unit_ids = [u for units in units_of.values() for u in units]
    first = hour_of(now) - (DEMAND_HOURS - 1) * HOUR
    past = census_forecast(unit_ids, first, DEMAND_HOURS)
    ahead = census_forecast(unit_ids, hour_of(now) + HOUR, FORECAST_HOURS)
    excess: dict[int, float | None] = {}
    peak: dict[int, float | None] = {}
    for site_id, units in units_of.items():
        expected = sum(p.median for u in units for p in past.get(u, []))
        seen = sum(actual.get((u, first + i * HOUR), 0) for u in units for i in range(DEMAND_HOURS))
        covered = all(u in past for u in units)
        excess[site_id] = seen / expected - 1 if covered and expected >= 1 else None
        if all(u in ahead for u in units) and staffed_now.get(site_id):
            by_hour: dict[dt.datetime, float] = defaultdict(float)
            for u in units:
                for p in ahead[u]:
                    by_hour[p.hour] += p.median
            peak[site_id] = 100.0 * max(by_hour.values(), default=0.0) / staffed_now[site_id]
        else:
            peak[site_id] = None
    return excess, peak


def site_figures(site_ids: Sequence[int], now: dt.datetime, th: Thresholds = DEFAULT) -> dict[int, SiteFigures]:
    hours = max(th.elevated_hours, th.down_hours, DEMAND_HOURS)
    last = hour_of(now)
    first = last - (hours - 1) * HOUR
    units_of: dict[int, list[int]] = {s: [] for s in site_ids}
    for unit_id, site_id in Unit.objects.filter(site_id__in=site_ids).values_list("pk", "site_id"):
        units_of[site_id].append(unit_id)
    rows = UnitHour.objects.filter(unit__site_id__in=site_ids, hour__gte=first, hour__lte=last)
    census: dict[tuple[int, dt.datetime], int] = defaultdict(int)
    staffed: dict[tuple[int, dt.datetime], int] = defaultdict(int)
    per_unit: dict[tuple[int, dt.datetime], int] = {}
    for unit_id, site_id, hour, c, s in rows.values_list("unit_id", "unit__site_id", "hour", "census", "staffed_beds"):
        census[site_id, hour] += c
        staffed[site_id, hour] += s
        per_unit[unit_id, hour] = c
    staffed_now = {s: staffed.get((s, last), 0) for s in site_ids}
    excess, peak = _demand_and_forecast(units_of, now, per_unit, staffed_now)
    items = Item.objects.filter(site_id__in=site_ids).exclude(state__in=GROUPS[Group.RETIRED]).values("site_id").annotate(
        total=Count("pk"), ready=Count("pk", filter=Q(state__in=(State.READY, State.STANDBY))))
    ready = {row["site_id"]: row["ready"] / row["total"] for row in items if row["total"]}
    extra = _reported(site_ids, now)
    found: dict[int, SiteFigures] = {}
    for site_id in site_ids:
        series = []
        for i in range(hours):
            hour = first + i * HOUR
            if (site_id, hour) in census or (site_id, hour) in staffed:
                series.append(utilization(census[site_id, hour], staffed[site_id, hour]))
            else:
                series.append(None)
        census_now, staffed_beds = census.get((site_id, last), 0), staffed.get((site_id, last), 0)
        indicators = Indicators(
            utilization=tuple(series), demand_excess=excess.get(site_id), forecast_peak=peak.get(site_id),
            staffed_beds_free=max(staffed_beds - census_now, 0), equipment_ready_share=ready.get(site_id),
        )
        vacancies, aid = extra.get(site_id, (0, ""))
        indicators = replace(indicators, unfilled_critical=vacancies, mutual_aid=aid)
        found[site_id] = SiteFigures(site_id, indicators, census_now, staffed_beds)
    return found


def _reported(site_ids: Sequence[int], now: dt.datetime) -> dict[int, tuple[int, str]]:
    """What backfill and mutual aid report per site (unfilled critical vacancies, the
    mutual-aid state)."""
    vacancies = unfilled_critical(site_ids, now)
    aid = {s: ("" if state == "none" else state) for s, state in mutual_aid_state(site_ids).items()}
    return {s: (vacancies.get(s, 0), aid.get(s, "")) for s in site_ids}


def exhausted(ind: Indicators, th: Thresholds = DEFAULT) -> list[bool | None]:
    return [None if u is None else u >= th.exhausted_utilization for u in ind.utilization]


def network_indicators(figures: dict[int, SiteFigures], th: Thresholds = DEFAULT) -> Indicators:
    """The network's indicators: its total utilization per hour and, per hour, how many
    sites were exhausted."""
    series = [exhausted(f.indicators, th) for f in figures.values()]
    length = max((len(s) for s in series), default=0)
    counts = tuple(sum(1 for s in series if i < len(s) and s[i]) for i in range(length))
    census = sum(f.census for f in figures.values())
    beds = sum(f.staffed_beds for f in figures.values())
    now = utilization(census, beds)
    return Indicators(utilization=(now,), exhausted_sites=counts,
                      unfilled_critical=sum(f.indicators.unfilled_critical for f in figures.values()),
                      staffed_beds_free=sum(f.indicators.staffed_beds_free or 0 for f in figures.values()))

