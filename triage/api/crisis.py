"""Crisis escalation API under /api/crisis/: levels, proposals (confirm, decline),
declarations, playbook checklists, situation reports (JSON and PDF) and positions.
Visibility from ``triage.crisis_state``; every write calls the domain's write function,
whose refusals are 4xx answers naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from roster import access
from roster.models import REASON_MAX, Site

from .. import escalation, playbooks, sitrep
from ..crisis_state import levels_of, network_level, sees_crisis, state_of, visible_sites
from ..escalation_rules import level_name
from ..models import CrisisPosition, EscalationProposal, PlaybookTask, SituationReport

LATEST = "2099-12-31T23:59:59Z"


def _sites_seen(user: Any) -> Q:
    q = Q(site__in=visible_sites(user))
    if sees_crisis(user, None):
        q |= Q(site__isnull=True)
    return q


def _site(request: Request, value: Any, field: str = "site") -> Site | None:
    """A site named in a request body (None: the network), refused as a bad value when
    the user cannot see it."""
    if value in (None, ""):
        if not sees_crisis(request.user, None):
            raise serializers.ValidationError({field: ["You do not see the network's crisis level."]})
        return None
    site = visible_sites(request.user).filter(pk=value).first()
    if site is None:
        raise serializers.ValidationError({field: ["No site you can see has this id."]})
    return site


class LevelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(allow_null=True)
    site_name = serializers.CharField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    since = serializers.DateTimeField()
    pending_proposal = serializers.IntegerField(allow_null=True)


class ProposalSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    upward = serializers.BooleanField(read_only=True)

    class Meta:
        model = EscalationProposal
        fields = ["id", "site", "from_level", "to_level", "upward", "indicator", "value", "threshold", "text",
                  "authority", "status", "created_at", "reminders", "escalated", "decided_at", "decided_by", "reason"]
        read_only_fields = fields


class CrisisDecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True, required=False, default="")


class DeclareSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(allow_null=True, min_value=1, max_value=2**31 - 1,
                                    help_text="Empty for the network.")
    level = serializers.IntegerField(min_value=1, max_value=5)
    reason = serializers.CharField(max_length=REASON_MAX)


class TaskSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(source="change.site_id", read_only=True, allow_null=True)
    level = serializers.IntegerField(source="change.to_level", read_only=True)

    class Meta:
        model = PlaybookTask
        fields = ["id", "site", "level", "title", "owner", "action", "status", "result", "done_at", "done_by"]
        read_only_fields = ["id", "site", "level", "title", "owner", "action", "result", "done_at", "done_by"]


class TaskUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=PlaybookTask.Status.choices)
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class SitrepSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SituationReport
        fields = ["id", "site", "version", "issued_at", "issued_by", "level", "situation", "resources", "actions",
                  "needs", "facility", "next_update_at"]
        read_only_fields = fields


class SitrepIssueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField(allow_null=True, min_value=1, max_value=2**31 - 1,
                                    help_text="Empty for the network.")
    situation = serializers.CharField(max_length=REASON_MAX)
    next_update_at = serializers.DateTimeField(help_text="Within 48 hours.")
    facility = serializers.DictField(child=serializers.ChoiceField(choices=list(sitrep.FACILITY_STATES)),
                                     required=False, default=dict,
                                     help_text=f"System → full, partial or none, for {', '.join(sitrep.REPORTED_SYSTEMS)}.")


class PositionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = CrisisPosition
        fields = ["id", "site", "position", "user", "starts_at", "ends_at"]
        read_only_fields = fields


class LevelView(APIView):
    @extend_schema(responses=LevelSerializer(many=True), summary="The crisis level of each site you see, and the network's")
    def get(self, request: Request) -> Response:
        sites = list(visible_sites(request.user).order_by("name"))
        levels = levels_of([s.pk for s in sites])
        pending: dict[int | None, int] = dict(EscalationProposal.objects.filter(
            status=EscalationProposal.Status.PENDING).values_list("site_id", "pk"))
        rows = [{"site": s.pk, "site_name": s.name, "level": levels[s.pk], "level_name": level_name(levels[s.pk]),
                 "since": state_of(s).since, "pending_proposal": pending.get(s.pk)} for s in sites]
        if sees_crisis(request.user, None):
            net = network_level()
            rows.insert(0, {"site": None, "site_name": "The network", "level": net, "level_name": level_name(net),
                            "since": state_of(None).since, "pending_proposal": pending.get(None)})
        return Response(LevelSerializer(rows, many=True).data)


class DeclareView(APIView):
    @extend_schema(request=DeclareSerializer, responses={201: LevelSerializer},
                   summary="Declare a level by hand (needs the authority for the step), with a reason")
    def post(self, request: Request) -> Response:
        data = DeclareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        site = _site(request, data.validated_data["site"])
        change = escalation.level_declare(actor=request.user, site=site, level=data.validated_data["level"],
                                          reason=data.validated_data["reason"])
        return Response(LevelSerializer({
            "site": site.pk if site else None, "site_name": site.name if site else "The network",
            "level": change.to_level, "level_name": level_name(change.to_level), "since": change.at,
            "pending_proposal": None}).data, status=status.HTTP_201_CREATED)


class ProposalViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    serializer_class = ProposalSerializer

    def get_queryset(self) -> QuerySet[EscalationProposal]:
        queryset = EscalationProposal.objects.filter(_sites_seen(self.request.user))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in EscalationProposal.Status.values:
                raise serializers.ValidationError({"status": [f"Choose one of {', '.join(EscalationProposal.Status.values)}."]})
            queryset = queryset.filter(status=wanted)
        return queryset.order_by("-created_at", "-id")

    def _decide(self, request: Request, confirm: bool) -> Response:
        proposal = self.get_object()
        data = CrisisDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        if confirm:
            escalation.proposal_confirm(actor=request.user, proposal=proposal, reason=reason)
        else:
            escalation.proposal_decline(actor=request.user, proposal=proposal, reason=reason)
        proposal.refresh_from_db()
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(request=CrisisDecisionSerializer, responses=ProposalSerializer, summary="Confirm a proposal")
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=CrisisDecisionSerializer, responses=ProposalSerializer,
                   summary="Decline a proposal (a reason is needed)")
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = TaskSerializer

    def get_queryset(self) -> QuerySet[PlaybookTask]:
        seen = Q(change__site__in=visible_sites(self.request.user))
        if sees_crisis(self.request.user, None):
            seen |= Q(change__site__isnull=True)
        return PlaybookTask.objects.filter(seen).select_related("change").order_by("-change__at", "id")

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer, summary="Tick a playbook step")
    @action(detail=True, methods=["post"])
    def update_status(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        if not sitrep.may_issue(request.user, task.change.site):
            raise PermissionDenied("The site's crisis positions and coordinators tick its playbook.")
        data = TaskUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = playbooks.task_update(actor=request.user, task=task, **data.validated_data)
        return Response(TaskSerializer(task).data)


class SitrepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = SitrepSerializer

    def get_queryset(self) -> QuerySet[SituationReport]:
        return SituationReport.objects.filter(_sites_seen(self.request.user)).order_by("-issued_at", "-version")

    @extend_schema(request=SitrepIssueSerializer, responses={201: SitrepSerializer},
                   summary="Issue the next situation report (figures taken live at this moment)")
    def create(self, request: Request) -> Response:
        data = SitrepIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unknown = set(v["facility"]) - set(sitrep.REPORTED_SYSTEMS)
        if unknown:
            raise serializers.ValidationError({"facility": [f"Unknown system: {', '.join(sorted(unknown))}."]})
        site = _site(request, v["site"])
        now = timezone.now()
        if not now < v["next_update_at"] <= now + dt.timedelta(days=2):
            raise serializers.ValidationError({"next_update_at": ["Give a time later than now and within 48 hours."]})
        report = sitrep.sitrep_issue(actor=request.user, site=site, situation=v["situation"],
                                     next_update_at=v["next_update_at"], reported=v["facility"], at=now)
        return Response(SitrepSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="The report as a PDF")
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        report = self.get_object()
        response = HttpResponse(sitrep.pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="sitrep-{report.pk}.pdf"'
        return response


class PositionViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Who holds which crisis position (administrators assign them)."""

    serializer_class = PositionSerializer

    def get_queryset(self) -> QuerySet[CrisisPosition]:
        if access.level_of(self.request.user) is None:
            return CrisisPosition.objects.none()
        return CrisisPosition.objects.filter(_sites_seen(self.request.user)).order_by("site", "position", "starts_at")


router = DefaultRouter()
router.register("proposals", ProposalViewSet, basename="crisis-proposal")
router.register("tasks", TaskViewSet, basename="crisis-task")
router.register("reports", SitrepViewSet, basename="crisis-report")
router.register("positions", PositionViewSet, basename="crisis-position")

urlpatterns: list[URLPattern | URLResolver] = [
    path("levels/", LevelView.as_view(), name="crisis-levels"),
    path("declare/", DeclareView.as_view(), name="crisis-declare"),
    path("", include(router.urls)),
]
