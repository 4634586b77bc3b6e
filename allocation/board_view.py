"""The multi-site status board and the site and unit detail behind it: what the pages
show, computed here (the views only render it).

The board, per site: status green / yellow / red from the site's utilization zone
(under-utilized and optimal green, high yellow, stressed and saturated red), utilization,
staff on shift against required and the spare, equipment available per type
(``allocation.board_equipment``), and the ED's time in department, estimated; then the
alerts (a unit changing zone, a forecast above capacity, and whatever the other
capabilities register in ``allocation.board``) and the transfers under way.

ED time: census events carry no patient identity, so no patient's wait can be measured.
What the events do give is the number of patients in the ED now (L) and the arrival
rate over the last four hours (λ); Little's law gives the mean time in the department
W = L / λ for a department near steady state. It is shown as an estimate, with its
inputs; without ED arrivals in the window the board says "not reported".

Cost: a fixed number of queries whatever the number of sites and units (the staffing
read, one read of the hourly series, one of ED arrivals, one of equipment, one per
registered source, and the forecasts' own fixed cost).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from roster.models import Site, Unit

from . import board
from .access import live_sites, live_units
from .board_equipment import EquipmentCount, equipment_by_site
from .forecasts import census_forecast
from .models import CensusEvent, UnitHour
from .staffing import HOUR, SiteStatus, UnitStatus, hour_of, site_status, unit_statuses
from .zones import BY_ZONE, Zone

# Zone changes within this long are alerts.
ALERT_WINDOW = dt.timedelta(hours=12)
# Forecasts above capacity within this long are alerts.
FORECAST_ALERT_HOURS = 12
# The ED arrival rate is read over this window.
ED_WINDOW = dt.timedelta(hours=4)
# The detail charts: this far back and this far ahead.
HISTORY_HOURS = 48
# The heat map's value for an hour with patients and no staffed bed at all.
NO_STAFFED_BED = 999
FORECAST_HOURS = 24

_RANK = {zone: i for i, zone in enumerate(Zone)}
COLOUR = {Zone.UNDER: "green", Zone.OPTIMAL: "green", Zone.HIGH: "yellow", Zone.STRESSED: "red",
          Zone.SATURATED: "red"}


def colour_of(zone: Zone | None) -> str:
    return COLOUR[zone] if zone else "grey"


@dataclass(frozen=True)
class EdTime:
    text: str
    minutes: int | None = None
    in_department: int = 0
    arrivals_per_hour: float = 0.0


@dataclass(frozen=True)
class UnitRow:
    """A unit's line on its site's card, ready to print."""

    unit_id: int
    name: str
    colour: str
    text: str
    url: str


def unit_row(status: UnitStatus) -> UnitRow:
    figure = f"{status.utilization:.0f} % " if status.utilization is not None else ""
    return UnitRow(status.unit_id, status.unit, colour_of(status.zone),
                   f"{figure}{status.zone.value if status.zone else 'no patients'}",
                   reverse("allocation:unit", args=[status.unit_id]))


@dataclass
class SiteCard:
    site_id: int
    name: str
    status: SiteStatus
    whole_site: bool  # False: only the user's units of this site are counted
    equipment: list[EquipmentCount] = field(default_factory=list)
    ed: EdTime = EdTime("No ED")
    badges: dict[str, board.Badge] = field(default_factory=dict)
    units: list[UnitRow] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return colour_of(self.status.zone)

    @property
    def zone_label(self) -> str:
        return BY_ZONE[self.status.zone].label if self.status.zone else "No patients"

    @property
    def spare_staff(self) -> int:
        return sum(max(0, len(u.on_shift) - u.required_total) for u in self.status.units)

    @property
    def short_staff(self) -> int:
        return sum(sum(u.short.values()) for u in self.status.units)

    @property
    def equipment_available(self) -> int:
        return sum(row.available for row in self.equipment)

    @property
    def url(self) -> str:
        return reverse("allocation:site", args=[self.site_id])


@dataclass
class Board:
    now: dt.datetime
    sites: list[SiteCard]
    alerts: list[board.Alert]
    transfers: list[board.TransferItem]

    @property
    def counts(self) -> dict[str, int]:
        out = {"green": 0, "yellow": 0, "red": 0, "grey": 0}
        for card in self.sites:
            out[card.colour] += 1
        return out


# --- forecasts ---------------------------------------------------------------------------

def _forecasts(unit_ids: Sequence[int], start: dt.datetime, hours: int) -> dict[int, list[Any]]:
    """Stored census forecasts per unit (``allocation.forecasts.census_forecast``): a unit
    without one yet is absent."""
    return dict(census_forecast(list(unit_ids), start, hours))


# --- alerts ------------------------------------------------------------------------------

def zone_alerts(units: Sequence[Unit], now: dt.datetime) -> list[board.Alert]:
    """A unit whose zone changed from one hour to the next within ``ALERT_WINDOW``, from
    the hourly series: rising into stressed or saturated is critical, into high a
    warning, falling back informational. One query."""
    names = {u.pk: u for u in units}
    since = hour_of(now) - ALERT_WINDOW
    rows = (UnitHour.objects.filter(unit__in=list(names), hour__gte=since, hour__lte=now)
            .order_by("unit", "hour").values_list("unit", "hour", "zone", "utilization", "computed_at"))
    found: list[board.Alert] = []
    previous: dict[int, str] = {}
    for unit_id, hour, zone, utilization, computed in rows:
        was = previous.get(unit_id)
        previous[unit_id] = zone
        if was is None or not zone or zone == was:
            continue
        new = Zone(zone)
        old = Zone(was) if was else None
        rising = old is None or _RANK[new] > _RANK[old]
        if old is None and new in (Zone.UNDER, Zone.OPTIMAL):
            continue  # a closed unit taking its first patients asks for nothing
        if rising and new in (Zone.STRESSED, Zone.SATURATED):
            severity = "critical"
        elif rising and new == Zone.HIGH:
            severity = "warning"
        else:
            severity = "info"
        unit = names[unit_id]
        figure = f" ({utilization:.0f} %)" if utilization is not None else ""
        before = BY_ZONE[old].label.lower() if old else "no patients"
        text = f"{unit.name}: {before} → {BY_ZONE[new].label.lower()}{figure}."
        if rising:
            text += f" {BY_ZONE[new].action}"
        found.append(board.Alert(severity=severity, at=min(hour + HOUR, computed), text=text,
                                 site_id=unit.site_id, unit_id=unit_id,
                                 url=reverse("allocation:unit", args=[unit_id])))
    return found


def forecast_alerts(statuses: Sequence[UnitStatus], now: dt.datetime,
                    forecasts: dict[int, list[Any]] | None = None) -> list[board.Alert]:
    """A unit whose census forecast for the next ``FORECAST_ALERT_HOURS`` goes above its
    capacity: the median above its physical beds is critical, the 90th percentile above
    the beds staffed now a warning (staff to the 90th percentile, not the median)."""
    if forecasts is None:
        forecasts = _forecasts([s.unit_id for s in statuses], hour_of(now) + HOUR, FORECAST_ALERT_HOURS)
    found = []
    for status in statuses:
        for point in forecasts.get(status.unit_id, ()):
            if status.beds and point.median > status.beds:
                found.append(board.Alert(
                    severity="critical", at=point.hour, site_id=status.site_id, unit_id=status.unit_id,
                    text=f"{status.unit}: census forecast {point.median:.0f} by {_clock(point.hour, status)}, "
                         f"above its {status.beds} beds.",
                    url=reverse("allocation:unit", args=[status.unit_id])))
                break
            if point.q90 > status.staffed_beds:
                found.append(board.Alert(
                    severity="warning", at=point.hour, site_id=status.site_id, unit_id=status.unit_id,
                    text=f"{status.unit}: census may reach {point.q90:.0f} by {_clock(point.hour, status)} "
                         f"(90th percentile), above the {status.staffed_beds} beds staffed now.",
                    url=reverse("allocation:unit", args=[status.unit_id])))
                break
    return found


def _clock(at: dt.datetime, status: UnitStatus) -> str:
    return timezone.localtime(at).strftime("%H:%M")


# --- ED time -----------------------------------------------------------------------------

def ed_times(units: Sequence[Unit], statuses: Sequence[UnitStatus], now: dt.datetime) -> dict[int, EdTime]:
    """Per site with an ED unit: the estimated time in the department (see the module's
    note). One query."""
    ed_units = [u for u in units if u.kind == Unit.Kind.ED]
    if not ed_units:
        return {}
    census = {s.unit_id: s.census for s in statuses}
    arrivals = dict(CensusEvent.objects.filter(
        unit__in=[u.pk for u in ed_units], kind=CensusEvent.Kind.ED_ARRIVAL,
        occurred_at__gt=now - ED_WINDOW, occurred_at__lte=now,
    ).values("unit").annotate(n=Count("id")).values_list("unit", "n"))
    per_site: dict[int, tuple[int, int]] = {}
    for u in ed_units:
        waiting, arrived = per_site.get(u.site_id, (0, 0))
        per_site[u.site_id] = (waiting + census.get(u.pk, 0), arrived + arrivals.get(u.pk, 0))
    out = {}
    hours = ED_WINDOW.total_seconds() / 3600
    for site_id, (waiting, arrived) in per_site.items():
        if not arrived:
            out[site_id] = EdTime("not reported", in_department=waiting)
            continue
        rate = arrived / hours
        minutes = round(60 * waiting / rate)
        shown = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
        out[site_id] = EdTime(f"≈ {shown}", minutes=minutes, in_department=waiting, arrivals_per_hour=rate)
    return out


# --- the board ---------------------------------------------------------------------------

def board_for(user: Any, now: dt.datetime | None = None) -> Board:
    """What ``user`` sees on the board at ``now``: the sites of the units they may read
    (a unit manager: their units only, not the rest of the site)."""
    now = now or timezone.now()
    units = list(live_units(user).select_related("site").order_by("site__name", "name"))
    whole = set(live_sites(user).values_list("pk", flat=True))
    sites: dict[int, Site] = {}
    for u in units:
        sites.setdefault(u.site_id, u.site)
    site_ids = list(sites)
    statuses = unit_statuses(units, now)
    by_site: dict[int, list[UnitStatus]] = defaultdict(list)
    for status in statuses:
        by_site[status.site_id].append(status)
    partial = [sid for sid in site_ids if sid not in whole]
    equipment = equipment_by_site([sid for sid in site_ids if sid in whole], today=timezone.localdate(now))
    if partial:
        mine = [u.pk for u in units if u.site_id in partial]
        equipment.update(equipment_by_site(partial, today=timezone.localdate(now), unit_ids=mine))
    eds = ed_times(units, statuses, now)
    badges = board.badges(site_ids, now)
    cards = [
        SiteCard(site_id=sid, name=site.name, status=site_status(site, by_site[sid]), whole_site=sid in whole,
                 equipment=equipment.get(sid, []), ed=eds.get(sid, EdTime("No ED")), badges=badges.get(sid, {}),
                 units=[unit_row(u) for u in by_site[sid]])
        for sid, site in sites.items()
    ]
    visible_units = {u.pk for u in units}
    # A registered alert about a unit shows to those who read that unit; one about a site
    # to those whose board shows the site.
    registered = [a for a in board.alerts(site_ids, now)
                  if (a.unit_id in visible_units if a.unit_id is not None else a.site_id in sites)]
    alerts = [*zone_alerts(units, now), *forecast_alerts(statuses, now), *registered]
    rank = {severity: i for i, severity in enumerate(board.SEVERITIES)}
    alerts.sort(key=lambda a: (-rank.get(a.severity, 0), -a.at.timestamp()))
    return Board(now=now, sites=cards, alerts=alerts, transfers=board.transfers(site_ids, now))


# --- site and unit detail ----------------------------------------------------------------

@dataclass
class Detail:
    """What a site or unit page shows: the status now, the chart's series and (for a
    site) the heat map's cells, ready for ``json_script``."""

    status: SiteStatus | UnitStatus
    units: list[UnitStatus]
    chart: dict[str, Any]
    heatmap: dict[str, Any] | None
    alerts: list[board.Alert]


