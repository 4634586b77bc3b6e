"""Equipment API under /api/equipment/. Visibility is scoped in get_queryset (through
``assets.permissions``); every write calls the domain's write function."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roster import access
from roster.audit import audit_record, snapshot

from .. import custody, lifecycle, maintenance, selectors
from ..models import AssetType, Item, RecallCampaign, WorkOrder
from ..permissions import visible_items, visible_work_orders
from ..states import GROUPS, Group
from . import serializers as s


class AssetTypeViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Asset types: everyone logged in reads them; administrators change them."""

    queryset = AssetType.objects.select_related("certification_type").prefetch_related("limits")
    serializer_class = s.AssetTypeSerializer
    search_fields = ["name", "code", "manufacturer", "model_number"]
    filterset_fields = ["category", "movable"]

    def _require_admin(self) -> None:
        if not access.is_administrator(self.request.user):
            raise PermissionDenied("Only an administrator changes asset types.")

    def perform_create(self, serializer: Any) -> None:
        self._require_admin()
        obj = serializer.save()
        audit_record(actor=self.request.user, action="asset.type.create", obj=obj, after=snapshot(obj))

    def perform_update(self, serializer: Any) -> None:
        self._require_admin()
        before = snapshot(serializer.instance)
        obj = serializer.save()
        audit_record(actor=self.request.user, action="asset.type.update", obj=obj, before=before,
                     after=snapshot(obj))

    def perform_destroy(self, instance: AssetType) -> None:
        self._require_admin()
        if instance.items.exists() or instance.recalls.exists():
            raise serializers.ValidationError(
                {"asset_type": ["Items or recalls of this type exist; it cannot be deleted."]})
        audit_record(actor=self.request.user, action="asset.type.delete", obj=instance, before=snapshot(instance))
        instance.delete()


