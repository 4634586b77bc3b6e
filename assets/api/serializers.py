"""API shapes for equipment. Input serializers check the request's shape (a 400 naming
the field); the write functions check the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from roster.models import Site, Staff, Unit
from roster.timeutil import validate_day

from ..models import AssetType, ConditionLimit, Item, LocationRecord, RecallCampaign, WorkOrder
from ..states import INITIAL, State, group_of


class ConditionLimitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ConditionLimit
        fields = ["measure", "unit_label", "minimum", "maximum"]


class AssetTypeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    limits = ConditionLimitSerializer(many=True, read_only=True)

    class Meta:
        model = AssetType
        fields = ["id", "code", "name", "category", "manufacturer", "model_number", "certification_type",
                  "movable", "service_interval_days", "service_interval_hours", "due_soon_days",
                  "service_sla_hours", "limits"]


class ItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    group = serializers.SerializerMethodField()
    service_due_on = serializers.SerializerMethodField()
    # The state it came from (a plain string: the schema names the states once, on ``state``).
    previous_state = serializers.CharField(read_only=True)

    class Meta:
        model = Item
        fields = ["id", "asset_type", "serial", "site", "unit", "operator", "state", "group", "previous_state",
                  "state_changed_at", "condition", "usage_hours", "last_service_on", "hours_at_service",
                  "service_due_on", "destination", "last_seen_at", "last_seen_by", "hazard_exposed", "recall", "commissioned_on"]
        read_only_fields = fields

    def get_group(self, obj: Item) -> str:
        return group_of(obj.state)

    def get_service_due_on(self, obj: Item) -> str | None:
        due = obj.service_due_on()
        return due.isoformat() if due else None


class ItemCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    asset_type = serializers.PrimaryKeyRelatedField(queryset=AssetType.objects.all())
    serial = serializers.CharField(max_length=60)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    state = serializers.ChoiceField(choices=[(s, State(s).label) for s in INITIAL], default=State.READY)
    last_service_on = serializers.DateField(required=False, validators=[validate_day])


class TransitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    state = serializers.ChoiceField(choices=State.choices)
    reason = serializers.CharField(max_length=500)


class CheckOutSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    operator = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.all(), required=False, allow_null=True)
    hazardous = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("unit") and not attrs.get("operator"):
            raise serializers.ValidationError({"unit": ["Check it out to a unit or an operator."]})
        return attrs


class TransferSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    hours_used = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=Decimal(0), required=False,
                                          allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReadingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    measure = serializers.SlugField(max_length=40)
    value = serializers.DecimalField(max_digits=10, decimal_places=2)


class UsageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    hours = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=Decimal("0.1"))


class FaultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class ScanSerializer(serializers.Serializer):  # type: ignore[type-arg]
    serial = serializers.CharField(max_length=60)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)


class LocationRecordSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = LocationRecord
        fields = ["at", "event", "site", "unit", "operator", "actor", "note"]


class TimelineEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    text = serializers.CharField()
    who = serializers.CharField()


class WorkOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = ["id", "item", "kind", "trigger_key", "reason", "opened_at", "due_at", "overdue", "status",
                  "recall", "completed_at", "completed_by", "outcome", "record"]
        read_only_fields = fields

    def get_overdue(self, obj: WorkOrder) -> bool:
        from django.utils import timezone

        return obj.status == WorkOrder.Status.OPEN and obj.due_at < timezone.now()


class WorkOrderCompleteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=WorkOrder.Outcome.choices)
    record = serializers.CharField(max_length=2000)


class RecallSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    items_pulled = serializers.IntegerField(read_only=True, help_text="Items the recall pulled.")

    class Meta:
        model = RecallCampaign
        fields = ["id", "asset_type", "reference", "reason", "opened_at", "opened_by", "items_pulled"]
        read_only_fields = ["opened_at", "opened_by", "items_pulled"]


class AvailabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(source="site_id")
    site_name = serializers.CharField()
    asset_type = serializers.IntegerField(source="asset_type_id")
    asset_type_name = serializers.CharField()
    ready = serializers.IntegerField()
    in_use = serializers.IntegerField()
    unavailable = serializers.IntegerField()
    due_soon = serializers.IntegerField()


class ReliabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    asset_type = serializers.IntegerField(source="asset_type.pk")
    asset_type_name = serializers.CharField(source="asset_type.name")
    failures = serializers.IntegerField()
    operating_hours = serializers.DecimalField(max_digits=12, decimal_places=1)
    mtbf_hours = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    mttr_hours = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
