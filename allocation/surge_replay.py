"""Replaying a surge into a unit as census events, so a person can watch the status board
react (``manage.py simulate_surge``).

The surge runs ``hours`` simulated hours in which arrivals come at ``factor`` times the
unit's forecast rate for those hours (its mean arrivals where there is no forecast yet;
a bed an hour for every eight beds where there is no history either) and the patients
present leave at the unit's usual discharge rate for the clock hour. Simulated time runs
``speed`` times faster than real time (60: an hour a minute; 0: everything at once).
Events go through ``allocation.census.census_events_record`` as a real sender's would —
checked, idempotent on (sender, event id), audited, recomputing the unit's hours after
commit — stamped with the real time they are sent (the census API refuses events from
the future). Each tick (ten simulated minutes) is one batch.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Q
from django.utils import timezone

from roster.errors import DomainError
from roster.models import Unit

from .census import EventIn, census_at, census_events_record
from .demo import SURGE_SENDER
from .forecasts import arrivals_forecast
from .models.forecasts import ForecastModel
from .staffing import HOUR, unit_statuses

TICK_MINUTES = 10
FALLBACK_DISCHARGE = 0.05  # per hour, for a unit never fitted


@dataclass(frozen=True)
class Tick:
    """What one tick sent, and the unit's state after it."""

    simulated: dt.timedelta
    arrivals: int
    departures: int
    census: int
    zone: str
    utilization: float | None


def find_unit(name_or_id: str, site: str | None = None) -> Unit:
    """The unit named (exactly or in part, case-insensitive) or numbered, within ``site``
    (its id, code or name) when given; a DomainError naming ``unit`` or ``site``."""
    units = Unit.objects.select_related("site")
    if site:
        sites = Q(site__code__iexact=site) | Q(site__name__icontains=site)
        if site.isdigit():
            sites |= Q(site_id=int(site))
        units = units.filter(sites)
        if not units.exists():
            raise DomainError(f"No site matches {site!r}.", field="site")
    if name_or_id.isdigit():
        found = units.filter(pk=int(name_or_id)).first()
        if found is None:
            raise DomainError(f"No unit has the id {name_or_id}.", field="unit")
        return found
    exact = list(units.filter(Q(name__iexact=name_or_id) | Q(code__iexact=name_or_id)))
    matches = exact or list(units.filter(name__icontains=name_or_id))
    if not matches:
        raise DomainError(f"No unit matches {name_or_id!r}.", field="unit")
    if len(matches) > 1:
        names = ", ".join(f"{u.name} ({u.site.code}, id {u.pk})" for u in matches)
        raise DomainError(f"{name_or_id!r} matches {names}: name the site or give the id.", field="unit")
    return matches[0]


def replay_surge(unit: Unit, *, factor: float = 2.5, hours: int = 6, speed: float = 60.0, seed: int | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> Iterator[Tick]:
    """Send the surge's events tick by tick (see the module); yields after each tick."""
    if not 0 < factor <= 20:
        raise DomainError("Give a factor above 0 and at most 20.", field="factor")
    if not 1 <= hours <= 72:
        raise DomainError("Give 1 to 72 hours.", field="hours")
    if speed < 0 or speed > 3600:
        raise DomainError("Give a speed from 0 (all at once) to 3600.", field="speed")
    rng = np.random.default_rng(seed)
    start = timezone.now()
    forecast = arrivals_forecast([unit.pk], start, hours).get(unit.pk, [])
    model = ForecastModel.objects.filter(unit=unit).first()
    usual = model.mean_arrivals if model else max(1.0, unit.beds / 8)
    rates = [p.median for p in forecast] + [usual] * (hours - len(forecast))
    tz = unit.site.timezone
    run = uuid.uuid4().hex[:8]
    kind_in, kind_out = ("ed_arrival", "ed_departure") if unit.kind == Unit.Kind.ED else ("admit", "discharge")
    ticks_per_hour = 60 // TICK_MINUTES
    sent = 0
    for k in range(hours * ticks_per_hour):
        hour = k // ticks_per_hour
        clock = (start + hour * HOUR).astimezone(ZoneInfo(tz)).hour
        leave = model.discharge_rate[clock] if model else FALLBACK_DISCHARGE
        now = timezone.now()
        present = census_at([unit.pk], now)[unit.pk]
        arrivals = int(rng.poisson(max(rates[hour], 0.0) * factor / ticks_per_hour))
        departures = int(rng.binomial(present, min(1.0, leave / ticks_per_hour)))
        events = []
        for movement, count in ((kind_in, arrivals), (kind_out, departures)):
            for _ in range(count):
                sent += 1
                events.append(EventIn(unit_id=unit.pk, kind=movement, occurred_at=now, sender=SURGE_SENDER,
                                      event_id=f"{run}-{sent}"))
        if events:
            census_events_record(actor=None, events=events, batch=True)
        status = unit_statuses([unit])[0]
        yield Tick(simulated=(k + 1) * dt.timedelta(minutes=TICK_MINUTES), arrivals=arrivals,
                   departures=departures, census=status.census, zone=status.zone.value if status.zone else "",
                   utilization=status.utilization)
        if speed > 0:
            sleep(TICK_MINUTES * 60 / speed)
