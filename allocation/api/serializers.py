"""Shapes of the live-operations API: input checked here (a 400 naming the field), the
rules in ``allocation.census`` / ``allocation.clock``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from roster.timeutil import EARLIEST_DAY, LATEST_DAY

from ..census import ACUITY_MAX, EVENT_ID_MAX, SENDER_MAX, EventIn
from ..clock import ClockIn
from ..models import CensusEvent, ClockEvent, UnitHour
from ..zones import Zone

MAX_ID = 2**63 - 1
MAX_BATCH = 5000


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with its UTC offset: a time without one is refused, not guessed."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset (e.g. 2026-03-01T08:15:00+00:00).",
        "range": f"Give a time between {EARLIEST_DAY:%Y} and {LATEST_DAY:%Y}.",
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        result: dt.datetime = super().to_internal_value(value)
        # Centuries ago a timezone's offset was local mean time (-00:01:15 in London),
        # which no client reads back as a time: the same bounds as every date entered.
        if not EARLIEST_DAY <= result.date() <= LATEST_DAY:
            self.fail("range")
        return result


class CensusEventInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sender = serializers.CharField(max_length=SENDER_MAX, help_text="The sending system's name.")
    event_id = serializers.CharField(max_length=EVENT_ID_MAX, help_text="The sender's own id for this event.")
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    # Named "movement" (the model's "kind"): the schema's enums are named by field, and
    # "kind" already names other choice sets.
    movement = serializers.ChoiceField(choices=CensusEvent.Kind.choices)
    occurred_at = AwareDateTimeField()
    to_unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                       help_text="The receiving unit of a transfer.")
    acuity = serializers.CharField(max_length=ACUITY_MAX, required=False, allow_blank=True, default="")

    def event(self) -> EventIn:
        return event_in(self.validated_data)


def event_in(data: Any) -> EventIn:
    return EventIn(unit_id=data["unit"], kind=data["movement"], occurred_at=data["occurred_at"],
                   sender=data["sender"], event_id=data["event_id"], to_unit_id=data.get("to_unit"),
                   acuity=data.get("acuity") or "")


class CensusBatchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    events = CensusEventInSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)  # type: ignore[call-arg]


class CensusEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    movement = serializers.ChoiceField(source="kind", choices=CensusEvent.Kind.choices, read_only=True)

    class Meta:
        model = CensusEvent
        fields = ["id", "sender", "event_id", "unit", "movement", "to_unit", "occurred_at", "acuity", "received_at"]
        read_only_fields = fields


class RecordedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    events = CensusEventSerializer(many=True)


class ClockEventInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sender = serializers.CharField(max_length=SENDER_MAX)
    event_id = serializers.CharField(max_length=EVENT_ID_MAX)
    staff = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    clock = serializers.ChoiceField(choices=ClockEvent.Kind.choices, help_text="in or out")
    occurred_at = AwareDateTimeField()

    def event(self) -> ClockIn:
        d = self.validated_data
        return ClockIn(staff_id=d["staff"], unit_id=d["unit"], kind=d["clock"], occurred_at=d["occurred_at"],
                       sender=d["sender"], event_id=d["event_id"])


class ClockEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    clock = serializers.ChoiceField(source="kind", choices=ClockEvent.Kind.choices, read_only=True)

    class Meta:
        model = ClockEvent
        fields = ["id", "sender", "event_id", "staff", "unit", "clock", "occurred_at", "received_at"]
        read_only_fields = fields


class OnShiftSerializer(serializers.Serializer):  # type: ignore[type-arg]
    staff_id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    source = serializers.CharField(help_text="roster or clock")  # type: ignore[assignment]


class SkillMixSerializer(serializers.Serializer):  # type: ignore[type-arg]
    requirement = serializers.CharField()
    minimum = serializers.IntegerField()
    on_shift = serializers.IntegerField()


class UnitStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    site_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    census = serializers.IntegerField()
    beds = serializers.IntegerField()
    staffed_beds = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True, help_text="Census ÷ staffed beds, per cent.")
    zone = serializers.ChoiceField(choices=[z.value for z in Zone], allow_null=True)
    action = serializers.CharField()
    on_shift = OnShiftSerializer(many=True)
    on_shift_by_role = serializers.DictField(child=serializers.IntegerField())
    required = serializers.DictField(  # type: ignore[assignment]
        child=serializers.IntegerField(), help_text="Staff required by role now.")
    required_total = serializers.IntegerField()
    short = serializers.DictField(child=serializers.IntegerField())
    skill_mix = SkillMixSerializer(many=True)


class SiteStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site_id = serializers.IntegerField()
    site = serializers.CharField()
    at = serializers.DateTimeField()
    census = serializers.IntegerField()
    beds = serializers.IntegerField()
    staffed_beds = serializers.IntegerField()
    on_shift = serializers.IntegerField()
    required_total = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    zone = serializers.ChoiceField(choices=[z.value for z in Zone], allow_null=True)
    action = serializers.CharField()
    units = UnitStatusSerializer(many=True)


class UnitHourSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = UnitHour
        fields = ["unit", "hour", "census", "on_shift", "on_shift_rn", "required", "required_total", "beds",
                  "staffed_beds", "utilization", "zone", "computed_at"]
        read_only_fields = fields
