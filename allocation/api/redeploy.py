"""/api/redeployment/ and /api/mutual-aid/: plans, recommendations and their decisions,
the bottleneck report, and mutual-aid requests through their steps. Scoped by
``allocation.recommendations.visible_recommendations`` and
``allocation.mutual_aid.visible_requests``; every write calls the domain's function, whose
refusals are 4xx naming the field."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roster.errors import DomainError, NotAllowed
from roster.models import Site

from .. import mutual_aid, recommendations
from ..models.redeploy import MutualAidRequest, Recommendation, RedeployRun

MAX_ID = 2**31 - 1


class MoveSideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    utilization_before = serializers.FloatField(allow_null=True)
    utilization_after = serializers.FloatField(allow_null=True)
    shortfall_before = serializers.IntegerField()
    shortfall_after = serializers.IntegerField()


class MoveTradeoffSerializer(serializers.Serializer):  # type: ignore[type-arg]
    giver = MoveSideSerializer()
    receiver = MoveSideSerializer()


class MoveRecommendationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    origin = serializers.CharField(source="origin_label", read_only=True)
    destination = serializers.CharField(source="destination_label", read_only=True)
    staff_name = serializers.SerializerMethodField()
    item_name = serializers.SerializerMethodField()
    tradeoff = MoveTradeoffSerializer(read_only=True)

    class Meta:
        model = Recommendation
        fields = ["id", "run", "kind", "resource", "resource_label", "units", "origin", "destination",
                  "origin_site", "destination_site", "origin_unit", "destination_unit", "staff", "staff_name",
                  "item", "item_name", "tradeoff", "shadow_price", "rationale", "travel_minutes", "status",
                  "created_at", "decided_by", "decided_at", "reason", "assignment", "departs_at", "arrives_at",
                  "arrived_at"]
        read_only_fields = fields

    def get_staff_name(self, obj: Recommendation) -> str:
        return str(obj.staff) if obj.staff_id else ""

    def get_item_name(self, obj: Recommendation) -> str:
        return str(obj.item) if obj.item_id else ""


class RedeployRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RedeployRun
        fields = ["id", "site", "trigger", "quantile", "started_at", "status", "objective", "seconds", "notes",
                  "result"]
        read_only_fields = fields


class RedeployRunInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True,
                                    help_text="A site to plan across its units; null for the network's sites.")
    quantile = serializers.ChoiceField(choices=["median", "q85", "q90"], default="q85")


class StepReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=400, allow_blank=True, required=False, default="")


class BottleneckRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    scope = serializers.CharField()
    site = serializers.CharField()
    resource = serializers.CharField()
    prices = serializers.ListField(child=serializers.FloatField())
    hours = serializers.ListField(child=serializers.CharField())
    peak = serializers.FloatField()
    peak_at = serializers.CharField(allow_null=True)


class BottlenecksSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rows = BottleneckRowSerializer(many=True)
    bottleneck = BottleneckRowSerializer(allow_null=True)
    at = serializers.CharField()


def _site(site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise DomainError("No such site.", field="site")
    return site


class RecommendationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Recommended moves to or from the sites the user coordinates; approving or declining
    needs authority over both ends (a reason is required to decline)."""

    permission_classes = [IsAuthenticated]
    serializer_class = MoveRecommendationSerializer
    lookup_value_regex = r"\d{1,10}"

    def get_queryset(self) -> QuerySet[Recommendation]:
        return recommendations.visible_recommendations(self.request.user).order_by("-created_at", "-id")

    def _decide(self, request: Request, approve: bool) -> Response:
        rec = self.get_object()
        data = StepReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = recommendations.decide(actor=request.user, rec=rec, approve=approve,
                                      reason=data.validated_data["reason"])
        return Response(MoveRecommendationSerializer(done).data)

    @extend_schema(request=StepReasonSerializer, responses=MoveRecommendationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=StepReasonSerializer, responses=MoveRecommendationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)

    @extend_schema(request=None, responses=MoveRecommendationSerializer)
    @action(detail=True, methods=["post"])
    def arrived(self, request: Request, pk: str | None = None) -> Response:
        done = recommendations.arrived(actor=request.user, rec=self.get_object())
        return Response(MoveRecommendationSerializer(done).data)


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Plans made (hourly, on triggers, or asked for here): the plan, its shadow prices and
    what the adapter assumed. Posting re-plans a site (its coordinator) or the network
    (a regional coordinator) now."""

    permission_classes = [IsAuthenticated]
    serializer_class = RedeployRunSerializer
    lookup_value_regex = r"\d{1,10}"

    def get_queryset(self) -> QuerySet[RedeployRun]:
        rows = RedeployRun.objects.order_by("-started_at", "-id")
        user = self.request.user
        if recommendations.can_plan(user, None):
            return rows
        from roster import access

        if access.level_of(user) not in recommendations.DECIDERS:
            return rows.none()
        return rows.filter(site__in=access.managed_sites(user))

    @extend_schema(request=RedeployRunInSerializer, responses={201: RedeployRunSerializer})
    def create(self, request: Request) -> Response:
        data = RedeployRunInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        site = _site(data.validated_data["site"])
        if not recommendations.can_plan(request.user, site):
            raise NotAllowed("You may not plan there.", field="site")
        run = recommendations.replan(site, quantile=data.validated_data["quantile"], actor=request.user,
                                     force=True)
        return Response(RedeployRunSerializer(run).data, status=status.HTTP_201_CREATED)


class BottleneckView(APIView):
    """Shadow prices over the next 24 h per resource type and site; the largest named."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BottlenecksSerializer)
    def get(self, request: Request) -> Response:
        from roster import access

        if access.level_of(request.user) not in recommendations.DECIDERS:
            raise NotAllowed("The bottleneck report is for coordinators.", field="user")
        return Response(BottlenecksSerializer(recommendations.bottlenecks(request.user)).data)


