"""Mass-casualty incidents: the incident, its victims and their triage history, the
ambulances and receiving hospitals, the allocation of victims to both, and the
corrector's decisions.

Business rules live in ``triage/incident.py`` and ``triage/allocation.py``; what the
models hold themselves are the invariants a database can keep: a tag number once per
incident, a call sign once per incident, one current allocation per victim and per
ambulance, ranges on the small integers the allocation model reads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from roster.models import REASON_MAX, Site

from .mci.problem import PRINCIPLES

PRINCIPLE_CHOICES = [(p, p.replace("_", " ").capitalize()) for p in PRINCIPLES]


class Incident(models.Model):
    class Kind(models.TextChoices):
        TRAFFIC = "traffic", "Road traffic collision"
        FIRE = "fire", "Fire"
        EXPLOSION = "explosion", "Explosion"
        COLLAPSE = "collapse", "Building collapse"
        CHEMICAL = "chemical", "Chemical, biological or radiological"
        VIOLENCE = "violence", "Violence (shooting, attack)"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Algorithm(models.TextChoices):
        START = "start", "START (adults) and JumpSTART (children)"
        SALT = "salt", "SALT"

    class Swf(models.TextChoices):
        UTILITARIAN = "utilitarian", "Utilitarian (sum)"
        EGALITARIAN = "egalitarian", "Egalitarian (worst off)"
        NASH = "nash", "Nash (product)"

    class Objective(models.TextChoices):
        SURVIVORS = "expected_survivors", "Expected survivors"
        COST = "cost", "The thesis's cost model under the policy"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="incidents")
    started_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(REASON_MAX)])
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commanded_incidents"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices, default=Algorithm.START)
    sensing_minutes = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="The board re-allocates at least this often.",
    )
    buffer_minutes = models.PositiveIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="An assignment may still change for this long, then it locks (the ambulance leaves).",
    )
    swf = models.CharField(max_length=12, choices=Swf.choices, default=Swf.UTILITARIAN)
    principle = models.CharField(max_length=30, choices=PRINCIPLE_CHOICES, default="none")
    objective = models.CharField(max_length=20, choices=Objective.choices, default=Objective.SURVIVORS)
    # Crisis standards of care declared for this incident by its commander: the
    # expectant category (P5) is used only while they are (see triage.triage_rules).
    crisis_standards = models.BooleanField(default=False)
    # The last re-allocation, so the periodic task can tell a sensing interval has passed.
    allocated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensing_minutes__gte=1, sensing_minutes__lte=60), name="incident_sensing_range"
            ),
            models.CheckConstraint(condition=Q(buffer_minutes__lte=60), name="incident_buffer_range"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="incident_closed_at_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.site} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Victim(models.Model):
    class AgeBand(models.TextChoices):
        CHILD = "child", "Child (about 1–8)"
        YOUTH = "youth", "Older child or adolescent"
        ADULT = "adult", "Adult"
        OLDER = "older", "Older adult (65+)"

    class Status(models.TextChoices):
        SCENE = "scene", "At the scene"
        TRANSPORTED = "transported", "Transported"
        RELEASED = "released", "Released at the scene"

    class Colour(models.TextChoices):
        RED = "red", "Red (immediate)"
        YELLOW = "yellow", "Yellow (delayed)"
        GREEN = "green", "Green (minor)"
        GREY = "grey", "Grey (expectant)"
        BLACK = "black", "Black (dead or expectant)"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victims")
    tag = models.CharField(max_length=20, help_text="The number on the triage tag.")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, default=AgeBand.ADULT)
    answers = models.JSONField(default=dict)
    algorithm = models.CharField(max_length=12)
    colour = models.CharField(max_length=10, choices=Colour.choices)
    priority = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    reason = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCENE)
    registered_at = models.DateTimeField(default=timezone.now)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    triaged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "registered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "tag"], name="victim_tag_unique_per_incident"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="victim_priority_range"),
        ]

    def __str__(self) -> str:
        return f"Tag {self.tag}"

    @property
    def is_child(self) -> bool:
        return self.age_band == self.AgeBand.CHILD


class TriageRecord(models.Model):
    """One triage of a victim (the first and every retriage), kept as history."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="triages")
    answers = models.JSONField(default=dict)
    algorithm = models.CharField(max_length=12)
    colour = models.CharField(max_length=10, choices=Victim.Colour.choices)
    priority = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=120)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.victim} {self.colour} P{self.priority} at {self.at:%H:%M}"


