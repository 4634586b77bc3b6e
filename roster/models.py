"""The roster data model: people, rules and plans.

Business rules live in the write functions and the rulebook (``roster/rulebook.py``); what
the models hold themselves are the invariants a database can keep: uniqueness,
check constraints and, on PostgreSQL, exclusion constraints against double-booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import rulebook
from .timeutil import validate_day

# Free text a person types (a reason, a note): long enough for any real one.
REASON_MAX = 2000


def validate_acuity_mix(value: object) -> None:
    """A unit's acuity mix: acuity level → share of its patients (0 to 1, adding up to
    at most 1)."""
    if not isinstance(value, dict):
        raise ValidationError("Give the acuity mix as levels and shares, e.g. {\"high\": 0.3}.")
    if len(value) > 10:
        raise ValidationError("At most 10 acuity levels.")
    total = 0.0
    for level, share in value.items():
        if not (isinstance(level, str) and 0 < len(level) <= 30):
            raise ValidationError("Each acuity level is a name of at most 30 characters.")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValidationError(f"The share of {level!r} must be a number from 0 to 1.")
        total += share
    if total > 1.0001:
        raise ValidationError(f"The shares add up to {total:g}; they can add up to 1 at most.")


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA timezone.")


class Site(models.Model):
    """A hospital. Shifts are rostered in its own timezone."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    address = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Shifts are stored as the instants their site's clock gives them: the clock
        cannot change under shifts still to come."""
        super().clean()
        was = _as_stored(self, "timezone")
        if was is not None and was["timezone"] != self.timezone:
            _refuse_under("timezone", _still_to_come(roster__unit__site_id=self.pk), lambda n: (
                f"{_shifts(n)} from today on are rostered in {was['timezone']} time: "
                "the timezone can change only once they are past or off the rosters."))


def _as_stored(obj: models.Model, *fields: str) -> dict[str, Any] | None:
    """These fields of ``obj`` as the database holds them; None for a row not saved yet."""
    if obj.pk is None:
        return None
    row: dict[str, Any] | None = type(obj)._default_manager.filter(pk=obj.pk).values(*fields).first()
    return row


def _refuse_under(field: str, shifts: models.QuerySet[Assignment], message: Callable[[int], str]) -> None:
    """Refuse a change, naming ``field``, while any of ``shifts`` depends on the old value."""
    count = shifts.count()
    if count:
        raise ValidationError({field: message(count)})


def _shifts(n: int) -> str:
    return f"{n} shift{'s' if n != 1 else ''}"


def in_use() -> Q:
    """Assignments of the roster versions still in use: the version in force (live) and
    drafts; archived versions are history."""
    return Q(live=True) | Q(roster__status=Roster.Status.DRAFT)


def _still_to_come(**where: object) -> models.QuerySet[Assignment]:
    """Shifts from today on in roster versions still in use."""
    return Assignment.objects.filter(in_use(), date__gte=timezone.localdate(), **where)


class Unit(models.Model):
    class Kind(models.TextChoices):
        ICU = "icu", "Intensive care"
        ED = "ed", "Emergency department"
        MEDSURG = "medsurg", "Medical-surgical"
        MATERNITY = "maternity", "Maternity"
        PAEDIATRICS = "paediatrics", "Paediatrics"
        THEATRES = "theatres", "Theatres"
        STEPDOWN = "stepdown", "Step-down"
        OTHER = "other", "Other"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=20)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEDSURG)
    beds = models.PositiveIntegerField(default=0)
    acuity_mix = models.JSONField(
        default=dict, blank=True, help_text="Share of patients per acuity level, e.g. {'high': 0.3}.",
        validators=[validate_acuity_mix],
    )
    auto_approve_swaps = models.BooleanField(
        default=False, help_text="Approve a swap automatically when every rule passes."
    )

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="unit_code_unique_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.code})"

    def clean(self) -> None:
        """A unit's rosters use its site's shift types and clock: it moves to another
        site only once none of its shifts are still to come."""
        super().clean()
        was = _as_stored(self, "site_id")
        if was is not None and was["site_id"] != self.site_id:
            _refuse_under("site", _still_to_come(roster__unit_id=self.pk), lambda n: (
                f"{self.name} has {_shifts(n)} rostered from today on, on its site's shift types: "
                "it can move only once they are past or off the rosters."))


class Skill(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CertificationType(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    validity_months = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """Working-time limits for a person or a group, per period of ``period_days``."""

    name = models.CharField(max_length=120, unique=True)
    period_days = models.PositiveIntegerField(default=28, validators=[MinValueValidator(1)])
    min_minutes = models.PositiveIntegerField(default=0)
    max_minutes = models.PositiveIntegerField(default=9600)
    min_consecutive_days = models.PositiveIntegerField(default=1)
    max_consecutive_days = models.PositiveIntegerField(default=5)
    min_consecutive_days_off = models.PositiveIntegerField(default=1)
    max_weekends = models.PositiveIntegerField(default=2)
    annual_leave_days = models.PositiveIntegerField(
        default=28, validators=[MaxValueValidator(366)], help_text="Days of annual leave a year."
    )
    unavailable_weekdays = models.JSONField(
        default=list, blank=True, help_text="ISO weekdays (1 = Monday) that cannot be worked."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_minutes__gte=F("min_minutes")), name="contract_minutes_ordered"
            ),
            models.CheckConstraint(
                condition=Q(max_consecutive_days__gte=F("min_consecutive_days")),
                name="contract_consecutive_ordered",
            ),
            models.CheckConstraint(condition=Q(period_days__gt=0), name="contract_period_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    class Role(models.TextChoices):
        RN = "RN", "Registered nurse"
        LPN = "LPN", "Licensed practical nurse"
        HCA = "HCA", "Healthcare assistant"
        MD = "MD", "Doctor"
        TECH = "TECH", "Technician"
        PARAMEDIC = "PARAMEDIC", "Paramedic"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    employee_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    role = models.CharField(max_length=12, choices=Role.choices)
    home_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")
    float_pool = models.BooleanField(default=False)
    fte = models.DecimalField(
        max_digits=3, decimal_places=2, default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    seniority_years = models.PositiveIntegerField(default=0)
    skills = models.ManyToManyField(Skill, blank=True, related_name="staff")
    # Units of the home site the person is trained and oriented for, beyond their own:
    # the rulebook lets them work there (backfill offers, redeployment, manual placing).
    cross_trained_units = models.ManyToManyField(
        Unit, blank=True, related_name="cross_trained_staff",
        help_text="Other units of the home site this person is trained and oriented to work in.",
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True)
    # Contact details: visible to the person, their managers and coordinators only.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "staff"
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="staff_fte_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        """A move to another unit, out of the float pool or out of a unit's cross-training
        must not leave the person on rosters of units they may then no longer work in:
        those shifts, from today on, come off first. Cross-training names units of the
        home site only. (The cross-training about to be saved, when it changes, is handed
        over by :func:`roster.records` as ``pending_cross_trained``.)"""
        super().clean()
        if self.home_unit_id is None:
            return
        home_site = self.home_unit.site_id
        pending: set[int] | None = self.__dict__.get("pending_cross_trained")
        if pending is not None:
            elsewhere = Unit.objects.filter(pk__in=pending).exclude(site_id=home_site)
            if elsewhere.exists():
                raise ValidationError({"cross_trained_units": (
                    f"{', '.join(u.name for u in elsewhere)} is not at {self.home_unit.site.name}: cross-training "
                    "names other units of the home site.")})
        if self.pk is None or not self.active:
            return
        stored = set(self.cross_trained_units.values_list("pk", flat=True))
        cross_trained = stored if pending is None else pending
        was = _as_stored(self, "home_unit_id", "float_pool")
        placed_as_before = was is not None and was["home_unit_id"] == self.home_unit_id and (
            self.float_pool or not was["float_pool"])
        if was is None or (placed_as_before and cross_trained >= stored):
            return
        barred = [
            unit_id for unit_id, site_id in _still_to_come(staff_id=self.pk)
            .values_list("roster__unit_id", "roster__unit__site_id").distinct()
            if not rulebook.may_work_in(home_unit=self.home_unit_id, home_site=home_site,
                                        float_pool=self.float_pool, unit=unit_id, unit_site=site_id,
                                        cross_trained=cross_trained)
        ]
        stranded = _still_to_come(staff_id=self.pk).filter(roster__unit_id__in=barred)
        _refuse_under("home_unit" if not placed_as_before else "cross_trained_units", stranded, lambda n: (
            f"{self} still has {_shifts(n)} from today on in "
            f"{', '.join(sorted(set(stranded.values_list('roster__unit__name', flat=True))))}, "
            "where they could no longer work: take them off first."))


class Certification(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="certifications")
    type = models.ForeignKey(CertificationType, on_delete=models.PROTECT, related_name="certifications")
    number = models.CharField(max_length=40)
    issued = models.DateField(validators=[validate_day])
    expires = models.DateField(null=True, blank=True, validators=[validate_day])

    class Meta:
        ordering = ["expires"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires__isnull=True) | Q(expires__gt=F("issued")),
                name="certification_expires_after_issue",
            ),
            models.UniqueConstraint(fields=["type", "number"], name="certification_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.number}"

    def valid_on(self, day: dt.date) -> bool:
        return self.issued <= day and (self.expires is None or day <= self.expires)


class ShiftType(models.Model):
    """A kind of shift at a site. Its length is at most 12 h (the field's hard limit)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shift_types")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=60)
    start_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(60), MaxValueValidator(720)]
    )
    is_night = models.BooleanField(default=False)
    colour = models.CharField(
        max_length=7, default="#4a90d9",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is # and six hexadecimal digits, e.g. #4a90d9.")],
    )

    class Meta:
        ordering = ["site", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="shift_code_unique_per_site"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=60) & Q(duration_minutes__lte=720),
                name="shift_duration_at_most_12h",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.start_time:%H:%M} {self.duration_minutes // 60}h"

    def clean(self) -> None:
        """The times of a shift type on shifts still to come cannot change under them
        (their instants, rest and hours were checked with the old times): a new shift
        type carries new times."""
        super().clean()
        was = _as_stored(self, "start_time", "duration_minutes", "site_id")
        if was is None or (was["start_time"], was["duration_minutes"], was["site_id"]) == (
                self.start_time, self.duration_minutes, self.site_id):
            return
        field = "site" if was["site_id"] != self.site_id else (
            "start_time" if was["start_time"] != self.start_time else "duration_minutes")
        _refuse_under(field, _still_to_come(shift_type_id=self.pk), lambda n: (
            f"{self.code} is on {_shifts(n)} rostered from today on: its times and site cannot change "
            "under them. Add a new shift type with the new times instead."))


class ContractShiftLimit(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="shift_limits")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE)
    max_shifts = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "shift_type"], name="contract_shift_limit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract}: at most {self.max_shifts} × {self.shift_type.code}"