# --- mutual aid ---------------------------------------------------------------------

class MutualAidSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    borrower: serializers.PrimaryKeyRelatedField[Site] = serializers.PrimaryKeyRelatedField(
        source="site", read_only=True)
    borrower_name = serializers.CharField(source="site.name", read_only=True)
    lender_name = serializers.CharField(source="lender.name", read_only=True)

    class Meta:
        model = MutualAidRequest
        fields = ["id", "borrower", "borrower_name", "lender", "lender_name", "resource", "quantity", "hours",
                  "rate", "status", "basis", "note", "proposed_at", "requested_at", "ack_due_at", "reminded_at",
                  "escalated_at", "acknowledged_at", "deployed_at", "ended_at", "reconciliation"]
        read_only_fields = fields


class MutualAidInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    borrower = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    lender = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    resource = serializers.CharField(max_length=60)
    quantity = serializers.IntegerField(min_value=1, max_value=500)
    hours = serializers.IntegerField(min_value=1, max_value=24 * 14)
    rate = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, max_value=100000,
                                    default=Decimal(0))
    note = serializers.CharField(max_length=400, allow_blank=True, required=False, default="")
    proposal = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                        default=None)


class LoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Mutual-aid requests to or from the sites the user coordinates. The borrower's
    coordinator requests; the lender's acknowledges (within 15 minutes), deploys and may
    recall; either ends, declines or reconciles."""

    permission_classes = [IsAuthenticated]
    serializer_class = MutualAidSerializer
    lookup_value_regex = r"\d{1,10}"

    def get_queryset(self) -> QuerySet[MutualAidRequest]:
        return mutual_aid.visible_requests(self.request.user).order_by("-proposed_at", "-id")

    @extend_schema(request=MutualAidInSerializer, responses={201: MutualAidSerializer})
    def create(self, request: Request) -> Response:
        data = MutualAidInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        borrower, lender = _site(d["borrower"]), _site(d["lender"])
        if borrower is None or lender is None:  # pragma: no cover - both are required
            raise DomainError("Name both sites.", field="borrower")
        proposal = None
        if d["proposal"] is not None:
            proposal = self.get_queryset().filter(pk=d["proposal"]).first()
            if proposal is None:
                raise DomainError("No such proposal.", field="proposal")
        loan = mutual_aid.request(actor=request.user, lender=lender, borrower=borrower, resource=d["resource"],
                                  quantity=d["quantity"], hours=d["hours"], rate=d["rate"], note=d["note"],
                                  proposal=proposal)
        return Response(MutualAidSerializer(loan).data, status=status.HTTP_201_CREATED)

    def _act(self, request: Request, name: str) -> Response:
        loan = self.get_object()
        if name in mutual_aid.ACTIONS_WITH_REASON:
            data = StepReasonSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            done = mutual_aid.ACTIONS_WITH_REASON[name](actor=request.user, loan=loan,
                                                        reason=data.validated_data["reason"])
        else:
            done = mutual_aid.ACTIONS[name](actor=request.user, loan=loan)
        return Response(MutualAidSerializer(done).data)

    @extend_schema(request=None, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "acknowledge")

    @extend_schema(request=None, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def deploy(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "deploy")

    @extend_schema(request=None, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "end")

    @extend_schema(request=None, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def reconcile(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "reconcile")

    @extend_schema(request=StepReasonSerializer, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "decline")

    @extend_schema(request=StepReasonSerializer, responses=MutualAidSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, "recall")