class Ambulance(models.Model):
    class Crew(models.IntegerChoices):
        BASIC = 1, "Basic"
        EXPERIENCED = 2, "Experienced"

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        EN_ROUTE = "en_route", "En route"
        AT_HOSPITAL = "at_hospital", "At hospital"
        RETURNING = "returning", "Returning"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ambulances")
    call_sign = models.CharField(max_length=20)
    crew = models.PositiveSmallIntegerField(choices=Crew.choices, default=Crew.BASIC)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AVAILABLE)

    class Meta:
        ordering = ["call_sign"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "call_sign"], name="ambulance_call_sign_unique"),
            models.CheckConstraint(condition=Q(crew__in=[1, 2]), name="ambulance_crew_level"),
        ]

    def __str__(self) -> str:
        return self.call_sign


class ReceivingHospital(models.Model):
    class Level(models.IntegerChoices):
        BASIC = 1, "1 · basic"
        GENERAL = 2, "2 · general"
        TRAUMA = 3, "3 · trauma centre"

    class Distance(models.IntegerChoices):
        CLOSE = 1, "Close"
        MEDIUM = 2, "Medium"
        FAR = 3, "Far"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="hospitals")
    name = models.CharField(max_length=120)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The network's site, when the hospital is one.",
    )
    resources = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.GENERAL)
    capacity = models.PositiveIntegerField(help_text="New victims it can take.")
    distance = models.PositiveSmallIntegerField(choices=Distance.choices, default=Distance.MEDIUM)

    class Meta:
        ordering = ["distance", "name"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "name"], name="receiving_hospital_unique_name"),
            models.CheckConstraint(condition=Q(resources__in=[1, 2, 3]), name="hospital_resource_level"),
            models.CheckConstraint(condition=Q(distance__in=[1, 2, 3]), name="hospital_distance_band"),
        ]

    def __str__(self) -> str:
        return self.name


class Allocation(models.Model):
    """A victim → ambulance + hospital assignment.

    ``current`` rows are the board's allocation; a re-allocation that changes a victim's
    assignment supersedes its row (kept as history). An assignment may change until
    ``locks_at``; then it is ``locked``: the ambulance has left with the victim.
    """

    class Source(models.TextChoices):
        RECOMMENDED = "recommended", "Recommended"
        PERSON = "person", "Chosen by a person"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="allocations")
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="allocations")
    ambulance = models.ForeignKey(Ambulance, on_delete=models.CASCADE, related_name="allocations")
    hospital = models.ForeignKey(ReceivingHospital, on_delete=models.CASCADE, related_name="allocations")
    proposed_at = models.DateTimeField()
    locks_at = models.DateTimeField()
    locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.RECOMMENDED)
    current = models.BooleanField(default=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["locks_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["victim"], condition=Q(current=True), name="one_current_allocation_per_victim"),
            # A locked allocation holds its ambulance until it is back at the scene; it is
            # then history (current False), its victim transported.
            models.UniqueConstraint(
                fields=["ambulance"], condition=Q(current=True), name="one_current_allocation_per_ambulance"
            ),
            models.CheckConstraint(condition=Q(locks_at__gte=models.F("proposed_at")), name="allocation_locks_after"),
        ]

    def __str__(self) -> str:
        return f"{self.victim} → {self.ambulance} → {self.hospital}"


class Decision(models.Model):
    """The corrector: a person's proposed allocation, the recommended one, both values
    under the incident's policy, what they chose and why."""

    class Choice(models.TextChoices):
        PROPOSED = "proposed", "The proposed allocation"
        RECOMMENDED = "recommended", "The recommended allocation"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="decisions")
    objective = models.CharField(max_length=20, choices=Incident.Objective.choices)
    proposed = models.JSONField()
    recommended = models.JSONField()
    # Text, not numbers: a Nash product reaches hundreds of digits; expected survivors are
    # shown to two decimals.
    proposed_value = models.CharField(max_length=500)
    recommended_value = models.CharField(max_length=500)
    chosen = models.CharField(max_length=12, choices=Choice.choices)
    reason = models.TextField(blank=True, validators=[MaxLengthValidator(REASON_MAX)])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Decision {self.pk} ({self.chosen})"