class FatigueRules(models.Model):
    """Fatigue limits for a site, or for one unit when ``unit`` is set (it overrides).

    Defaults are the field guidance: 12 h maximum shift, 10 h minimum rest between
    shifts, 60 h in any rolling 7 days (hard; only a manager's Waiver excepts it).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="fatigue_rules")
    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="fatigue_rules"
    )
    max_shift_minutes = models.PositiveIntegerField(
        default=rulebook.DEFAULTS.max_shift_minutes, validators=[MaxValueValidator(720)]
    )
    min_rest_minutes = models.PositiveIntegerField(default=rulebook.DEFAULTS.min_rest_minutes)
    max_minutes_7_days = models.PositiveIntegerField(default=rulebook.DEFAULTS.max_minutes_7_days)
    max_consecutive_days = models.PositiveIntegerField(
        default=rulebook.DEFAULTS.max_consecutive_days, validators=[MinValueValidator(1)]
    )
    max_consecutive_nights = models.PositiveIntegerField(
        default=rulebook.DEFAULTS.max_consecutive_nights, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name_plural = "fatigue rules"
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(unit__isnull=True), name="one_site_fatigue_rule"
            ),
            models.CheckConstraint(
                condition=Q(max_shift_minutes__gt=0, max_shift_minutes__lte=720),
                name="fatigue_max_shift_at_most_12h",
            ),
            models.CheckConstraint(
                condition=Q(max_consecutive_days__gt=0) & Q(max_consecutive_nights__gt=0),
                name="fatigue_consecutive_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Fatigue rules for {self.unit or self.site}"


class RatioRule(models.Model):
    """Patients per staff member of a role: required = ceil(patients / ratio)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="ratio_rules")
    role = models.CharField(max_length=12, choices=Staff.Role.choices, default=Staff.Role.RN)
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, null=True, blank=True)
    patients_per_staff = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(patients_per_staff__gt=0), name="ratio_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: 1 {self.role} : {self.patients_per_staff} patients"


