"""Open shifts: managers post and withdraw them; staff list the ones of their units and
claim one (the first valid claim wins; the others get 409 with the reason)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from roster import access, marketplace
from roster import models as m

urlpatterns: list[URLPattern | URLResolver] = []


class OpenShiftSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit = serializers.CharField(source="roster.unit.name", read_only=True)
    shift_code = serializers.CharField(source="shift_type.code", read_only=True)
    claimed_by_me = serializers.SerializerMethodField()

    class Meta:
        model = m.OpenShift
        fields = ["id", "roster", "unit", "date", "shift_type", "shift_code", "role", "skill",
                  "certification_type", "note", "status", "claimed_by_me", "claimed_at"]
        read_only_fields = ["status", "claimed_at"]

    def get_claimed_by_me(self, obj: m.OpenShift) -> bool:
        me = access.staff_of(self.context["request"].user)
        return me is not None and obj.claimed_by_id == me.pk


class ClaimSerializer(serializers.Serializer):  # type: ignore[type-arg]
    assignment = serializers.IntegerField(read_only=True)
    open_shift = OpenShiftSerializer(read_only=True)


class OpenShiftViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet  # type: ignore[type-arg]
):
    """Managers see and post their units' open shifts; staff see those of the units they
    may work. ``?eligible=true`` keeps only the open ones the caller could claim now."""

    serializer_class = OpenShiftSerializer
    filterset_fields = ["status", "date", "roster"]

    def get_queryset(self) -> QuerySet[m.OpenShift]:
        return marketplace.visible_open_shifts(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.query_params.get("eligible") in ("1", "true", "yes"):
            me = access.staff_of(request.user)
            shifts = marketplace.eligible_open_shifts(me) if me is not None else []
            page = self.paginate_queryset(shifts)
            data = self.get_serializer(page if page is not None else shifts, many=True).data
            return self.get_paginated_response(data) if page is not None else Response(data)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = marketplace.open_shift_post(
            actor=self.request.user, roster=data["roster"], day=data["date"], shift_type=data["shift_type"],
            role=data.get("role", ""), skill=data.get("skill"), certification_type=data.get("certification_type"),
            note=data.get("note", ""),
        )

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        assignment = marketplace.open_shift_claim(actor=request.user, open_shift=self.get_object())
        shift = self.get_queryset().get(pk=assignment.open_shift.pk)
        return Response({"assignment": assignment.pk,
                         "open_shift": OpenShiftSerializer(shift, context=self.get_serializer_context()).data})

    @extend_schema(request=None, responses=OpenShiftSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        shift = marketplace.open_shift_withdraw(actor=request.user, open_shift=self.get_object())
        return Response(OpenShiftSerializer(shift, context=self.get_serializer_context()).data)


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("open-shifts", OpenShiftViewSet, basename="openshift")
