"""Receiving hospitals' capacity for new victims: live for the network's own sites, typed
in by hand for hospitals outside it.

**The live figure** of a network site is read from the status board's staffing
(``allocation.staffing``, the HAvBED definition): the staffed beds free — staffed beds
less the census, never below zero — summed over the site's receiving units, those that
take casualties from a scene: the emergency department, intensive care, step-down and
the medical-surgical wards (``RECEIVING_KINDS``). It is as of the moment it is read, and
shown with that time.

**Places left** for the allocation:

* outside hospital: the typed capacity less every victim this incident has sent there;
* network site: the live free beds less the victims *in transit* to it (their ambulance
  has left and is not yet back at the scene): once the ambulance is back, the victim has
  been handed over and is in the site's census (its ED arrival), so counting them again
  would take their bed twice;
* both: less the assignments a person fixed that have not left yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from allocation.staffing import unit_statuses
from roster.models import Unit

from .models import Incident, ReceivingHospital

RECEIVING_KINDS = (Unit.Kind.ED, Unit.Kind.ICU, Unit.Kind.STEPDOWN, Unit.Kind.MEDSURG)


@dataclass(frozen=True)
class LiveCapacity:
    site_id: int
    free_beds: int
    at: dt.datetime
    units: tuple[str, ...]


def live_capacities(site_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, LiveCapacity]:
    """The free staffed beds of each site's receiving units at ``now``; a site without
    receiving units has 0."""
    ids = sorted(set(site_ids))
    if not ids:
        return {}
    now = now or timezone.now()
    units = Unit.objects.filter(site__in=ids, kind__in=RECEIVING_KINDS).select_related("site").order_by("name")
    free: dict[int, int] = defaultdict(int)
    names: dict[int, list[str]] = defaultdict(list)
    for status in unit_statuses(units, now):
        free[status.site_id] += max(0, status.staffed_beds - status.census)
        names[status.site_id].append(status.unit)
    return {sid: LiveCapacity(sid, free.get(sid, 0), now, tuple(names.get(sid, ()))) for sid in ids}


@dataclass(frozen=True)
class Places:
    """A receiving hospital's capacity as shown and used: ``capacity`` is the live free
    beds or the typed figure; ``left`` what the allocation may still send there."""

    hospital: ReceivingHospital
    capacity: int
    left: int
    live: LiveCapacity | None
    sent: int
    in_transit: int

    @property
    def source(self) -> str:
        return "live" if self.live is not None else "entered"


def places(incident: Incident, hospitals: Iterable[ReceivingHospital], *, now: dt.datetime | None = None,
           held: Mapping[int, int] | None = None) -> dict[int, Places]:
    """Each hospital's places (see the module's rules); ``held`` counts, per hospital,
    the unlocked assignments a person fixed."""
    hospitals = list(hospitals)
    now = now or timezone.now()
    live = live_capacities([h.site_id for h in hospitals if h.site_id is not None], now=now)
    sent = dict(incident.allocations.filter(locked=True).values_list("hospital_id").annotate(n=Count("id")))
    transit = dict(incident.allocations.filter(locked=True, current=True).values_list("hospital_id")
                   .annotate(n=Count("id")))
    held = held or {}
    out = {}
    for h in hospitals:
        lc = live.get(h.site_id) if h.site_id is not None else None
        if lc is not None:
            capacity, taken = lc.free_beds, transit.get(h.pk, 0)
        else:
            capacity, taken = h.capacity, sent.get(h.pk, 0)
        left = max(0, capacity - taken - held.get(h.pk, 0))
        out[h.pk] = Places(h, capacity, left, lc, sent.get(h.pk, 0), transit.get(h.pk, 0))
    return out
