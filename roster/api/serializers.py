"""Serializers: the request's shape. Business rules live in the write functions (roster.records, roster.editing, …)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roster import access, placement, rulebook
from roster import models as m

UserModel = get_user_model()


def _user(serializer: serializers.Serializer[Any]) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ScopedSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Restricts related-field choices to what the requesting user may write, so a
    forbidden target is refused as a 400 that names the field."""

    scoped: dict[str, Callable[[Any], QuerySet[Any]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is None:
            return
        for name, scope in self.scoped.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                target: Any = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
                target.queryset = scope(user)


def _managed_staff(user: Any) -> QuerySet[m.Staff]:
    return m.Staff.objects.filter(home_unit__in=access.managed_units(user))


def _writable_rosters(user: Any) -> QuerySet[m.Roster]:
    return m.Roster.objects.filter(unit__in=access.managed_units(user)).exclude(status=m.Roster.Status.ARCHIVED)


class SiteSerializer(ScopedSerializer):
    class Meta:
        model = m.Site
        fields = ["id", "name", "code", "timezone", "address"]


class UnitSerializer(ScopedSerializer):
    scoped = {"site": access.managed_sites}

    class Meta:
        model = m.Unit
        fields = ["id", "site", "name", "code", "kind", "beds", "acuity_mix", "auto_approve_swaps"]


class SkillSerializer(ScopedSerializer):
    class Meta:
        model = m.Skill
        fields = ["id", "code", "name"]


class CertificationTypeSerializer(ScopedSerializer):
    class Meta:
        model = m.CertificationType
        fields = ["id", "code", "name", "validity_months"]


class ContractShiftLimitSerializer(ScopedSerializer):
    class Meta:
        model = m.ContractShiftLimit
        fields = ["id", "contract", "shift_type", "max_shifts"]


class ContractSerializer(ScopedSerializer):
    shift_limits = ContractShiftLimitSerializer(many=True, read_only=True)

    class Meta:
        model = m.Contract
        fields = [
            "id", "name", "period_days", "min_minutes", "max_minutes", "min_consecutive_days",
            "max_consecutive_days", "min_consecutive_days_off", "max_weekends", "unavailable_weekdays",
            "shift_limits",
        ]

    def validate_unavailable_weekdays(self, value: Any) -> list[int]:
        if not isinstance(value, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in value):
            raise serializers.ValidationError("A list of ISO weekdays, 1 (Monday) to 7 (Sunday).")
        return value


class ShiftTypeSerializer(ScopedSerializer):
    scoped = {"site": access.managed_sites}

    class Meta:
        model = m.ShiftType
        fields = ["id", "site", "code", "name", "start_time", "duration_minutes", "is_night", "colour"]


class StaffSerializer(ScopedSerializer):
    """Contact details are shown only to the person and their managers."""

    scoped = {"home_unit": access.managed_units}
    name = serializers.CharField(source="full_name", read_only=True)

    class Meta:
        model = m.Staff
        fields = [
            "id", "name", "first_name", "last_name", "employee_number", "role", "home_unit", "float_pool",
            "fte", "seniority_years", "skills", "cross_trained_units", "contract", "email", "phone", "active",
            "user",
        ]
        extra_kwargs = {"user": {"required": False}}
        private = ("email", "phone", "employee_number", "contract", "user")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Linking a login to a staff record gives that login the person's shifts and
        # requests: the administrator's decision alone, never a manager's.
        if "user" in getattr(self, "initial_data", {}) and not access.is_administrator(_user(self)):
            raise serializers.ValidationError({"user": "Only an administrator links logins to staff records."})
        return attrs

    def _private_scope(self) -> tuple[int | None, set[int]]:
        # Computed once per response, not once per row.
        cache = self.context.setdefault("_private_scope", {})
        if "scope" not in cache:
            user = _user(self)
            me = access.staff_of(user)
            cache["scope"] = (me.pk if me else None, set(access.managed_units(user).values_list("pk", flat=True)))
        return cache["scope"]  # type: ignore[no-any-return]

    def to_representation(self, instance: m.Staff) -> dict[str, Any]:
        data = super().to_representation(instance)
        me, units = self._private_scope()
        if instance.pk != me and instance.home_unit_id not in units:
            for key in self.Meta.private:
                data.pop(key, None)
        return data


class CertificationSerializer(ScopedSerializer):
    scoped = {"staff": _managed_staff}
    expired = serializers.SerializerMethodField()

    class Meta:
        model = m.Certification
        fields = ["id", "staff", "type", "number", "issued", "expires", "expired"]

    @extend_schema_field(serializers.BooleanField())
    def get_expired(self, obj: m.Certification) -> bool:
        from django.utils import timezone

        return obj.expires is not None and obj.expires < timezone.localdate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        issued, expires = attrs.get("issued"), attrs.get("expires")
        if issued and expires and expires <= issued:
            raise serializers.ValidationError({"expires": "A certification must expire after it is issued."})
        return attrs


class FatigueRulesSerializer(ScopedSerializer):
    scoped = {"site": access.managed_sites, "unit": access.managed_units}

    class Meta:
        model = m.FatigueRules
        fields = [
            "id", "site", "unit", "max_shift_minutes", "min_rest_minutes", "max_minutes_7_days",
            "max_consecutive_days", "max_consecutive_nights",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unit, site = attrs.get("unit"), attrs.get("site")
        if unit is not None and site is not None and unit.site_id != site.pk:
            raise serializers.ValidationError({"unit": "This unit belongs to another site."})
        return attrs


class RatioRuleSerializer(ScopedSerializer):
    scoped = {"unit": access.managed_units}

    class Meta:
        model = m.RatioRule
        fields = ["id", "unit", "role", "shift_type", "patients_per_staff"]

    def validate_patients_per_staff(self, value: Any) -> Any:
        if value <= 0:
            raise serializers.ValidationError("Must be more than zero patients per staff member.")
        return value


class SkillMixRuleSerializer(ScopedSerializer):
    scoped = {"unit": access.managed_units}

    class Meta:
        model = m.SkillMixRule
        fields = ["id", "unit", "skill", "certification_type", "minimum"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("skill")) == bool(attrs.get("certification_type")):
            raise serializers.ValidationError({"skill": "Name exactly one of skill or certification_type."})
        if attrs.get("minimum", 1) < 1:
            raise serializers.ValidationError({"minimum": "At least one."})
        return attrs


class CensusEstimateSerializer(ScopedSerializer):
    scoped = {"unit": access.managed_units}

    class Meta:
        model = m.CensusEstimate
        fields = ["id", "unit", "date", "shift_type", "patients"]


class CoverageRequirementSerializer(ScopedSerializer):
    scoped = {"unit": access.managed_units}

    class Meta:
        model = m.CoverageRequirement
        fields = [
            "id", "unit", "date", "shift_type", "role", "skill", "certification_type", "minimum", "preferred",
            "maximum", "priority",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = self.instance
        minimum = attrs.get("minimum", getattr(current, "minimum", 0))
        preferred = attrs.get("preferred", getattr(current, "preferred", 0))
        maximum = attrs.get("maximum", getattr(current, "maximum", 0))
        if preferred < minimum:
            raise serializers.ValidationError({"preferred": "Preferred must be at least the minimum."})
        if maximum < preferred:
            raise serializers.ValidationError({"maximum": "Maximum must be at least the preferred number."})
        if not (attrs.get("role") or attrs.get("skill") or attrs.get("certification_type")) and current is None:
            raise serializers.ValidationError({"role": "Name the role, skill or certification required."})
        # Set for its date here, it is that date's own cover: the weekly template leaves it alone.
        attrs["from_template"] = False
        return attrs


class LeaveSerializer(ScopedSerializer):
    class Meta:
        model = m.Leave
        fields = ["id", "staff", "kind", "start_date", "end_date", "reason", "status", "decided_by", "decided_at", "created_at"]
        read_only_fields = ["status", "decided_by", "decided_at", "created_at"]
        extra_kwargs = {"staff": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "Leave must end on or after its first day."})
        return attrs


class DecisionSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PreferenceSerializer(ScopedSerializer):
    class Meta:
        model = m.Preference
        fields = ["id", "staff", "date", "shift_type", "kind", "weight", "status"]
        read_only_fields = ["status"]
        extra_kwargs = {"staff": {"required": False}}

    def validate_weight(self, value: int) -> int:
        if not 1 <= value <= 10:
            raise serializers.ValidationError("Weight is 1 to 10.")
        return value


class AssignmentSerializer(ScopedSerializer):
    # Only people who may work in a unit the user manages (the rulebook's "may work in
    # this unit"): any other id is a 400, and reveals nobody's name or home unit.
    scoped = {"roster": _writable_rosters, "staff": lambda user: m.Staff.objects.filter(
        placement.who_may_work_in_any(access.managed_units(user)))}
    staff_name = serializers.CharField(source="staff.full_name", read_only=True)
    shift_code = serializers.CharField(source="shift_type.code", read_only=True)

    class Meta:
        model = m.Assignment
        fields = [
            "id", "roster", "staff", "staff_name", "shift_type", "shift_code", "date", "starts_at", "ends_at",
            "live", "waiver",
        ]
        read_only_fields = ["starts_at", "ends_at", "live"]


class RosterSerializer(ScopedSerializer):
    scoped = {"unit": access.managed_units}
    assignment_count = serializers.SerializerMethodField()

    class Meta:
        model = m.Roster
        fields = [
            "id", "unit", "start_date", "end_date", "version", "status", "based_on", "created_at",
            "published_at", "assignment_count",
        ]
        read_only_fields = ["version", "status", "based_on", "created_at", "published_at"]
        validators: list[Any] = []  # the version is the service's to number

    @extend_schema_field(serializers.IntegerField())
    def get_assignment_count(self, obj: m.Roster) -> int:
        # Lists count in the query (RosterViewSet); a roster just created or published
        # is counted here, so every answer has the count.
        counted = getattr(obj, "assignment_count", None)
        return counted if counted is not None else obj.assignments.count()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "The roster must end on or after its start."})
        return attrs


class WaiverSerializer(ScopedSerializer):
    scoped = {"staff": _managed_staff}
    # One change may break two limits at once (rest and 7-day hours): one waiver, one
    # reason, names them all — ``rule`` and any others in ``rules``.
    rules = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(rulebook.WAIVABLE)), required=False,
        max_length=len(rulebook.WAIVABLE), help_text="Every rule the waiver excepts (``rule`` among them).",
    )

    class Meta:
        model = m.Waiver
        fields = ["id", "staff", "date", "rule", "rules", "reason", "approved_by", "created_at"]
        read_only_fields = ["approved_by", "created_at"]


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = m.AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "site", "unit", "before", "after", "rationale"]


class SolverRunSerializer(ScopedSerializer):
    scoped = {"site": access.visible_sites, "unit": access.managed_units}

    class Meta:
        model = m.SolverRun
        fields = [
            "id", "site", "unit", "start_date", "end_date", "time_limit_seconds", "seed", "status",
            "cancel_requested", "created_at", "started_at", "finished_at", "solutions", "objective", "bound",
            "gap", "elapsed_seconds", "solver_status", "result", "error", "rosters",
        ]
        read_only_fields = [
            "status", "cancel_requested", "created_at", "started_at", "finished_at", "solutions", "objective",
            "bound", "gap", "elapsed_seconds", "solver_status", "result", "error", "rosters",
        ]


class MeSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    level = serializers.CharField(allow_null=True)
    staff = StaffSerializer(allow_null=True)
    units = serializers.ListField(child=serializers.IntegerField())
    sites = serializers.ListField(child=serializers.IntegerField())


class PublishSerializer(serializers.Serializer):  # type: ignore[type-arg]
    replace_changes = serializers.BooleanField(
        default=False, help_text="Publish even though the version in force changed after this draft was made."
    )
