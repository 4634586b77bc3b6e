"""API viewsets. Visibility is scoped in get_queryset; every write calls a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roster import access, generation
from roster import models as m
from roster.assignments import waiver_record
from roster.editing import assignment_create, assignment_delete
from roster.errors import DomainError
from roster.records import record_create, record_delete, record_update
from roster.requests import (
    leave_cancel,
    leave_decide,
    leave_request,
    preference_create,
    preference_decide,
)
from roster.rosters import roster_create, roster_discard, roster_publish

from . import serializers as s


class AuditedModelViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Plain rows: create, update and delete through the audited record writes (roster.records)."""

    def perform_create(self, serializer: Any) -> None:
        model = serializer.Meta.model
        serializer.instance = record_create(
            actor=self.request.user, model=model, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = record_update(
            actor=self.request.user, instance=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        record_delete(actor=self.request.user, instance=instance)


# The largest id a 64-bit database key holds.
MAX_ID = 2**63 - 1
# The furthest ahead ``expiring_within_days`` looks: ten years covers every certificate.
MAX_EXPIRY_DAYS = 3660


class WholeNumberFilter(filters.NumberFilter):  # type: ignore[misc]
    """A whole number within ``min_value``..``max_value`` (by default, any id a database
    key can hold): anything else is a 400 naming the parameter, never a database
    overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


# --- reference data: readable by everyone logged in -----------------------------------

class SiteViewSet(AuditedModelViewSet):
    queryset = m.Site.objects.all()
    serializer_class = s.SiteSerializer
    search_fields = ["name", "code"]
    ordering_fields = ["name"]


class UnitFilter(filters.FilterSet):  # type: ignore[misc]
    class Meta:
        model = m.Unit
        fields = ["site", "kind"]


class UnitViewSet(AuditedModelViewSet):
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "code"]

    def get_queryset(self) -> QuerySet[m.Unit]:
        return access.visible_units(self.request.user).select_related("site")


class SkillViewSet(AuditedModelViewSet):
    queryset = m.Skill.objects.all()
    serializer_class = s.SkillSerializer
    search_fields = ["name", "code"]


class CertificationTypeViewSet(AuditedModelViewSet):
    queryset = m.CertificationType.objects.all()
    serializer_class = s.CertificationTypeSerializer
    search_fields = ["name", "code"]


class ContractViewSet(AuditedModelViewSet):
    queryset = m.Contract.objects.prefetch_related("shift_limits")
    serializer_class = s.ContractSerializer


class ContractShiftLimitViewSet(AuditedModelViewSet):
    queryset = m.ContractShiftLimit.objects.select_related("contract", "shift_type").order_by("contract", "pk")
    serializer_class = s.ContractShiftLimitSerializer
    filterset_fields = ["contract", "shift_type"]

    def perform_create(self, serializer: Any) -> None:
        if not access.is_administrator(self.request.user):
            raise PermissionDenied("Only an administrator changes contracts.")
        super().perform_create(serializer)


class ShiftTypeViewSet(AuditedModelViewSet):
    queryset = m.ShiftType.objects.select_related("site")
    serializer_class = s.ShiftTypeSerializer
    filterset_fields = ["site", "is_night"]


# --- people -------------------------------------------------------------------------

class StaffFilter(filters.FilterSet):  # type: ignore[misc]
    unit = WholeNumberFilter(field_name="home_unit")
    site = WholeNumberFilter(field_name="home_unit__site")

    class Meta:
        model = m.Staff
        fields = ["unit", "site", "role", "float_pool", "active"]


class StaffViewSet(AuditedModelViewSet):
    serializer_class = s.StaffSerializer
    filterset_class = StaffFilter
    search_fields = ["first_name", "last_name", "employee_number"]
    ordering_fields = ["last_name", "seniority_years", "fte"]

    def get_queryset(self) -> QuerySet[m.Staff]:
        return (
            access.visible_staff(self.request.user)
            .select_related("home_unit__site", "contract", "user")
            .prefetch_related("skills", "cross_trained_units")
        )


class CertificationFilter(filters.FilterSet):  # type: ignore[misc]
    unit = WholeNumberFilter(field_name="staff__home_unit")
    expiring_within_days = WholeNumberFilter(
        method="filter_expiring", label="Expiring within N days", min_value=0, max_value=MAX_EXPIRY_DAYS
    )

    class Meta:
        model = m.Certification
        fields = ["unit", "type", "staff"]

    def filter_expiring(self, queryset: QuerySet[m.Certification], name: str, value: Any) -> QuerySet[m.Certification]:
        if value is None:
            return queryset
        return queryset.filter(expires__lte=timezone.localdate() + dt.timedelta(days=value))


class CertificationViewSet(AuditedModelViewSet):
    serializer_class = s.CertificationSerializer
    filterset_class = CertificationFilter
    ordering_fields = ["expires", "issued"]

    def get_queryset(self) -> QuerySet[m.Certification]:
        user = self.request.user
        rows = m.Certification.objects.filter(access.own_or_managed(user))
        return rows.select_related("staff", "type")


# --- rules ------------------------------------------------------------------------

class FatigueRulesViewSet(AuditedModelViewSet):
    serializer_class = s.FatigueRulesSerializer
    filterset_fields = ["site", "unit"]

    def get_queryset(self) -> QuerySet[m.FatigueRules]:
        user = self.request.user
        return m.FatigueRules.objects.filter(
            Q(site__in=access.visible_sites(user), unit__isnull=True) | Q(unit__in=access.visible_units(user))
        ).select_related("site", "unit").order_by("pk")


class UnitScopedViewSet(AuditedModelViewSet):
    """Rows that belong to a unit: seen by those who see the unit, changed by its managers."""

    def get_queryset(self) -> QuerySet[Any]:
        model: Any = self.get_serializer_class().Meta.model  # type: ignore[attr-defined]
        rows: QuerySet[Any] = model.objects.filter(unit__in=access.visible_units(self.request.user))
        # Pages of a list need a fixed order: the model's, or else the order of creation.
        return rows.select_related("unit") if rows.ordered else rows.select_related("unit").order_by("pk")


class RatioRuleViewSet(UnitScopedViewSet):
    serializer_class = s.RatioRuleSerializer
    filterset_fields = ["unit", "role"]


class SkillMixRuleViewSet(UnitScopedViewSet):
    serializer_class = s.SkillMixRuleSerializer
    filterset_fields = ["unit"]


class CensusFilter(filters.FilterSet):  # type: ignore[misc]
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = m.CensusEstimate
        fields = ["unit", "shift_type", "date_from", "date_to"]


class CensusEstimateViewSet(UnitScopedViewSet):
    serializer_class = s.CensusEstimateSerializer
    filterset_class = CensusFilter


class CoverageFilter(filters.FilterSet):  # type: ignore[misc]
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = m.CoverageRequirement
        fields = ["unit", "shift_type", "role", "skill", "certification_type", "date_from", "date_to"]


class CoverageRequirementViewSet(UnitScopedViewSet):
    serializer_class = s.CoverageRequirementSerializer
    filterset_class = CoverageFilter


# --- leave and preferences ---------------------------------------------------------

class LeaveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet  # type: ignore[type-arg]
):
    """Own leave for staff (never a colleague's); the units' leave for managers."""

    serializer_class = s.LeaveSerializer
    filterset_fields = ["status", "staff", "kind"]

    def get_queryset(self) -> QuerySet[m.Leave]:
        return m.Leave.objects.filter(access.own_or_managed(self.request.user)).select_related("staff")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        staff = data.get("staff") or access.staff_of(self.request.user)
        if staff is None:
            raise DomainError("Name the person the leave is for.", field="staff")
        serializer.instance = leave_request(
            actor=self.request.user, staff=staff, kind=data.get("kind", m.Leave.Kind.ANNUAL),
            start_date=data["start_date"], end_date=data["end_date"], reason=data.get("reason", ""),
        )

    def _decide(self, request: Request, approve: bool) -> Response:
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        leave, _released = leave_decide(
            actor=request.user, leave=self.get_object(), approve=approve, note=body.validated_data.get("note", "")
        )
        return Response(s.LeaveSerializer(leave, context=self.get_serializer_context()).data)

    @extend_schema(request=s.DecisionSerializer, responses=s.LeaveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=s.DecisionSerializer, responses=s.LeaveSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)

    @extend_schema(request=None, responses=s.LeaveSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        leave = leave_cancel(actor=request.user, leave=self.get_object())
        return Response(s.LeaveSerializer(leave, context=self.get_serializer_context()).data)


class PreferenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = s.PreferenceSerializer
    filterset_fields = ["staff", "kind", "status", "date"]

    def get_queryset(self) -> QuerySet[m.Preference]:
        return m.Preference.objects.filter(access.own_or_managed(self.request.user)).select_related("staff", "shift_type")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        staff = data.get("staff") or access.staff_of(self.request.user)
        if staff is None:
            raise DomainError("Name the person the preference is for.", field="staff")
        serializer.instance = preference_create(
            actor=self.request.user, staff=staff, day=data["date"], kind=data["kind"],
            weight=data.get("weight", 1), shift_type=data.get("shift_type"),
        )

    def perform_destroy(self, instance: m.Preference) -> None:
        record_delete(actor=self.request.user, instance=instance)


# --- rosters, assignments, waivers --------------------------------------------------

    def _decide(self, request: Request, approve: bool) -> Response:
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pref = preference_decide(
            actor=request.user, preference=self.get_object(), approve=approve, note=body.validated_data.get("note", "")
        )
        return Response(s.PreferenceSerializer(pref, context=self.get_serializer_context()).data)

    @extend_schema(request=s.DecisionSerializer, responses=s.PreferenceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=s.DecisionSerializer, responses=s.PreferenceSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)


class RosterViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet  # type: ignore[type-arg]
):
    """Managers see every version of their units'; staff only the published roster of theirs."""

    serializer_class = s.RosterSerializer
    filterset_fields = ["unit", "status", "start_date"]

    def get_queryset(self) -> QuerySet[m.Roster]:
        user = self.request.user
        return (
            access.visible_rosters(user).select_related("unit")
            .annotate(assignment_count=Count("assignments"))
            .order_by("-start_date", "unit", "-version")
        )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = roster_create(
            actor=self.request.user, unit=data["unit"], start_date=data["start_date"], end_date=data["end_date"]
        )

    @extend_schema(request=s.PublishSerializer, responses=s.RosterSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Put a draft in force. A draft made before the version in force last changed is
        a 409 naming ``replace_changes``; send it true to publish over those changes."""
        body = s.PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        roster = roster_publish(
            actor=request.user, roster=self.get_object(), replace_changes=body.validated_data["replace_changes"]
        )
        return Response(s.RosterSerializer(roster, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str | None = None) -> Response:
        """Delete a draft version and its shifts for good (the unit's managers only). A
        published or archived version is a 409: it is in force, or the record of what was."""
        roster_discard(actor=request.user, roster=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentFilter(filters.FilterSet):  # type: ignore[misc]
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    unit = WholeNumberFilter(field_name="roster__unit")

    class Meta:
        model = m.Assignment
        fields = ["roster", "staff", "unit", "live", "date_from", "date_to"]


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[m.Assignment]:
        user = self.request.user
        return access.visible_assignments(user).select_related("staff", "shift_type", "roster")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = assignment_create(
            actor=self.request.user, roster=data["roster"], staff=data["staff"], shift_type=data["shift_type"],
            day=data["date"], waiver=data.get("waiver"),
        )

    def perform_destroy(self, instance: m.Assignment) -> None:
        assignment_delete(actor=self.request.user, assignment=instance)


class WaiverViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet  # type: ignore[type-arg]
):
    serializer_class = s.WaiverSerializer
    filterset_fields = ["staff", "rule", "date"]

    def get_queryset(self) -> QuerySet[m.Waiver]:
        return m.Waiver.objects.filter(access.own_or_managed(self.request.user)).select_related("staff", "approved_by")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = waiver_record(
            actor=self.request.user, staff=data["staff"], day=data["date"], rule=data["rule"],
            rules=data.get("rules", []), reason=data["reason"],
        )


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    serializer_class = s.AuditEventSerializer
    filterset_fields = ["action", "object_type", "object_id", "site", "unit"]

    def get_queryset(self) -> QuerySet[m.AuditEvent]:
        user = self.request.user
        if access.level_of(user) == access.Level.STAFF:
            raise PermissionDenied("The audit log is for managers and coordinators.")
        return access.visible_audit(user).select_related("actor")


class SolverRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet  # type: ignore[type-arg]
):
    """Roster generation: POST queues a run on a worker; GET shows its live progress."""

    serializer_class = s.SolverRunSerializer
    filterset_fields = ["site", "unit", "status"]

    def get_queryset(self) -> QuerySet[m.SolverRun]:
        return access.visible_runs(self.request.user).prefetch_related("rosters")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = generation.solver_run_request(
            actor=self.request.user, site=data["site"], unit=data.get("unit"), start_date=data["start_date"],
            end_date=data["end_date"], time_limit_seconds=data.get("time_limit_seconds", 30),
            seed=data.get("seed", 0),
        )

    @extend_schema(request=None, responses=s.SolverRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        run = generation.solver_run_cancel(actor=request.user, run=self.get_object())
        return Response(s.SolverRunSerializer(run, context=self.get_serializer_context()).data)


class MeView(APIView):
    """Who the caller is: access level, staff record, units and sites in scope."""

    @extend_schema(responses=s.MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "level": access.level_of(user),
            "staff": access.staff_of(user),
            "units": list(access.visible_units(user).values_list("pk", flat=True)),
            "sites": list(access.visible_sites(user).values_list("pk", flat=True)),
        }
        return Response(s.MeSerializer(data, context={"request": request}).data, status=status.HTTP_200_OK)
