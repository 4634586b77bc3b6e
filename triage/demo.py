"""The demo's mass-casualty incident: a coach crash near Riverside General Hospital,
opened by the demo coordinator a quarter of an hour ago, with victims triaged at the
scene (by the demo nurse, who works at Riverside and so finds it in her menu), five
ambulances, and three receiving hospitals — Riverside and Northgate, network sites whose
capacity is read live from the status board, and a trauma centre outside the network
with a typed capacity — and the board's first recommendation. Everything goes through
the incident's own audited functions. Safe to re-run: an open demo incident is kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from roster.access import managed_sites
from roster.models import Site

from . import incident as ops
from .allocation import reallocate
from .models import Incident

DESCRIPTION = "Coach on its side on the A12 bypass, 38 passengers; fuel leak contained."
# (tag, age band, START/JumpSTART answers, minutes after the incident opened)
VICTIMS: tuple[tuple[str, str, dict[str, Any], int], ...] = (
    ("101", "adult", {"walks": False, "breathing": True, "respiratory_rate": 34}, 2),
    ("102", "adult", {"walks": False, "breathing": True, "respiratory_rate": 22, "radial_pulse": False}, 3),
    ("103", "older", {"walks": False, "breathing": True, "respiratory_rate": 18, "follows_commands": False}, 4),
    ("104", "adult", {"walks": False, "breathing": True, "respiratory_rate": 20}, 5),
    ("105", "youth", {"walks": False, "breathing": True, "respiratory_rate": 16, "capillary_refill_s": 1.5}, 6),
    ("106", "child", {"walks": False, "breathing": True, "respiratory_rate": 50}, 7),
    ("107", "adult", {"walks": True}, 8),
    ("108", "older", {"walks": True}, 9),
    ("109", "adult", {"walks": False, "breathing": True, "respiratory_rate": 24}, 10),
    ("110", "adult", {"walks": True}, 11),
)
AMBULANCES = (("RV-11", 2), ("RV-12", 1), ("RV-14", 1), ("NG-02", 2), ("NG-05", 1))


@dataclass(frozen=True)
class IncidentDemo:
    incident_id: int | None
    victims: int
    ambulances: int
    hospitals: int


def build_incident_demo(now: dt.datetime | None = None) -> IncidentDemo:
    now = now or timezone.now()
    users = {u.username: u for u in get_user_model()._default_manager.filter(
        username__in=["coordinator", "nurse"])}
    if len(users) < 2:
        return IncidentDemo(None, 0, 0, 0)
    # The demo coordinator's site (Riverside General) and the next network site by name
    # (Northgate Community) receive.
    home = managed_sites(users["coordinator"]).order_by("name").first()
    if home is None:
        return IncidentDemo(None, 0, 0, 0)
    other = Site.objects.exclude(pk=home.pk).order_by("name").first()
    incident = Incident.objects.filter(status=Incident.Status.OPEN, site=home, description=DESCRIPTION).first()
    if incident is None:
        coordinator, nurse = users["coordinator"], users["nurse"]
        started = now - dt.timedelta(minutes=15)
        incident = ops.incident_create(
            actor=coordinator, site=home, kind=Incident.Kind.TRAFFIC, description=DESCRIPTION,
            started_at=started, sensing_minutes=5, buffer_minutes=10,
        )
        for call_sign, crew in AMBULANCES:
            ops.ambulance_add(actor=coordinator, incident=incident, call_sign=call_sign, crew=crew)
        ops.hospital_add(actor=coordinator, incident=incident, name=home.name, site=home, resources=3,
                         capacity=0, distance=1)
        if other is not None:
            ops.hospital_add(actor=coordinator, incident=incident, name=other.name, site=other, resources=1,
                             capacity=0, distance=2)
        ops.hospital_add(actor=coordinator, incident=incident, name="St Mary's Major Trauma Centre",
                         resources=3, capacity=6, distance=3)
        for tag, age_band, answers, minutes in VICTIMS:
            victim = ops.victim_register(actor=nurse, incident=incident, tag=tag, answers=answers, age_band=age_band)
            # Registered at the scene over the first minutes (the board shows the wait).
            type(victim).objects.filter(pk=victim.pk).update(
                registered_at=started + dt.timedelta(minutes=minutes), triaged_at=started + dt.timedelta(minutes=minutes))
            victim.triages.update(at=started + dt.timedelta(minutes=minutes))
        reallocate(incident.pk, now=now)
    return IncidentDemo(incident.pk, incident.victims.count(), incident.ambulances.count(), incident.hospitals.count())