def _label(at: dt.datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %H:%M")


def _series(units: Sequence[Unit], statuses: Sequence[UnitStatus], now: dt.datetime,
            tz: ZoneInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    """The utilization chart (the units' totals) and the heat map (unit × hour)."""
    current = hour_of(now)
    first = current - (HISTORY_HOURS - 1) * HOUR
    past = [first + i * HOUR for i in range(HISTORY_HOURS)]
    ahead = [current + (i + 1) * HOUR for i in range(FORECAST_HOURS)]
    index = {h: i for i, h in enumerate(past)}
    census = [0] * len(past)
    staffed = [0] * len(past)
    seen = [False] * len(past)
    order = {u.pk: i for i, u in enumerate(units)}
    cells = []
    for unit_id, hour, n, beds, utilization in UnitHour.objects.filter(
            unit__in=list(order), hour__gte=first, hour__lte=current).values_list(
            "unit", "hour", "census", "staffed_beds", "utilization"):
        i = index.get(hour)
        if i is None:
            continue
        census[i] += n
        staffed[i] += beds
        seen[i] = True
        if utilization is not None:
            cells.append([i, order[unit_id], round(utilization, 1)])
        elif n > 0:  # patients and no staffed bed: saturated (shown as such, not as a number)
            cells.append([i, order[unit_id], NO_STAFFED_BED])
    actual = [round(100 * c / s, 1) if ok and s else None for c, s, ok in zip(census, staffed, seen, strict=True)]
    # The units' census forecasts, summed, in patients against the beds staffed now (the
    # capacity line): the forecast is of patients, and utilization ahead would assume
    # today's staffing holds. Summing the units' quantiles over-states the site's 85th
    # and 90th (they do not add), which errs on the side of warning early.
    forecasts = _forecasts([u.pk for u in units], ahead[0], FORECAST_HOURS)
    med, q85, q90 = [0.0] * FORECAST_HOURS, [0.0] * FORECAST_HOURS, [0.0] * FORECAST_HOURS
    have = False
    slot = {h: i for i, h in enumerate(ahead)}
    for points in forecasts.values():
        for point in points:
            i = slot.get(point.hour)
            if i is None:
                continue
            med[i] += point.median
            q85[i] += point.q85
            q90[i] += point.q90
            have = True

    def rounded(values: list[float]) -> list[float | None]:
        return [round(v, 1) for v in values]

    none: list[float | None] = [None] * HISTORY_HOURS
    chart = {
        "labels": [_label(h, tz) for h in past + ahead],
        "actual": actual + [None] * FORECAST_HOURS,
        "census": [c if ok else None for c, ok in zip(census, seen, strict=True)] + [None] * FORECAST_HOURS,
        "median": none + rounded(med) if have else [],
        "q85": none + rounded(q85) if have else [],
        "q90": none + rounded(q90) if have else [],
        "staffed": sum(s.staffed_beds for s in statuses),
        "beds": sum(s.beds for s in statuses),
        "now": HISTORY_HOURS - 1,
        "forecast": have,
    }
    heat = {
        "hours": [_label(h, tz) for h in past],
        "units": [u.name for u in units],
        "cells": cells,
    }
    return chart, heat


def site_detail(user: Any, site: Site, now: dt.datetime | None = None) -> Detail:
    """The site as ``user`` may read it (a unit manager: their units of it)."""
    now = now or timezone.now()
    units = list(live_units(user).filter(site=site).select_related("site").order_by("name"))
    statuses = unit_statuses(units, now)
    chart, heat = _series(units, statuses, now, ZoneInfo(site.timezone))
    alerts = zone_alerts(units, now) + forecast_alerts(statuses, now)
    alerts.sort(key=lambda a: a.at, reverse=True)
    return Detail(status=site_status(site, statuses), units=statuses, chart=chart, heatmap=heat, alerts=alerts)


def unit_detail(unit: Unit, now: dt.datetime | None = None) -> Detail:
    now = now or timezone.now()
    statuses = unit_statuses([unit], now)
    chart, _ = _series([unit], statuses, now, ZoneInfo(unit.site.timezone))
    alerts = zone_alerts([unit], now) + forecast_alerts(statuses, now)
    alerts.sort(key=lambda a: a.at, reverse=True)
    return Detail(status=statuses[0], units=statuses, chart=chart, heatmap=None, alerts=alerts)
