"""What the incident board shows, read once for the page and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from .hospitals import LiveCapacity, Places, places
from .models import Allocation, Ambulance, Incident, ReceivingHospital, Victim


@dataclass(frozen=True)
class VictimRow:
    victim: Victim
    allocation: Allocation | None
    seconds_to_lock: int | None  # None when locked or unassigned

    @property
    def lock_text(self) -> str:
        """``locks in 1:32``; ``due to lock`` once the buffer has passed (the next
        re-allocation locks it)."""
        if self.seconds_to_lock is None:
            return ""
        if self.seconds_to_lock == 0:
            return "due to lock"
        minutes, seconds = divmod(self.seconds_to_lock, 60)
        return f"locks in {minutes}:{seconds:02d}"


@dataclass(frozen=True)
class HospitalRow:
    hospital: ReceivingHospital
    sent: int
    planned: int
    places: Places

    @property
    def left(self) -> int:
        return self.places.left

    @property
    def capacity(self) -> int:
        return self.places.capacity

    @property
    def live(self) -> LiveCapacity | None:
        return self.places.live

    @property
    def capacity_source(self) -> str:
        return self.places.source

    @property
    def capacity_at(self) -> dt.datetime | None:
        return self.places.live.at if self.places.live else None


@dataclass(frozen=True)
class BoardView:
    incident: Incident
    victims: list[VictimRow]
    ambulances: list[Ambulance]
    hospitals: list[HospitalRow]
    counts: dict[int, int]  # victims by priority
    now: dt.datetime


def board(incident: Incident, *, now: dt.datetime | None = None) -> BoardView:
    """Victims by priority with their current (or last locked) assignment and the time
    left before it locks; ambulances; hospitals with their capacity (live for the
    network's sites), the places left (``triage.hospitals``) and the places the current
    plan would take."""
    now = now or timezone.now()
    rows = list(
        incident.allocations.filter(current=True).select_related("ambulance", "hospital", "chosen_by")
    )
    latest_locked = {
        a.victim_id: a
        for a in incident.allocations.filter(locked=True).select_related("ambulance", "hospital").order_by("locked_at")
    }
    by_victim = {a.victim_id: a for a in rows}
    victims = []
    counts: dict[int, int] = {}
    for v in incident.victims.all().order_by("status", "priority", "registered_at", "id"):
        counts[v.priority] = counts.get(v.priority, 0) + 1
        a = by_victim.get(v.pk) or latest_locked.get(v.pk)
        seconds = None
        if a is not None and not a.locked:
            seconds = max(0, int((a.locks_at - now).total_seconds()))
        victims.append(VictimRow(v, a, seconds))
    sent = dict(
        incident.allocations.filter(locked=True).values_list("hospital_id").annotate(n=Count("id"))
    )
    planned = dict(
        incident.allocations.filter(current=True, locked=False).values_list("hospital_id").annotate(n=Count("id"))
    )
    all_hospitals = list(incident.hospitals.all())
    held: dict[int, int] = {}
    for a in rows:
        if not a.locked and a.source == Allocation.Source.PERSON:
            held[a.hospital_id] = held.get(a.hospital_id, 0) + 1
    left = places(incident, all_hospitals, now=now, held=held)
    hospitals = [HospitalRow(h, sent.get(h.pk, 0), planned.get(h.pk, 0), left[h.pk]) for h in all_hospitals]
    return BoardView(incident, victims, list(incident.ambulances.all()), hospitals, counts, now)
