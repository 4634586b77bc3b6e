"""A unit's weekly cover template: its lines (seen by those who see the unit, set by its
managers), derived from the ratio rules and a census estimate, and applied to a period.
Every write goes through ``roster.cover_templates`` (audited; a refusal names the field)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from roster import access, cover_templates
from roster import models as m

urlpatterns: list[URLPattern | URLResolver] = []

KEY_FIELDS = ("unit", "weekday", "shift_type", "role", "skill", "certification_type")


def _need(data: dict[str, Any]) -> cover_templates.Need:
    return cover_templates.Need(role=data.get("role", ""), skill=data.get("skill"),
                                certification_type=data.get("certification_type"))


class CoverTemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=m.Unit.objects.none())

    class Meta:
        model = m.CoverTemplate
        fields = ["id", "unit", "weekday", "shift_type", "role", "skill", "certification_type",
                  "minimum", "preferred", "maximum", "patients", "derivation", "updated_at"]
        read_only_fields = ["patients", "derivation", "updated_at"]
        validators: list[Any] = []  # the line is set (created or replaced) by its natural key

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            unit = self.fields["unit"]
            assert isinstance(unit, serializers.PrimaryKeyRelatedField)
            unit.queryset = access.managed_units(request.user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in KEY_FIELDS:
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: ["A line's unit, day, shift and need cannot change: delete it and add another."]}
                    )
        return attrs


class ApplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=m.Unit.objects.none())
    start_date = serializers.DateField()
    end_date = serializers.DateField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            unit = self.fields["unit"]
            assert isinstance(unit, serializers.PrimaryKeyRelatedField)
            unit.queryset = access.managed_units(request.user)


class ApplyResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start_date = serializers.DateField(help_text="The first day written (today, for a period already begun).")
    end_date = serializers.DateField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    overrides_kept = serializers.IntegerField(help_text="Dates whose own cover the template left alone.")


class DeriveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=m.Unit.objects.none())
    shift_type = serializers.PrimaryKeyRelatedField(queryset=m.ShiftType.objects.all())
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6),
                                     min_length=1, max_length=7)
    patients = serializers.IntegerField(min_value=0, max_value=m.PATIENTS_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            unit = self.fields["unit"]
            assert isinstance(unit, serializers.PrimaryKeyRelatedField)
            unit.queryset = access.managed_units(request.user)


class CoverTemplateViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """The weekly cover lines of the units one sees (``?unit=``); managers set them."""

    serializer_class = CoverTemplateSerializer
    filterset_fields = ["unit", "weekday", "shift_type", "role"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[m.CoverTemplate]:
        return m.CoverTemplate.objects.filter(unit__in=access.visible_units(self.request.user)).order_by(
            "unit", "weekday", "shift_type", "pk"
        )

    def _set(self, data: dict[str, Any], current: m.CoverTemplate | None = None) -> m.CoverTemplate:
        def pick(name: str) -> Any:
            return data[name] if name in data else getattr(current, name, None)

        minimum = pick("minimum")
        preferred = pick("preferred")
        maximum = pick("maximum")
        for name, value in (("minimum", minimum), ("preferred", preferred), ("maximum", maximum)):
            if value is None:
                raise serializers.ValidationError({name: ["This field is required."]})
        need_data = {k: pick(k) for k in ("role", "skill", "certification_type")}
        need_data["role"] = need_data["role"] or ""
        lines = cover_templates.template_set(
            actor=self.request.user, unit=pick("unit"), weekdays=[pick("weekday")], shift_type=pick("shift_type"),
            need=_need(need_data), minimum=minimum, preferred=preferred, maximum=maximum,
        )
        return lines[0]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self._set(dict(serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = self._set(dict(serializer.validated_data), serializer.instance)

    def perform_destroy(self, instance: m.CoverTemplate) -> None:
        cover_templates.template_line_delete(actor=self.request.user, line=instance)

    @extend_schema(request=ApplySerializer, responses=ApplyResultSerializer)
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """Write the template's cover for each date of the period from today on. A date's
        own cover (an override) is kept; cover the template made before is updated."""
        given = ApplySerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = cover_templates.template_apply(actor=request.user, unit=data["unit"],
                                                start_date=data["start_date"], end_date=data["end_date"])
        return Response(ApplyResultSerializer(result.as_dict()).data)

    @extend_schema(request=DeriveSerializer, responses=CoverTemplateSerializer(many=True))
    @action(detail=False, methods=["post"])
    def derive(self, request: Request) -> Response:
        """Set the lines the unit's ratio and skill-mix rules call for with this census
        estimate, on these days of the week (each line keeps how it was worked out)."""
        given = DeriveSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        cover_templates.template_derive(actor=request.user, unit=data["unit"], weekdays=data["weekdays"],
                                        shift_type=data["shift_type"], patients=data["patients"])
        lines = self.get_queryset().filter(unit=data["unit"], shift_type=data["shift_type"],
                                           weekday__in=data["weekdays"])
        return Response(CoverTemplateSerializer(lines, many=True, context={"request": request}).data,
                        status=status.HTTP_200_OK)


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("cover-templates", CoverTemplateViewSet, basename="covertemplate")
