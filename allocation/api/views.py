"""Live operations API under /api/census/: census and clock events in, live status and
the hourly series out. Visibility is scoped in ``get_queryset`` (``allocation.access``);
every write calls the domain's write function, whose refusals are 4xx naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from roster.models import Site, Unit

from ..access import live_sites, live_units, sees_live_operations
from ..census import Recorded, census_events_record
from ..clock import clock_events_record
from ..models import CensusEvent, ClockEvent, UnitHour
from ..staffing import UnitStatus, site_statuses, unit_statuses
from . import serializers as s


def _readable(request: Any) -> QuerySet[Unit]:
    return live_units(request.user) if request is not None else Unit.objects.none()


class UnitFilter(filters.FilterSet):  # type: ignore[misc]
    """``unit``: one of the units the user reads; any other id is a 400 naming it, so a
    filter does not reveal which ids exist."""

    unit = filters.ModelChoiceFilter(queryset=_readable)


class CensusEventFilter(UnitFilter):
    class Meta:
        model = CensusEvent
        fields = ["unit", "sender"]


class ClockEventFilter(UnitFilter):
    class Meta:
        model = ClockEvent
        fields = ["unit", "staff"]


class UnitHourFilter(UnitFilter):
    class Meta:
        model = UnitHour
        fields = ["unit", "zone"]


# The longest stretch of the hourly series one request returns.
MAX_SERIES = dt.timedelta(days=31)


class SeesLiveOperations(BasePermission):
    message = "Live operations are for unit managers, coordinators and administrators."

    def has_permission(self, request: Request, view: Any) -> bool:
        return sees_live_operations(request.user)


PERMISSIONS = [IsAuthenticated, SeesLiveOperations]


def _recorded(result: Recorded) -> Response:
    rows = sorted(result.accepted + result.duplicates, key=lambda r: r.pk)
    body = s.RecordedSerializer({"accepted": len(result.accepted), "duplicates": len(result.duplicates),
                                 "events": rows}).data
    return Response(body, status=status.HTTP_201_CREATED if result.accepted else status.HTTP_200_OK)


def _instant(request: Request, name: str) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value: dt.datetime = s.AwareDateTimeField().to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from exc
    return value


class CensusEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Census events of the units the user reads; coordinators and administrators post them
    (one, or a batch accepted whole), idempotent on (sender, event_id)."""

    permission_classes = PERMISSIONS
    serializer_class = s.CensusEventSerializer
    filterset_class = CensusEventFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[CensusEvent]:
        units = live_units(self.request.user)
        return (CensusEvent.objects.filter(unit__in=units) | CensusEvent.objects.filter(to_unit__in=units)).order_by(
            "-occurred_at", "-id")

    @extend_schema(request=s.CensusEventInSerializer, responses={201: s.RecordedSerializer, 200: s.RecordedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.CensusEventInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _recorded(census_events_record(actor=request.user, events=[data.event()]))

    @extend_schema(request=s.CensusBatchSerializer, responses={201: s.RecordedSerializer, 200: s.RecordedSerializer})
    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        data = s.CensusBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        events = [s.event_in(item) for item in data.validated_data["events"]]
        return _recorded(census_events_record(actor=request.user, events=events, batch=True))


class ClockEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Clock-ins and clock-outs of the units the user reads; coordinators post them."""

    permission_classes = PERMISSIONS
    serializer_class = s.ClockEventSerializer
    filterset_class = ClockEventFilter

    def get_queryset(self) -> QuerySet[ClockEvent]:
        return ClockEvent.objects.filter(unit__in=live_units(self.request.user)).order_by("-occurred_at", "-id")

    @extend_schema(request=s.ClockEventInSerializer, responses={201: s.ClockEventSerializer,
                                                                 200: s.ClockEventSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.ClockEventInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accepted, held = clock_events_record(actor=request.user, events=[data.event()])
        row = (accepted or held)[0]
        return Response(s.ClockEventSerializer(row).data,
                        status=status.HTTP_201_CREATED if accepted else status.HTTP_200_OK)


AT = OpenApiParameter("at", OpenApiTypes.DATETIME, description="An instant with its UTC offset; now if absent.")


class UnitStatusViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each unit's census, staff on shift and required, staffed beds, utilization and zone."""

    permission_classes = PERMISSIONS
    serializer_class = s.UnitStatusSerializer
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Unit]:
        return live_units(self.request.user).select_related("site").order_by("site__name", "name")

    def _data(self, statuses: list[UnitStatus]) -> list[dict[str, Any]]:
        return [s.UnitStatusSerializer(st).data for st in statuses]

    @extend_schema(parameters=[AT], responses=s.UnitStatusSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(self._data(unit_statuses(self.get_queryset(), _instant(request, "at"))))

    @extend_schema(parameters=[AT], responses=s.UnitStatusSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self._data(unit_statuses([self.get_object()], _instant(request, "at")))[0])


class SiteStatusViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each site's totals (census over staffed beds) and its units' statuses."""

    permission_classes = PERMISSIONS
    serializer_class = s.SiteStatusSerializer
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Site]:
        return live_sites(self.request.user).order_by("name")

    def _data(self, sites: list[Site], at: dt.datetime | None) -> list[dict[str, Any]]:
        units = Unit.objects.filter(site__in=sites).select_related("site").order_by("name")
        return [s.SiteStatusSerializer(st).data for st in site_statuses(sites, units, at)]

    @extend_schema(parameters=[AT], responses=s.SiteStatusSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(self._data(list(self.get_queryset()), _instant(request, "at")))

    @extend_schema(parameters=[AT], responses=s.SiteStatusSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self._data([self.get_object()], _instant(request, "at"))[0])


class UnitHourViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The hourly series of the units the user reads: ``start`` to ``end`` (at most 31
    days; the last 48 hours by default)."""

    permission_classes = PERMISSIONS
    serializer_class = s.UnitHourSerializer
    filterset_class = UnitHourFilter

    def get_queryset(self) -> QuerySet[UnitHour]:
        end = _instant(self.request, "end") or timezone.now()
        start = _instant(self.request, "start") or end - dt.timedelta(hours=48)
        if start > end:
            raise serializers.ValidationError({"start": ["The start must come before the end."]})
        if end - start > MAX_SERIES:
            raise serializers.ValidationError({"end": ["Ask for at most 31 days at a time."]})
        return UnitHour.objects.filter(unit__in=live_units(self.request.user), hour__gte=start,
                                       hour__lte=end).order_by("unit", "hour")

    @extend_schema(parameters=[
        OpenApiParameter("start", OpenApiTypes.DATETIME, description="From this hour (with its UTC offset)."),
        OpenApiParameter("end", OpenApiTypes.DATETIME, description="Up to this hour; now if absent."),
    ])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