class SkillMixRule(models.Model):
    """At least ``minimum`` holders of a skill or a certification on every shift."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="skill_mix_rules")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True)
    certification_type = models.ForeignKey(CertificationType, on_delete=models.CASCADE, null=True, blank=True)
    minimum = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(skill__isnull=False) & Q(certification_type__isnull=True))
                | (Q(skill__isnull=True) & Q(certification_type__isnull=False)),
                name="skill_mix_names_one_requirement",
            ),
            models.CheckConstraint(condition=Q(minimum__gt=0), name="skill_mix_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: at least {self.minimum} {self.skill or self.certification_type} per shift"


class CensusEstimate(models.Model):
    """Expected patients on a unit during one shift, from which ratio rules derive staffing."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="census_estimates")
    date = models.DateField(validators=[validate_day])
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE)
    patients = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "date", "shift_type"], name="census_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.date} {self.shift_type.code}: {self.patients} patients"


class CoverageRequirement(models.Model):
    """How many people of a role (or holding a skill/certification) a shift needs.

    ``minimum`` is hard: the solver may only fall short as explicit, penalised shortfall.
    ``preferred`` is soft, ``maximum`` a cap.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="coverage_requirements")
    date = models.DateField(validators=[validate_day])
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE)
    role = models.CharField(max_length=12, choices=Staff.Role.choices, blank=True)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True)
    certification_type = models.ForeignKey(CertificationType, on_delete=models.CASCADE, null=True, blank=True)
    minimum = models.PositiveIntegerField()
    preferred = models.PositiveIntegerField()
    maximum = models.PositiveIntegerField()
    priority = models.PositiveIntegerField(default=1, help_text="Higher is more critical.")
    # Made by applying the unit's weekly cover template (roster/cover_templates.py): the
    # next application may change or remove it. Any other row (entered or changed for
    # this one date, or derived from a census) is an override the template leaves alone.
    from_template = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "shift_type__start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preferred__gte=F("minimum")) & Q(maximum__gte=F("preferred")),
                name="coverage_min_le_preferred_le_max",
            ),
            models.CheckConstraint(
                condition=~Q(role="") | Q(skill__isnull=False) | Q(certification_type__isnull=False),
                name="coverage_names_what_it_needs",
            ),
        ]

    def __str__(self) -> str:
        what = self.role or self.skill or self.certification_type
        return f"{self.unit} {self.date} {self.shift_type.code}: {what} {self.minimum}/{self.preferred}/{self.maximum}"


class Leave(models.Model):
    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual leave"
        SICK = "sick", "Sick leave"
        STUDY = "study", "Study leave"
        PARENTAL = "parental", "Parental leave"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="leave")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ANNUAL)
    start_date = models.DateField(validators=[validate_day])
    end_date = models.DateField(validators=[validate_day])
    # Private: seen by the person and their managers, never by colleagues.
    reason = models.TextField(blank=True, validators=[MaxLengthValidator(REASON_MAX)])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="leave_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.kind} {self.start_date}–{self.end_date}"

    @property
    def days(self) -> int:
        """Calendar days the leave covers, first and last included."""
        return (self.end_date - self.start_date).days + 1


class Preference(models.Model):
    """A request to work (on) or not to work (off) a day or a shift, with a weight."""

    class Kind(models.TextChoices):
        ON = "on", "Would like to work"
        OFF = "off", "Would rather not work"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="preferences")
    date = models.DateField(validators=[validate_day])
    shift_type = models.ForeignKey(
        ShiftType, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty means the whole day."
    )
    kind = models.CharField(max_length=3, choices=Kind.choices)
    weight = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(10)])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=10), name="preference_weight_range"),
        ]

    def __str__(self) -> str:
        what = self.shift_type.code if self.shift_type else "day"
        return f"{self.staff} {self.kind} {what} {self.date} (weight {self.weight})"


class Roster(models.Model):
    """One version of a unit's roster for a period.

    A new version starts as a draft; publishing freezes it and archives the version it
    replaces. Only the assignments of the version in force are "live": those are the
    shifts people actually work, and the database refuses to let them overlap.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rosters")
    start_date = models.DateField(validators=[validate_day])
    end_date = models.DateField(validators=[validate_day])
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the shifts of this version changed in place while it was in force (a swap, a
    # claimed open shift, an edit): a draft made before then does not hold those changes.
    live_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "start_date", "version"], name="roster_version_unique"),
            models.UniqueConstraint(
                fields=["unit", "start_date"],
                condition=Q(status="published"),
                name="one_published_roster_per_period",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="roster_ends_after_start"),
            models.CheckConstraint(condition=Q(version__gt=0), name="roster_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.start_date}–{self.end_date} v{self.version} ({self.status})"


class Waiver(models.Model):
    """A manager's recorded exception to waivable hard rules for one person and day.

    One change can break two fatigue limits at once (a short turnaround that also takes
    the week past its hours): one decision, one reason, so one waiver lists them all.
    ``rule`` is the first of ``rules`` (what the API and the admin filter on).
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="waivers")
    date = models.DateField(validators=[validate_day])
    rule = models.CharField(max_length=40)
    rules = models.JSONField(default=list, blank=True, help_text="Every rule this waiver excepts (codes).")
    reason = models.TextField(validators=[MaxLengthValidator(REASON_MAX)])
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Waiver {', '.join(self.covers)} for {self.staff} on {self.date}"

    @property
    def covers(self) -> list[str]:
        """The codes of every rule this waiver excepts, first rule first."""
        return list(dict.fromkeys([self.rule, *(self.rules or [])]))

    @property
    def labels(self) -> str:
        return "; ".join(rulebook.label(code) for code in self.covers)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Assignment(models.Model):
    """A person working one shift on one day in one roster version.

    ``starts_at``/``ends_at`` are the true instants (see ``roster.timeutil``); ``live``
    mirrors whether the roster version is the one in force.
    """

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="assignments")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT)
    date = models.DateField(validators=[validate_day])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    live = models.BooleanField(default=False)
    waiver = models.ForeignKey(Waiver, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments")

    class Meta:
        ordering = ["date", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="assignment_ends_after_start"),
            models.UniqueConstraint(fields=["roster", "staff", "date"], name="one_shift_a_day_per_roster"),
            # The last line of defence against double-booking, whatever the concurrency:
            # within a roster version, and across every version in force.
            ExclusionConstraint(
                name="no_overlap_within_roster",
                expressions=[
                    ("staff", RangeOperators.EQUAL),
                    ("roster", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
            ),
            ExclusionConstraint(
                name="no_overlap_live",
                expressions=[
                    ("staff", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(live=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.shift_type.code} {self.date}"


class AuditEvent(models.Model):
    """Append-only record of every change: who, what, when, before → after.

    On PostgreSQL a trigger refuses UPDATE and DELETE on this table.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"


class Access(models.Model):
    """What a login may see and change.

    staff: their own data and their unit's published roster; unit manager: their units;
    site coordinator: their sites; regional coordinator and administrator: the network
    (only an administrator changes the network's reference data).
    """

    class Level(models.TextChoices):
        STAFF = "staff", "Staff"
        UNIT_MANAGER = "unit_manager", "Unit manager"
        SITE_COORDINATOR = "site_coordinator", "Site coordinator"
        REGIONAL_COORDINATOR = "regional_coordinator", "Regional coordinator"
        ADMINISTRATOR = "administrator", "Administrator"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access")
    level = models.CharField(max_length=24, choices=Level.choices, default=Level.STAFF)
    units = models.ManyToManyField(Unit, blank=True, related_name="managers")
    sites = models.ManyToManyField(Site, blank=True, related_name="coordinators")

    class Meta:
        verbose_name_plural = "access"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_level_display()})"


