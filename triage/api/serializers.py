"""API shapes for mass-casualty incidents. Input serializers check the request's shape
(a 400 naming the field); the write functions check the rules."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roster.models import Site

from ..incident import BOOL_ANSWERS, MAX_RATE, MAX_REFILL_S
from ..models import (
    PRINCIPLE_CHOICES,
    Allocation,
    Ambulance,
    Decision,
    Incident,
    ReceivingHospital,
    TriageRecord,
    Victim,
)
from ..triage_rules import AVPU


def choice_field(choices: list[tuple[Any, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field described by a pattern in the schema, not an enum: "status" and
    "kind" name other choice sets elsewhere in the API, and every enum becomes a
    component named after its field, so the names would collide."""
    values = [str(value) for value, _ in choices]

    @extend_schema_field({"type": "string", "pattern": f"^({'|'.join(values)})$",
                          "description": f"One of: {', '.join(values)}."})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices, **kwargs)


class IncidentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    kind = choice_field(Incident.Kind.choices, read_only=True)
    status = choice_field(Incident.Status.choices, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "site", "started_at", "kind", "description", "commander", "status", "closed_at",
                  "algorithm", "sensing_minutes", "buffer_minutes", "swf", "principle", "objective",
                  "crisis_standards", "allocated_at"]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    kind = choice_field(Incident.Kind.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    commander = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False,
                                                   allow_null=True, default=None)
    algorithm = serializers.ChoiceField(choices=Incident.Algorithm.choices, default=Incident.Algorithm.START)
    sensing_minutes = serializers.IntegerField(min_value=1, max_value=60, default=5)
    buffer_minutes = serializers.IntegerField(min_value=0, max_value=60, default=2)
    swf = serializers.ChoiceField(choices=Incident.Swf.choices, default=Incident.Swf.UTILITARIAN)
    principle = serializers.ChoiceField(choices=PRINCIPLE_CHOICES, default="none")
    objective = serializers.ChoiceField(choices=Incident.Objective.choices, default=Incident.Objective.SURVIVORS)


class PolicySerializer(serializers.Serializer):  # type: ignore[type-arg]
    swf = serializers.ChoiceField(choices=Incident.Swf.choices)
    principle = serializers.ChoiceField(choices=PRINCIPLE_CHOICES)
    objective = serializers.ChoiceField(choices=Incident.Objective.choices)
    sensing_minutes = serializers.IntegerField(min_value=1, max_value=60)
    buffer_minutes = serializers.IntegerField(min_value=0, max_value=60)


class CrisisStandardsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    declared = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class AnswersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The triage questions; leave out what was not asked."""

    respiratory_rate = serializers.IntegerField(min_value=0, max_value=MAX_RATE, required=False, allow_null=True)
    capillary_refill_s = serializers.FloatField(min_value=0, max_value=MAX_REFILL_S, required=False,
                                                allow_null=True)
    avpu = serializers.ChoiceField(choices=[a.value for a in AVPU], required=False)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for name in BOOL_ANSWERS:
            fields[name] = serializers.BooleanField(required=False)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({unknown[0]: ["Not a triage question."]})
        return super().to_internal_value(data)


class TriageRecordSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    by = serializers.CharField(source="by.get_username", read_only=True)

    class Meta:
        model = TriageRecord
        fields = ["id", "answers", "algorithm", "colour", "priority", "reason", "by", "at"]
        read_only_fields = fields


class VictimSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status = choice_field(Victim.Status.choices, read_only=True)
    triages = TriageRecordSerializer(many=True, read_only=True)

    class Meta:
        model = Victim
        fields = ["id", "incident", "tag", "age_band", "answers", "algorithm", "colour", "priority", "reason",
                  "status", "registered_at", "registered_by", "triaged_at", "triages"]
        read_only_fields = fields


class VictimCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    tag = serializers.CharField(max_length=20)
    age_band = serializers.ChoiceField(choices=Victim.AgeBand.choices, default=Victim.AgeBand.ADULT)
    answers = AnswersSerializer()


class RetriageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    age_band = serializers.ChoiceField(choices=Victim.AgeBand.choices, required=False)
    answers = AnswersSerializer()


class AmbulanceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status = choice_field(Ambulance.Status.choices, read_only=True)

    class Meta:
        model = Ambulance
        fields = ["id", "incident", "call_sign", "crew", "status"]
        read_only_fields = ["id", "status"]
        validators: list[Any] = []  # the write function names a duplicate as "call_sign"


class AmbulanceStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = choice_field(Ambulance.Status.choices)


class HospitalSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ReceivingHospital
        fields = ["id", "incident", "name", "site", "resources", "capacity", "distance"]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}, "capacity": {"max_value": 10_000}}
        validators: list[Any] = []  # the write function names a duplicate as "name"


class CapacitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    capacity = serializers.IntegerField(min_value=0, max_value=10_000)


class AllocationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    tag = serializers.CharField(source="victim.tag", read_only=True)
    call_sign = serializers.CharField(source="ambulance.call_sign", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "victim", "tag", "ambulance", "call_sign", "hospital", "hospital_name", "proposed_at",
                  "locks_at", "locked", "locked_at", "source"]
        read_only_fields = fields


class ProposalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An allocation keyed by tag number: ``{"101": ["A1", "North General"], "102": null}``
    (ambulance by call sign or id, hospital by name or id)."""

    allocation = serializers.DictField(child=serializers.JSONField(allow_null=True), allow_empty=True)


class DecideSerializer(ProposalSerializer):
    chosen = serializers.ChoiceField(choices=Decision.Choice.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DifferenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    tag = serializers.CharField()
    proposed = serializers.ListField(child=serializers.CharField(), allow_null=True)
    recommended = serializers.ListField(child=serializers.CharField(), allow_null=True)
    proposed_value = serializers.CharField()
    recommended_value = serializers.CharField()


class ScoredSerializer(serializers.Serializer):  # type: ignore[type-arg]
    objective = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    proposed_value = serializers.CharField()
    recommended_value = serializers.CharField()
    better = serializers.BooleanField()
    recommended = serializers.DictField(child=serializers.ListField(child=serializers.CharField(), allow_null=True))
    differences = DifferenceSerializer(many=True)


class DecisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Decision
        fields = ["id", "incident", "objective", "proposed", "recommended", "proposed_value", "recommended_value",
                  "chosen", "reason", "by", "at"]
        read_only_fields = fields


class BoardVictimSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="victim.pk")
    tag = serializers.CharField(source="victim.tag")
    colour = serializers.CharField(source="victim.colour")
    priority = serializers.IntegerField(source="victim.priority")
    status = serializers.CharField(source="victim.status")
    allocation = AllocationSerializer(allow_null=True)
    seconds_to_lock = serializers.IntegerField(allow_null=True)


class BoardHospitalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="hospital.pk")
    name = serializers.CharField(source="hospital.name")
    capacity = serializers.IntegerField(help_text="Live free staffed beds for a network site; as entered otherwise.")
    capacity_source = serializers.ChoiceField(choices=["live", "entered"])
    capacity_at = serializers.DateTimeField(allow_null=True, help_text="When the live figure was read.")
    sent = serializers.IntegerField()
    planned = serializers.IntegerField()
    left = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    incident = IncidentSerializer()
    victims = BoardVictimSerializer(many=True)
    ambulances = AmbulanceSerializer(many=True)
    hospitals = BoardHospitalSerializer(many=True)
