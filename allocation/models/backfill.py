"""Models of allocation's backfill (imported by allocation.models).

* ``RankingRules``: a site's order of the ranking criteria (shown to its coordinators).
* ``OfferPolicy``: how a unit offers a vacancy (broadcast, one at a time, tiered waves,
  manager pick), its wave sizes, intervals and deadlines.
* ``OnCall``: who is on call for a site on a day (the on-call tier).
* ``Vacancy``: one place to fill, backed by an open shift of the roster in force; its
  wave number and next step are state in the database, advanced under a row lock.
* ``Offer``: one offer of a vacancy to one person (once: unique on vacancy and person).
* ``VacancyEvent``: the vacancy's timeline (created, each wave, each reply, filled or
  escalated).
* ``AgencyRequest``: the vacancy sent to the staffing agency (the last tier).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from roster.models import (
    Assignment,
    CertificationType,
    Leave,
    OpenShift,
    Roster,
    ShiftType,
    Site,
    Skill,
    Staff,
    Unit,
)

# The criteria a site orders; each is explained to the coordinator by ``allocation.backfill``.
CRITERIA = ("cost", "hole", "fatigue", "fairness", "seniority")
DEFAULT_CRITERIA = ["cost", "hole", "fatigue", "fairness", "seniority"]


def default_criteria() -> list[str]:
    return list(DEFAULT_CRITERIA)


class RankingRules(models.Model):
    """The order in which a site's candidates are compared (the first criterion decides,
    the next breaks ties…)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="backfill_ranking")
    criteria = models.JSONField(default=default_criteria)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    def __str__(self) -> str:
        return f"{self.site}: {', '.join(self.criteria)}"


class OfferPolicy(models.Model):
    """How a unit's vacancies are offered. A unit without a policy keeps the marketplace's
    way: everyone eligible is told at once (the vacancy is still measured)."""

    class Kind(models.TextChoices):
        BROADCAST = "broadcast", "Broadcast to the top N"
        ONE_AT_A_TIME = "one_at_a_time", "One at a time"
        WAVES = "waves", "Tiered waves"
        MANAGER_PICK = "manager_pick", "Manager picks from the replies"

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="offer_policy")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.WAVES)
    top_n = models.PositiveIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(200)],
                                        help_text="Broadcast and manager pick: how many are asked.")
    wave_size = models.PositiveIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(200)])
    wave_seconds = models.PositiveIntegerField(
        default=15 * 60, validators=[MinValueValidator(1), MaxValueValidator(24 * 3600)],
        help_text="Time between waves, and each reply's deadline one at a time, in seconds.")
    fill_minutes = models.PositiveIntegerField(
        default=240, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="The fill deadline after the vacancy opens (capped by the shift's start).")
    critical_fill_minutes = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="The fill deadline of a critical vacancy.")
    escalation_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="Time given to each escalation step (next tier, then agency).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "offer policies"
        constraints = [
            models.CheckConstraint(condition=Q(top_n__gte=1) & Q(wave_size__gte=1) & Q(wave_seconds__gte=1),
                                   name="offer_policy_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_kind_display()}"


class OnCall(models.Model):
    """A person on call for their site on a day: asked after straight time, before overtime."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="on_call")
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["staff", "date"], name="on_call_once_a_day")]

    def __str__(self) -> str:
        return f"{self.staff} on call {self.date}"


class Vacancy(models.Model):
    class Source(models.TextChoices):
        CALL_OUT = "call_out", "Call-out or leave"
        SHORT = "short", "Short after publication"
        CENSUS = "census", "Census asks for more staff"
        ON_CALL = "on_call", "On-call staff called in"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FILLED = "filled", "Filled"
        AGENCY = "agency", "Filled by the agency"
        ESCALATED = "escalated", "Escalated to the coordinator"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="vacancies")
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="+")
    open_shift = models.OneToOneField(OpenShift, on_delete=models.CASCADE, related_name="vacancy")
    date = models.DateField()
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=Staff.Role.choices, blank=True)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    certification_type = models.ForeignKey(CertificationType, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    leave = models.ForeignKey(Leave, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    critical = models.BooleanField(default=False, help_text="A critical role (its fill deadline is shorter).")
    starts_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="The fill deadline: unfilled then, it escalates.")
    policy = models.CharField(max_length=14, blank=True,
                              help_text="The offer policy it runs under; empty: everyone eligible told at once.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The state the waves advance under a row lock (a worker killed mid-wave leaves them
    # as they were, and the next run finds the same step to take).
    wave = models.PositiveIntegerField(default=0)
    tier = models.PositiveIntegerField(default=1)
    escalation = models.PositiveIntegerField(default=0, help_text="0 none, 1 next tier, 2 agency, 3 coordinator.")
    next_step_at = models.DateTimeField(null=True, blank=True)
    filled_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    filled_at = models.DateTimeField(null=True, blank=True)
    fill_tier = models.PositiveIntegerField(null=True, blank=True)
    fill_cost = models.CharField(max_length=10, blank=True)
    assignment = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "vacancies"
        indexes = [models.Index(fields=["status", "next_step_at"], name="vacancy_due")]

    def __str__(self) -> str:
        return f"{self.unit} {self.shift_type.code} {self.date} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def fill_seconds(self) -> float | None:
        if self.filled_at is None:
            return None
        return (self.filled_at - self.created_at).total_seconds()


class Offer(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        AVAILABLE = "available", "Available (waiting for the manager)"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "No reply in time"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REFUSED = "refused", "Refused by a rule"

    class Cost(models.TextChoices):
        STRAIGHT = "straight", "Straight time (below FTE)"
        ON_CALL = "on_call", "On call"
        OVERTIME = "overtime", "Overtime"
        AGENCY = "agency", "Agency"

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="offers")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="backfill_offers")
    wave = models.PositiveIntegerField()
    tier = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()
    cost = models.CharField(max_length=10, choices=Cost.choices)
    reasons = models.JSONField(default=list)
    moves_from = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   help_text="The shift elsewhere this person would leave (a move).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField(auto_now_add=True)
    reply_by = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["wave", "rank"]
        constraints = [
            # Nobody is offered the same vacancy twice, whatever a worker does.
            models.UniqueConstraint(fields=["vacancy", "staff"], name="offer_once_per_person"),
        ]
        indexes = [models.Index(fields=["staff", "status"], name="offer_staff_status")]

    def __str__(self) -> str:
        return f"{self.vacancy_id} → {self.staff} (wave {self.wave}, {self.status})"


class VacancyEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        WAVE = "wave", "Wave sent"
        REPLY = "reply", "Reply"
        REFUSED = "refused", "Acceptance refused"
        FILLED = "filled", "Filled"
        ESCALATED = "escalated", "Escalated"
        AGENCY = "agency", "Agency requested"
        CANCELLED = "cancelled", "Cancelled"

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=300)
    wave = models.PositiveIntegerField(null=True, blank=True)
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # A wave is recorded once, however often a worker runs it.
            models.UniqueConstraint(fields=["vacancy", "wave"], condition=Q(kind="wave"), name="vacancy_wave_once"),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy_id} {self.kind}: {self.text}"


class AgencyRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        FILLED = "filled", "Filled by the agency"
        CANCELLED = "cancelled", "Cancelled"

    vacancy = models.OneToOneField(Vacancy, on_delete=models.CASCADE, related_name="agency_request")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(auto_now_add=True)
    worker_name = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"Agency for {self.vacancy_id} ({self.status})"
