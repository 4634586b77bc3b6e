"""/api/census/capacity/<site id>/: the capacity assessment as JSON, the same as the page
(``allocation.capacity``), scoped as the page is (``allocation.capacity_views``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ..capacity import DEFAULT_QUANTILE, QUANTILES
from ..capacity_views import assessment_for
from .views import PERMISSIONS


class ResourceLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=["staff", "beds", "equipment"])
    name = serializers.CharField()
    in_use = serializers.IntegerField()
    needed = serializers.IntegerField(allow_null=True)
    available = serializers.IntegerField()
    reserve = serializers.IntegerField()
    out_of_service = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    note = serializers.CharField()


class DemandBlockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    index = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    label = serializers.CharField()  # type: ignore[assignment]
    peak_at = serializers.DateTimeField()
    census_median = serializers.FloatField()
    census_q85 = serializers.FloatField()
    census_q90 = serializers.FloatField()
    confidence = serializers.ChoiceField(choices=["high", "medium", "low"])
    confidence_note = serializers.CharField()
    beds_needed = serializers.IntegerField()
    beds_available = serializers.IntegerField()
    staff_needed = serializers.DictField(child=serializers.IntegerField())
    staff_available = serializers.DictField(child=serializers.IntegerField())
    units_without_forecast = serializers.ListField(child=serializers.CharField())


class GapSerializer(serializers.Serializer):  # type: ignore[type-arg]
    block = serializers.CharField()
    resource = serializers.CharField()
    need = serializers.IntegerField()
    available = serializers.IntegerField()
    gap = serializers.IntegerField(help_text="need − available; positive is a shortfall.")
    mitigation = serializers.CharField()


class RecommendationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.CharField()
    owner = serializers.CharField(help_text="The role responsible for deciding.")
    tradeoff = serializers.CharField()
    resource = serializers.CharField()
    by = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site_id = serializers.IntegerField()
    site = serializers.CharField()
    scope = serializers.ChoiceField(choices=["site", "units"], help_text="The whole site, or the user's units of it.")
    units = serializers.ListField(child=serializers.CharField())
    at = serializers.DateTimeField()
    quantile = serializers.ChoiceField(choices=list(QUANTILES))
    census = serializers.IntegerField()
    staffed_beds = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    current = ResourceLineSerializer(many=True)
    blocks = DemandBlockSerializer(many=True)
    gaps = GapSerializer(many=True)
    recommendations = RecommendationSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class QuantileSerializer(serializers.Serializer):  # type: ignore[type-arg]
    quantile = serializers.ChoiceField(choices=list(QUANTILES), default=DEFAULT_QUANTILE, required=False)


class CapacityViewSet(viewsets.ViewSet):
    """The capacity assessment of a site: current state, the next 24 hours in four
    blocks with a confidence level, gaps and recommendations with their owner."""

    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d{1,9}"

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A site's id."),
                    OpenApiParameter("quantile", OpenApiTypes.STR, enum=list(QUANTILES),
                                     description="The forecast quantile the need is taken at (90 by default).")],
        responses=AssessmentSerializer,
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        query = QuantileSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        assessment = assessment_for(request.user, int(pk or 0), quantile=query.validated_data["quantile"])
        return Response(AssessmentSerializer(assessment).data)
