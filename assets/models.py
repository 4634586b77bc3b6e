"""Equipment: types, items, lifecycle states, location, usage and maintenance.

Rows change only through the write functions of ``assets.lifecycle``,
``assets.maintenance`` and ``assets.custody``; the constraints here are the last line
of defence for what the database can express on one row.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from roster.models import CertificationType, Site, Staff, Unit

from .states import GROUPS, INITIAL, PATIENT_FACING, Group, State, legal_pairs


class AssetType(models.Model):
    """A make and model of device, with who may operate it and its maintenance plan."""

    class Category(models.TextChoices):
        VENTILATOR = "ventilator", "Ventilator"
        INFUSION_PUMP = "infusion_pump", "Infusion pump"
        MONITOR = "monitor", "Patient monitor"
        ULTRASOUND = "ultrasound", "Portable ultrasound"
        DEFIBRILLATOR = "defibrillator", "Defibrillator"
        AMBULANCE = "ambulance", "Ambulance"
        OTHER = "other", "Other"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    manufacturer = models.CharField(max_length=80, blank=True)
    model_number = models.CharField(max_length=80, blank=True)
    certification_type = models.ForeignKey(
        CertificationType, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The certification an operator must hold, valid on the day, to be handed one.",
    )
    movable = models.BooleanField(default=True, help_text="Can be moved between units and sites.")
    # The maintenance plan. Empty means "no trigger of this kind". Bounded so the dates
    # computed from them stay on the calendar (ten years between services at most).
    service_interval_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3660)])
    service_interval_hours = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)])
    due_soon_days = models.PositiveIntegerField(default=14, validators=[MaxValueValidator(366)])
    service_sla_hours = models.PositiveIntegerField(default=72, validators=[MinValueValidator(1),
                                                                            MaxValueValidator(24 * 366)])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(service_interval_days__gte=1) | Q(service_interval_days__isnull=True),
                                   name="assettype_interval_days_positive"),
            models.CheckConstraint(condition=Q(service_interval_hours__gte=1) | Q(service_interval_hours__isnull=True),
                                   name="assettype_interval_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ConditionLimit(models.Model):
    """The healthy range of one reading for a type (battery %, flow error %…): a reading
    outside it sends the item to inspection at once."""

    asset_type = models.ForeignKey(AssetType, on_delete=models.CASCADE, related_name="limits")
    measure = models.SlugField(max_length=40)
    unit_label = models.CharField(max_length=20, blank=True)
    minimum = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["asset_type", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["asset_type", "measure"], name="conditionlimit_unique"),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=F("maximum")),
                name="conditionlimit_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_type}: {self.measure} {self.minimum}–{self.maximum}"

    def in_range(self, value: Decimal) -> bool:
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)


def _pairs_condition() -> Q:
    legal = [Q(previous_state=a, state=b) for a, b in legal_pairs()]
    legal.append(Q(previous_state="", state__in=INITIAL))
    return functools.reduce(operator.or_, legal)


class Item(models.Model):
    """One device, by serial number."""

    class Condition(models.TextChoices):
        GOOD = "good", "Good"
        FAIR = "fair", "Fair"
        POOR = "poor", "Poor"

    asset_type = models.ForeignKey(AssetType, on_delete=models.PROTECT, related_name="items")
    serial = models.CharField(max_length=60, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             help_text="Empty: the site's equipment store.")
    operator = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Who has it checked out, if a person.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.READY)
    # The state it came from: with ``state`` it lets the database check the transition.
    previous_state = models.CharField(max_length=20, choices=State.choices, blank=True, default="")
    state_changed_at = models.DateTimeField()
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.GOOD)
    usage_hours = models.DecimalField(max_digits=10, decimal_places=1, default=Decimal(0),
                                      validators=[MinValueValidator(Decimal(0))])
    last_service_on = models.DateField()
    hours_at_service = models.DecimalField(max_digits=10, decimal_places=1, default=Decimal(0))
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    # Where an item in transit is going (a move approved in redeployment, until it arrives).
    destination = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Deployed to a hazardous environment and not yet decontaminated.
    hazard_exposed = models.BooleanField(default=False)
    recall = models.ForeignKey("RecallCampaign", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="pulled_items", help_text="An open recall it is pulled for.")
    commissioned_on = models.DateField()

    class Meta:
        ordering = ["asset_type__name", "serial"]
        indexes = [models.Index(fields=["site", "asset_type", "state"])]
        constraints = [
            # The legal transitions, as far as one row shows them.
            models.CheckConstraint(condition=_pairs_condition(), name="item_legal_transition"),
            # Retired is final.
            models.CheckConstraint(
                condition=~Q(previous_state__in=GROUPS[Group.RETIRED]) | Q(state__in=GROUPS[Group.RETIRED]),
                name="item_retired_is_final",
            ),
            # Never with a patient while recalled or carrying contamination from a
            # hazardous deployment other than that deployment itself.
            models.CheckConstraint(
                condition=Q(recall__isnull=True) | ~Q(state__in=PATIENT_FACING),
                name="item_recalled_not_patient_facing",
            ),
            models.CheckConstraint(
                condition=Q(hazard_exposed=False) | ~Q(state__in=GROUPS[Group.AVAILABLE]),
                name="item_exposed_not_available",
            ),
            models.CheckConstraint(condition=Q(destination__isnull=True) | Q(state=State.IN_TRANSIT),
                                   name="item_destination_only_in_transit"),
            models.CheckConstraint(condition=Q(usage_hours__gte=0), name="item_usage_non_negative"),
            models.CheckConstraint(condition=Q(hours_at_service__lte=F("usage_hours")),
                                   name="item_service_hours_le_usage"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_type.name} {self.serial}"

    @property
    def group(self) -> str:
        from .states import group_of

        return group_of(self.state)

    def service_due_on(self) -> dt.date | None:
        days = self.asset_type.service_interval_days
        return self.last_service_on + dt.timedelta(days=days) if days else None

    def hours_since_service(self) -> Decimal:
        return self.usage_hours - self.hours_at_service


class StateChange(models.Model):
    """Every transition, with who and why. Append-only by convention; the audit log keeps
    the same facts under its trigger."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="state_changes")
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=20, choices=State.choices, blank=True)
    target = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    reason = models.TextField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=functools.reduce(
                    operator.or_,
                    [Q(source=a, target=b) for a, b in legal_pairs()] + [Q(source="", target__in=INITIAL)],
                ),
                name="statechange_legal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.source or '—'} → {self.target}"


