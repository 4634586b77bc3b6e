"""Swaps: offer (to a colleague, to anyone eligible, or a trade), accept or decline,
withdraw; a unit manager approves or rejects. Scoped to the swaps one is party to or
manages; a refusal names the rule."""

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

from roster import models as m
from roster import swaps

urlpatterns: list[URLPattern | URLResolver] = []


class SwapSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = m.SwapRequest
        fields = ["id", "kind", "status", "unit", "requester", "recipient", "assignment", "counter_assignment",
                  "date", "shift_type", "counter_date", "counter_shift_type", "note", "created_at", "decided_at"]
        read_only_fields = ["kind", "status", "unit", "requester", "date", "shift_type", "counter_date",
                            "counter_shift_type", "created_at", "decided_at"]
        extra_kwargs = {"assignment": {"required": True, "allow_null": False},
                        "recipient": {"required": False, "allow_null": True},
                        "counter_assignment": {"required": False, "allow_null": True}}


class SwapViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = SwapSerializer
    filterset_fields = ["status", "kind"]

    def get_queryset(self) -> QuerySet[m.SwapRequest]:
        return swaps.visible_swaps(self.request.user).order_by("-created_at")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = swaps.swap_offer(
            actor=self.request.user, assignment=data["assignment"], recipient=data.get("recipient"),
            counter_assignment=data.get("counter_assignment"), note=data.get("note", ""),
        )

    def _done(self, swap: m.SwapRequest) -> Response:
        return Response(SwapSerializer(self.get_queryset().get(pk=swap.pk)).data)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._done(swaps.swap_respond(actor=request.user, swap=self.get_object(), accept=True))

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._done(swaps.swap_respond(actor=request.user, swap=self.get_object(), accept=False))

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._done(swaps.swap_decide(actor=request.user, swap=self.get_object(), approve=True))

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._done(swaps.swap_decide(actor=request.user, swap=self.get_object(), approve=False))

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._done(swaps.swap_cancel(actor=request.user, swap=self.get_object()))


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("swaps", SwapViewSet, basename="swap")