# The largest id a 64-bit database key holds.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """An id: a whole number a database key can hold, else a 400 naming the parameter
    (never a database overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ItemFilter(filters.FilterSet):  # type: ignore[misc]
    group = filters.ChoiceFilter(choices=Group.choices, method="filter_group")
    site = IdFilter(field_name="site_id")
    unit = IdFilter(field_name="unit_id")
    asset_type = IdFilter(field_name="asset_type_id")

    class Meta:
        model = Item
        fields = ["site", "unit", "asset_type", "state", "condition", "group"]

    def filter_group(self, queryset: QuerySet[Item], name: str, value: str) -> QuerySet[Item]:
        return queryset.filter(state__in=GROUPS[value])


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = s.ItemSerializer
    filterset_class = ItemFilter
    search_fields = ["serial", "asset_type__name"]
    ordering_fields = ["serial", "state", "last_seen_at", "usage_hours"]

    def get_queryset(self) -> QuerySet[Item]:
        return visible_items(self.request.user).select_related("asset_type").order_by("asset_type__name", "serial")

    def _done(self, item: Item, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.ItemSerializer(Item.objects.get(pk=item.pk)).data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:  # type: ignore[type-arg]
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=s.ItemCreateSerializer, responses={201: s.ItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(s.ItemCreateSerializer)
        item = lifecycle.item_create(actor=request.user, **data)
        return self._done(item, status.HTTP_201_CREATED)

    @extend_schema(request=s.TransitionSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.TransitionSerializer)
        return self._done(lifecycle.item_transition(actor=request.user, item=self.get_object(),
                                                    target=data["state"], reason=data["reason"]))

    @extend_schema(request=s.CheckOutSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.CheckOutSerializer)
        return self._done(custody.item_check_out(actor=request.user, item=self.get_object(), **data))

    @extend_schema(request=s.CheckInSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.CheckInSerializer)
        return self._done(custody.item_check_in(actor=request.user, item=self.get_object(), **data))

    @extend_schema(request=s.TransferSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.TransferSerializer)
        return self._done(custody.item_transfer_dispatch(actor=request.user, item=self.get_object(), **data))

    @extend_schema(request=None, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request: Request, pk: str | None = None) -> Response:
        # The receiving unit's manager may not see the item until it arrives: look it up
        # among items on their way to a unit they manage as well.
        if not (pk or "").isdigit():
            raise NotFound()
        item = (visible_items(request.user) | Item.objects.filter(
            destination__in=access.managed_units(request.user))).filter(pk=int(pk or 0)).first()
        if item is None:
            raise NotFound()
        return self._done(custody.item_transfer_arrive(actor=request.user, item=item))

    @extend_schema(request=s.ReadingSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def reading(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.ReadingSerializer)
        item = self.get_object()
        maintenance.reading_record(actor=request.user, item=item, **data)
        return self._done(item)

    @extend_schema(request=s.UsageSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def usage(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.UsageSerializer)
        return self._done(maintenance.usage_record(actor=request.user, item=self.get_object(), **data))

    @extend_schema(request=s.FaultSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def fault(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(s.FaultSerializer)
        item = self.get_object()
        maintenance.fault_report(actor=request.user, item=item, reason=data["reason"])
        return self._done(item)

    @extend_schema(request=None, responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        return Response(s.TimelineEntrySerializer(selectors.timeline(self.get_object()), many=True).data)

    @extend_schema(request=None, responses=s.LocationRecordSerializer(many=True))
    @action(detail=True, methods=["get"])
    def locations(self, request: Request, pk: str | None = None) -> Response:
        records = self.get_object().locations.all()[:200]
        return Response(s.LocationRecordSerializer(records, many=True).data)


class ScanView(APIView):
    """A label scanned: the item was seen now, by you (and where, if a unit is given)."""

    @extend_schema(request=s.ScanSerializer, responses=s.ItemSerializer)
    def post(self, request: Request) -> Response:
        data = s.ScanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = custody.item_scan(actor=request.user, **data.validated_data)
        return Response(s.ItemSerializer(item).data)


class WorkOrderFilter(filters.FilterSet):  # type: ignore[misc]
    item = IdFilter(field_name="item_id")
    site = IdFilter(field_name="item__site_id")

    class Meta:
        model = WorkOrder
        fields = ["status", "kind", "item", "site"]


class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilter
    ordering_fields = ["due_at", "opened_at"]

    def get_queryset(self) -> QuerySet[WorkOrder]:
        return visible_work_orders(self.request.user).order_by("due_at", "id")

    @extend_schema(request=s.WorkOrderCompleteSerializer, responses=s.WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        data = s.WorkOrderCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = maintenance.work_order_complete(actor=request.user, work_order=self.get_object(),
                                                **data.validated_data)
        return Response(s.WorkOrderSerializer(order).data)


class RecallFilter(filters.FilterSet):  # type: ignore[misc]
    asset_type = IdFilter(field_name="asset_type_id")

    class Meta:
        model = RecallCampaign
        fields = ["asset_type"]


class RecallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Recall campaigns: every one is listed (they concern a model, not a site); regional
    coordinators and administrators open them."""

    serializer_class = s.RecallSerializer
    queryset = RecallCampaign.objects.annotate(items_pulled=Count("work_orders")).order_by("-opened_at")
    filterset_class = RecallFilter

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        campaign = maintenance.recall_open(actor=self.request.user, asset_type=data["asset_type"],
                                           reference=data["reference"], reason=data["reason"])
        serializer.instance = self.get_queryset().get(pk=campaign.pk)


class AvailabilityView(APIView):
    """Items per site and type you can see: ready, in use, unavailable, due soon."""

    @extend_schema(
        parameters=[OpenApiParameter("site", int, many=True, description="Only these sites."),
                    OpenApiParameter("asset_type", int, many=True, description="Only these types.")],
        responses=s.AvailabilitySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        ids: dict[str, list[int] | None] = {}
        for name in ("site", "asset_type"):
            raw = request.query_params.getlist(name)
            try:
                ids[name] = [int(v) for v in raw] if raw else None
            except ValueError:
                ids[name] = [0]
            if ids[name] and not all(1 <= i <= MAX_ID for i in ids[name] or ()):
                return Response({name: ["Give ids: whole numbers from 1."]}, status=status.HTTP_400_BAD_REQUEST)
        rows = selectors.availability(request.user, today=timezone.localdate(), site_ids=ids["site"],
                                      asset_type_ids=ids["asset_type"])
        return Response(s.AvailabilitySerializer(rows, many=True).data)


class ReliabilityView(APIView):
    """Mean time between failures and to repair, per asset type."""

    @extend_schema(responses=s.ReliabilitySerializer(many=True))
    def get(self, request: Request) -> Response:
        if access.level_of(request.user) in (None, access.Level.STAFF):
            raise PermissionDenied("Unit managers and coordinators only.")
        return Response(s.ReliabilitySerializer(selectors.reliability(), many=True).data)


