"""Real-time allocation: census signals and the live staffing they are read against.

The census is never stored as a running number that events add to: it is computed from
the events themselves (``allocation/census.py``), so an event that arrives late or out of
order takes its place in time and every later reading includes it. What is stored per
hour (``UnitHour``) is a derived picture, rewritten by a task whenever an event changes
the hours it falls in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from roster.models import Staff, Unit


class CensusEvent(models.Model):
    """One patient movement reported by a site's system (an ADT-style message).

    ``sender`` and ``event_id`` are the sending system's name and its own id for the
    message: a message sent twice is recorded once.
    """

    class Kind(models.TextChoices):
        ADMIT = "admit", "Admission"
        DISCHARGE = "discharge", "Discharge"
        TRANSFER = "transfer", "Transfer to another unit"
        ED_ARRIVAL = "ed_arrival", "ED arrival"
        ED_DEPARTURE = "ed_departure", "ED departure"

    # What each kind does to the census of ``unit`` (a transfer also adds one to ``to_unit``).
    DELTA = {"admit": 1, "ed_arrival": 1, "discharge": -1, "ed_departure": -1, "transfer": -1}

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="census_events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="census_events_in",
        help_text="The receiving unit of a transfer.",
    )
    occurred_at = models.DateTimeField()
    acuity = models.CharField(max_length=30, blank=True, help_text="The patient's acuity level, where known.")
    sender = models.CharField(max_length=60)
    event_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "event_id"], name="census_event_once_per_sender"),
            models.CheckConstraint(
                condition=(Q(kind="transfer") & Q(to_unit__isnull=False) & ~Q(to_unit=F("unit")))
                | (~Q(kind="transfer") & Q(to_unit__isnull=True)),
                name="census_event_transfer_names_another_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "occurred_at"], name="census_event_unit_time"),
            models.Index(fields=["to_unit", "occurred_at"], name="census_event_to_unit_time"),
            # The live census's check for events received after a unit's snapshot.
            models.Index(fields=["received_at"], name="census_event_received"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}#{self.event_id} {self.kind} {self.unit_id} {self.occurred_at:%Y-%m-%d %H:%M}"


class ClockEvent(models.Model):
    """A clock-in or clock-out sent by a site's time-and-attendance system. Where a site
    sends them they override the roster: see ``allocation/staffing.py``."""

    class Kind(models.TextChoices):
        IN = "in", "Clock-in"
        OUT = "out", "Clock-out"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="clock_events")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="clock_events")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    sender = models.CharField(max_length=60)
    event_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "event_id"], name="clock_event_once_per_sender"),
        ]
        indexes = [models.Index(fields=["staff", "occurred_at"], name="clock_event_staff_time")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind} {self.unit_id} {self.occurred_at:%Y-%m-%d %H:%M}"


class UnitHour(models.Model):
    """A unit's state at the end of one hour (or at the time of computing, for the hour
    still running): census, staff on shift, staff required, staffed beds, utilization.

    Written by the recompute task; rewritten when a late event changes the hour.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="hours")
    hour = models.DateTimeField(help_text="The start of the hour.")
    census = models.PositiveIntegerField()
    on_shift = models.PositiveIntegerField()
    on_shift_rn = models.PositiveIntegerField()
    required = models.JSONField(default=dict, help_text="Staff required now by role (ratio rules).")
    required_total = models.PositiveIntegerField()
    beds = models.PositiveIntegerField()
    staffed_beds = models.PositiveIntegerField()
    utilization = models.FloatField(null=True, blank=True, help_text="Census ÷ staffed beds, in per cent.")
    zone = models.CharField(max_length=16, blank=True)
    computed_at = models.DateTimeField(auto_now=True)
    census_as_of = models.DateTimeField(
        null=True, blank=True,
        help_text="The instant ``census`` counts events up to (the end of the hour, or the time of computing "
                  "for the hour still running); empty on rows written otherwise (imported history).")

    class Meta:
        ordering = ["unit", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "hour"], name="unit_hour_unique"),
            models.CheckConstraint(condition=Q(staffed_beds__lte=F("beds")), name="unit_hour_staffed_within_beds"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.hour:%Y-%m-%d %H:00}: {self.census}/{self.staffed_beds}"


# Each capability keeps its models in a module of its own; importing them here registers
# them with the app.
from . import backfill, forecasts, redeploy  # noqa: E402,F401