class LocationRecord(models.Model):
    """Where an item was, and with whom: check-outs, check-ins, moves and scans."""

    class Event(models.TextChoices):
        COMMISSIONED = "commissioned", "Commissioned"
        CHECK_OUT = "check_out", "Checked out"
        CHECK_IN = "check_in", "Checked in"
        SCAN = "scan", "Label scanned"
        TRANSFER_OUT = "transfer_out", "Sent on transfer"
        TRANSFER_IN = "transfer_in", "Arrived from transfer"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="locations")
    at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=20, choices=Event.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    operator = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.event} {self.at:%Y-%m-%d %H:%M}"


class Reading(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="readings")
    measure = models.SlugField(max_length=40)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    in_range = models.BooleanField()
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.measure}={self.value}"


class RecallCampaign(models.Model):
    """A manufacturer's or regulator's recall of a model: every item of it is pulled."""

    asset_type = models.ForeignKey(AssetType, on_delete=models.PROTECT, related_name="recalls")
    reference = models.CharField(max_length=60, unique=True)
    reason = models.TextField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Recall {self.reference} ({self.asset_type})"


class WorkOrder(models.Model):
    """A piece of maintenance to do on an item, due by its SLA, closed with a record."""

    class Kind(models.TextChoices):
        TIME = "time", "Scheduled service (time)"
        USAGE = "usage", "Scheduled service (usage)"
        CONDITION = "condition", "Inspection (reading out of range)"
        DECONTAMINATION = "decontamination", "Decontamination (hazardous deployment)"
        RECALL = "recall", "Recall"
        REPAIR = "repair", "Repair (fault reported)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed: back in service"
        FAILED = "failed", "Failed: needs repair"
        CONDEMNED = "condemned", "Condemned"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="work_orders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What raised it (a due date, an hours threshold, a reading, a deployment, a recall,
    # a fault): unique per item, so a retried scan or task never opens it twice.
    trigger_key = models.CharField(max_length=80)
    reason = models.TextField()
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    recall = models.ForeignKey(RecallCampaign, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="work_orders")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    record = models.TextField(blank=True, help_text="What was done and found.")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "trigger_key"], name="workorder_once_per_trigger"),
            models.UniqueConstraint(fields=["item", "kind"], condition=Q(status="open"),
                                    name="workorder_one_open_per_kind"),
            models.CheckConstraint(condition=Q(due_at__gt=F("opened_at")), name="workorder_due_after_open"),
            models.CheckConstraint(
                condition=(Q(status="open", completed_at__isnull=True, outcome="")
                           | (Q(status="done", completed_at__isnull=False) & ~Q(outcome=""))),
                name="workorder_completion_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.item_id}"
