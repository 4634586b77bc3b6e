"""Models of allocation's redeploy (imported by allocation.models).

* ``SiteLink``: the administrator's site-to-site table (how long a move takes, what it
  costs), read by the adapter for transfers between sites.
* ``RedeployRun``: one solve of the model (its scope, trigger, inputs' fingerprint, the
  plan and its shadow prices), kept for warm starts, hysteresis and the bottleneck report.
* ``Recommendation``: one first-epoch move of a run, with its tradeoff at both ends, for a
  coordinator to approve or decline.
* ``MutualAidRequest``: one loan between sites, through its steps (proposed, requested,
  acknowledged, deployed, recalled or ended, reconciled).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from roster.models import Assignment, Site, Staff, Unit


class SiteLink(models.Model):
    """Moving staff or equipment from ``origin`` to ``destination``: how long, at what cost
    per unit moved. Kept by the administrator; a pair without a row cannot move directly."""

    origin = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="links_out")
    destination = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="links_in")
    minutes = models.PositiveIntegerField(validators=[MaxValueValidator(24 * 60)],
                                          help_text="Travel time door to door, in minutes.")
    cost = models.DecimalField(max_digits=8, decimal_places=2, default=0,
                               validators=[MinValueValidator(0), MaxValueValidator(100000)],
                               help_text="Cost per person or device moved.")

    class Meta:
        ordering = ["origin__name", "destination__name"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="site_link_once"),
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="site_link_between_two_sites"),
            models.CheckConstraint(condition=Q(minutes__lte=24 * 60), name="site_link_minutes_within_a_day"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="site_link_cost_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}: {self.minutes} min"


class RedeployRun(models.Model):
    """One solve: across the units of ``site``, or across the network's sites (no site)."""

    class Trigger(models.TextChoices):
        CADENCE = "cadence", "Hourly re-plan"
        ZONE = "zone", "A unit changed zone"
        DEMAND = "demand", "Demand jumped"
        CALL_OUT = "call_out", "A call-out"
        MANUAL = "manual", "Asked for by a coordinator"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="redeploy_runs",
                             help_text="Empty: the whole network, sites as facilities.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    quantile = models.CharField(max_length=6, default="q85")
    started_at = models.DateTimeField()
    status = models.CharField(max_length=10, blank=True)
    objective = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    fingerprint = models.JSONField(default=dict, help_text="The inputs that decide whether to re-plan.")
    result = models.JSONField(default=dict)
    notes = models.JSONField(default=list, help_text="What the adapter assumed (e.g. no forecast for a unit).")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["site", "started_at"], name="redeploy_run_scope_time")]

    def __str__(self) -> str:
        return f"{self.site or 'network'} {self.started_at:%Y-%m-%d %H:%M} ({self.trigger})"


class Recommendation(models.Model):
    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        EQUIPMENT = "equipment", "Equipment"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        SUPERSEDED = "superseded", "Replaced by a newer plan"
        ARRIVED = "arrived", "Arrived"

    run = models.ForeignKey(RedeployRun, on_delete=models.CASCADE, related_name="recommendations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    resource = models.CharField(max_length=60, help_text="The resource type's id in the plan (RN, eq:ventilator…).")
    resource_label = models.CharField(max_length=120)
    units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    origin_site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    destination_site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    origin_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    destination_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              help_text="The person proposed, for a staff move.")
    item = models.ForeignKey("assets.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             help_text="The device proposed, for an equipment move.")
    tradeoff = models.JSONField(default=dict, help_text="Utilization and shortfall at both ends, before and after.")
    shadow_price = models.FloatField(default=0)
    rationale = models.CharField(max_length=400)
    travel_minutes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=400, blank=True)
    assignment = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   help_text="The shift created in the receiving unit by an approved staff move.")
    departs_at = models.DateTimeField(null=True, blank=True)
    arrives_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="recommendation_status_time")]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="recommendation_units_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "superseded"]) | Q(decided_at__isnull=False),
                name="recommendation_decision_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.units} {self.resource_label}: {self.origin_label} → {self.destination_label}"

    @property
    def origin_label(self) -> str:
        return str(self.origin_unit or self.origin_site)

    @property
    def destination_label(self) -> str:
        return str(self.destination_unit or self.destination_site)


class MutualAidRequest(models.Model):
    """A loan from ``lender`` to ``borrower``; ``site`` is the borrower (so the audit log
    files it there; every step is also logged at the lender)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        REQUESTED = "requested", "Waiting for the lender"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DEPLOYED = "deployed", "Deployed"
        RECALLED = "recalled", "Recalled by the lender"
        ENDED = "ended", "Ended"
        RECONCILED = "reconciled", "Reconciled"
        DECLINED = "declined", "Declined"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="aid_borrowed",
                             help_text="The borrowing site.")
    lender = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="aid_lent")
    resource = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(500)])
    hours = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24 * 14)])
    rate = models.DecimalField(max_digits=8, decimal_places=2, default=0,
                               validators=[MinValueValidator(0), MaxValueValidator(100000)],
                               help_text="Per unit per hour.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    basis = models.CharField(max_length=400, blank=True, help_text="Why it was proposed.")
    proposed_at = models.DateTimeField()
    requested_at = models.DateTimeField(null=True, blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    deployed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reconciliation = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    note = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(site=F("lender")), name="mutual_aid_between_two_sites"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="mutual_aid_quantity_positive"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="mutual_aid_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.resource} {self.lender} → {self.site} ({self.status})"
