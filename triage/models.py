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
from django.db.models import F, Q
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


# --- Crisis escalation ------------------------------------------------------------------
# Levels per site and for the network (site empty), proposals that only a person with the
# authority for the step turns into a change, the positions that hold that authority,
# playbooks per level and situation reports. The rules are in ``triage/escalation_rules.py``
# and ``triage/escalation.py``.

LEVEL_CHOICES = [(1, "1 Normal"), (2, "2 Elevated"), (3, "3 Surge"), (4, "4 Major incident"), (5, "5 Catastrophic")]
POSITION_CHOICES = [
    ("shift_supervisor", "Shift supervisor"),
    ("operations_manager", "Operations manager"),
    ("incident_commander", "Incident commander or director"),
    ("executive", "Executive or emergency management"),
]
_level_range = [MinValueValidator(1), MaxValueValidator(5)]


class CrisisPosition(models.Model):
    """Someone holding a crisis position at a site (or for the network), on duty from
    ``starts_at`` until ``ends_at`` (open-ended when empty)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="crisis_positions",
                             help_text="Empty: the network.")
    position = models.CharField(max_length=24, choices=POSITION_CHOICES)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crisis_positions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site", "position", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                                   name="crisis_position_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} at {self.site or 'the network'}: {self.user}"


class CrisisState(models.Model):
    """The level in force at a site (or the network): one row each, changed only by a
    confirmed proposal or a declaration, under a row lock."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="crisis_state")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, default=1, validators=_level_range)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="crisis_state_level_range"),
            models.UniqueConstraint(fields=["site"], condition=Q(site__isnull=True), name="crisis_state_one_network"),
        ]

    def __str__(self) -> str:
        return f"{self.site or 'Network'}: level {self.level}"


class EscalationProposal(models.Model):
    """A proposal to change a level, made by a trigger (with the indicator that fired and
    its value) or by nobody else: a person declares a level directly instead."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn (no longer indicated)"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="escalation_proposals")
    from_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, validators=_level_range)
    to_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, validators=_level_range)
    indicator = models.CharField(max_length=40)
    value = models.FloatField()
    threshold = models.FloatField()
    text = models.CharField(max_length=300)
    authority = models.CharField(max_length=24, choices=POSITION_CHOICES,
                                 help_text="The lowest position that may confirm it (widened when escalated).")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(default=timezone.now, help_text="When its holders were last told.")
    reminders = models.PositiveSmallIntegerField(default=0)
    escalated = models.PositiveSmallIntegerField(default=0, help_text="Times it went up to the next position.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    reason = models.TextField(blank=True, validators=[MaxLengthValidator(REASON_MAX)])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open question per site (and one for the network) at a time.
            models.UniqueConstraint(fields=["site"], condition=Q(status="pending"), name="one_pending_proposal_per_site"),
            models.UniqueConstraint(fields=["status"], condition=Q(status="pending", site__isnull=True),
                                    name="one_pending_network_proposal"),
            models.CheckConstraint(condition=~Q(from_level=F("to_level")), name="proposal_changes_the_level"),
        ]

    def __str__(self) -> str:
        return f"{self.site or 'Network'}: {self.from_level} → {self.to_level} ({self.status})"

    @property
    def upward(self) -> bool:
        return self.to_level > self.from_level


class LevelChange(models.Model):
    """The history of levels: every confirmed proposal and every declaration."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="level_changes")
    from_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, validators=_level_range)
    to_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, validators=_level_range)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(validators=[MaxLengthValidator(REASON_MAX)])
    proposal = models.OneToOneField(EscalationProposal, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="change")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.site or 'Network'}: {self.from_level} → {self.to_level} at {self.at:%Y-%m-%d %H:%M}"


class PlaybookStep(models.Model):
    """One step of a level's playbook at a site (an administrator edits them). Steps
    with an ``action`` run it when the level is confirmed; the rest are tracked by hand."""

    class Action(models.TextChoices):
        NONE = "", "Tracked by hand"
        CALL_IN = "call_in", "Call in on-call staff (backfill offers)"
        PRE_POSITION = "pre_position", "Pre-position equipment (reserve ready devices)"
        MUTUAL_AID = "mutual_aid", "Request mutual aid"
        OPEN_INCIDENT = "open_incident", "Open an incident command record and its triage board"
        REGIONAL_REQUEST = "regional_request", "Prepare the regional request (a network situation report)"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="playbook_steps")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES[1:], validators=[MinValueValidator(2),
                                                                                    MaxValueValidator(5)])
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=24, choices=POSITION_CHOICES)
    action = models.CharField(max_length=20, choices=Action.choices, blank=True, default="")

    class Meta:
        ordering = ["site", "level", "order", "id"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=2, level__lte=5), name="playbook_step_level")]

    def __str__(self) -> str:
        return f"{self.site} level {self.level}: {self.title}"


class PlaybookTask(models.Model):
    """A playbook step as it is carried out after a level change: a checklist item with
    its owner, status and time, and the result of the action it ran."""

    class Status(models.TextChoices):
        TO_DO = "to_do", "To do"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be done"
        SKIPPED = "skipped", "Not needed"

    change = models.ForeignKey(LevelChange, on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(PlaybookStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=24, choices=POSITION_CHOICES)
    action = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.TO_DO)
    result = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["change", "id"]
        constraints = [models.UniqueConstraint(fields=["change", "step"], name="playbook_task_once_per_change")]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class SituationReport(models.Model):
    """A situation report, generated from live data and issued by a person: versioned
    per site (or the network), never edited once issued (a new version is issued)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="sitreps")
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, validators=_level_range)
    situation = models.TextField(validators=[MaxLengthValidator(REASON_MAX)])
    resources = models.JSONField(default=list, help_text="Rows: type, available, deployed, inbound, gap.")
    actions = models.JSONField(default=list, help_text="Rows: at, text.")
    needs = models.JSONField(default=list, help_text="Rows: what, quantity, urgency.")
    facility = models.JSONField(default=list, help_text="Rows: system, status (full, partial, none), note.")
    next_update_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="sitrep_version_once"),
            models.UniqueConstraint(fields=["version"], condition=Q(site__isnull=True),
                                    name="network_sitrep_version_once"),
            models.CheckConstraint(condition=Q(next_update_at__gt=F("issued_at")), name="sitrep_next_update_later"),
        ]

    def __str__(self) -> str:
        return f"Situation report {self.version} for {self.site or 'the network'}"