class CertificationAlert(models.Model):
    """A certification already flagged to its managers as expiring, so each is flagged once."""

    certification = models.OneToOneField(Certification, on_delete=models.CASCADE, related_name="alert")
    alerted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Alert for {self.certification}"


class SolverRun(models.Model):
    """One roster generation: its progress while it runs and its result when done.

    The Celery task writes progress here (solutions found, objective, bound, elapsed) so
    the page can show it live, and a manager cancels by setting ``cancel_requested``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="solver_runs")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="solver_runs",
        help_text="Empty: every unit of the site at once, sharing its float pool.",
    )
    start_date = models.DateField(validators=[validate_day])
    end_date = models.DateField(validators=[validate_day])
    time_limit_seconds = models.PositiveIntegerField(default=30)
    seed = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    solutions = models.PositiveIntegerField(default=0)
    objective = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0)
    solver_status = models.CharField(max_length=12, blank=True)
    gap = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    rosters = models.ManyToManyField(Roster, blank=True, related_name="solver_runs")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="solver_run_ends_after_start"),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__gt=0) & Q(time_limit_seconds__lte=3600),
                name="solver_run_time_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} {self.unit or self.site} {self.start_date}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.CANCELLED, self.Status.FAILED)

    @property
    def gap_is_loose(self) -> bool:
        """The lower bound is still far below the best roster, so the gap measures what
        the search could not prove in the time, not how much better a roster could be."""
        return self.gap is not None and self.gap >= LOOSE_GAP


# A gap at or above this share is explained on the run page rather than shown bare.
LOOSE_GAP = 0.2


# --- staff self-service: calendar feed, swaps, open shifts, notifications ------------
# (roster/selfservice.py holds the rules; these models keep only what a database can.)


class CalendarFeed(models.Model):
    """The secret address of a person's iCalendar feed. Resetting it issues a new token,
    so an address shared by mistake stops working at once."""

    staff = models.OneToOneField(Staff, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.staff}"


class SwapRequest(models.Model):
    """A person gives a shift away: to a named colleague, to anyone eligible, or in a
    trade for one of the colleague's shifts. The colleague accepts, then a manager of
    the unit approves (or the unit approves automatically when every rule passes)."""

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer to a colleague"
        OPEN = "open", "Offer to anyone eligible"
        TRADE = "trade", "Trade"

    class Status(models.TextChoices):
        OFFERED = "offered", "Awaiting the colleague"
        ACCEPTED = "accepted", "Awaiting the manager"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined by the colleague"
        REJECTED = "rejected", "Declined by the manager"
        CANCELLED = "cancelled", "Withdrawn"

    OPEN_STATUSES = ("offered", "accepted")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="swap_requests")
    requester = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="swaps_offered")
    recipient = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="swaps_received",
        help_text="Empty for an open offer until someone accepts it.",
    )
    # A request outlives its shifts: when a shift is taken off a roster, the open requests
    # on it are withdrawn first and the closed ones keep their record (``date``… below).
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="swaps_given",
        help_text="The shift given away; empty once it no longer exists.",
    )
    counter_assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="swaps_taken",
        help_text="In a trade: the colleague's shift the requester takes in return.",
    )
    # What was offered, kept as it was: after a trade the rows may hold other shifts.
    date = models.DateField(validators=[validate_day])
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="+")
    counter_date = models.DateField(null=True, blank=True, validators=[validate_day])
    counter_shift_type = models.ForeignKey(
        ShiftType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per shift given away, whatever the concurrency.
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status__in=["offered", "accepted"]),
                name="one_open_swap_per_shift",
            ),
            models.UniqueConstraint(
                fields=["counter_assignment"], condition=Q(status__in=["offered", "accepted"]),
                name="one_open_trade_per_counter_shift",
            ),
            models.CheckConstraint(
                condition=(Q(kind="trade") & Q(recipient__isnull=False)
                           & (Q(counter_assignment__isnull=False) | ~Q(status__in=["offered", "accepted"])))
                | (Q(kind="offer") & Q(counter_assignment__isnull=True) & Q(recipient__isnull=False))
                | (Q(kind="open") & Q(counter_assignment__isnull=True)),
                name="swap_kind_matches_its_parties",
            ),
            models.CheckConstraint(
                condition=Q(assignment__isnull=False) | ~Q(status__in=["offered", "accepted"]),
                name="open_swap_has_its_shift",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) | ~Q(recipient=F("requester")), name="swap_not_with_oneself"
            ),
            models.CheckConstraint(
                condition=Q(status="offered") | Q(recipient__isnull=False) | Q(status="cancelled"),
                name="swap_past_offer_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"Swap {self.pk}: {self.requester} {self.shift_type.code} {self.date} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class OpenShift(models.Model):
    """A shift left uncovered after publication, offered to everyone eligible to work it.

    The first valid claim wins: claiming is a conditional update on an unclaimed row,
    and the resulting assignment is unique to the open shift.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLAIMED = "claimed", "Taken"
        WITHDRAWN = "withdrawn", "Withdrawn"

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="open_shifts")
    date = models.DateField(validators=[validate_day])
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=Staff.Role.choices, blank=True)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    certification_type = models.ForeignKey(
        CertificationType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    coverage_requirement = models.ForeignKey(
        CoverageRequirement, on_delete=models.SET_NULL, null=True, blank=True, related_name="open_shifts",
        help_text="The requirement whose shortfall this shift fills, when created from one.",
    )
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="open_shifts_claimed"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    assignment = models.OneToOneField(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="open_shift"
    )
    announced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the people who could take it were told (once)."
    )

    class Meta:
        ordering = ["date", "shift_type__start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="claimed") & Q(claimed_by__isnull=False) & Q(claimed_at__isnull=False))
                | (~Q(status="claimed") & Q(claimed_by__isnull=True)),
                name="open_shift_claimed_iff_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"Open {self.shift_type.code} {self.date} on {self.roster.unit} ({self.status})"

    @property
    def unit(self) -> Unit:
        return self.roster.unit


class Notification(models.Model):
    """An in-app message; also e-mailed once by a Celery task (``emailed_at`` is its claim)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"To {self.recipient}: {self.text}"


# --- cover templates: a unit's usual week of cover -----------------------------------
# (roster/cover_templates.py holds the rules: deriving from ratios, applying to a period.)

COVER_MAX = 200  # people of one kind on one shift of one unit: far above any real ward
PATIENTS_MAX = 999
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CoverTemplate(models.Model):
    """One line of a unit's weekly cover: on this day of the week and shift type, this many
    people of a role, or holding a skill or a certification. Applied to the dates of a
    period, each line becomes a CoverageRequirement (``from_template``)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="cover_template")
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="0 is Monday, 6 is Sunday."
    )
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=Staff.Role.choices, blank=True)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    certification_type = models.ForeignKey(
        CertificationType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    minimum = models.PositiveIntegerField(validators=[MaxValueValidator(COVER_MAX)])
    preferred = models.PositiveIntegerField(validators=[MaxValueValidator(COVER_MAX)])
    maximum = models.PositiveIntegerField(validators=[MaxValueValidator(COVER_MAX)])
    # The census estimate it was derived from (ratio rules), and how; empty when set by hand.
    patients = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(PATIENTS_MAX)])
    derivation = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["weekday", "shift_type__start_time", "role", "skill", "certification_type"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="cover_template_weekday"),
            models.CheckConstraint(
                condition=Q(preferred__gte=F("minimum")) & Q(maximum__gte=F("preferred")),
                name="cover_template_min_le_preferred_le_max",
            ),
            models.CheckConstraint(
                condition=(~Q(role="") & Q(skill__isnull=True) & Q(certification_type__isnull=True))
                | (Q(role="") & Q(skill__isnull=False) & Q(certification_type__isnull=True))
                | (Q(role="") & Q(skill__isnull=True) & Q(certification_type__isnull=False)),
                name="cover_template_names_one_need",
            ),
            models.UniqueConstraint(
                F("unit"), F("weekday"), F("shift_type"), F("role"),
                Coalesce("skill", Value(0)), Coalesce("certification_type", Value(0)),
                name="cover_template_one_line_per_need",
            ),
        ]

    def __str__(self) -> str:
        return (f"{self.unit} {WEEKDAY_NAMES[self.weekday]} {self.shift_type.code}: {self.need} "
                f"{self.minimum}/{self.preferred}/{self.maximum}")

    @property
    def need(self) -> str:
        return str(self.role or self.skill or self.certification_type)
