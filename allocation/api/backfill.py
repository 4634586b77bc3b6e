"""Backfill API under /api/backfill/: vacancies (their candidates and timeline, a
manager's pick, an agency fill, a vacancy opened from the census or an on-call call-in),
my offers (accept, decline), each unit's offer policy, each site's ranking order, the
on-call list and the KPIs. Scoped as the pages are (``roster.access``); every write
calls ``allocation.backfill``, whose refusals are 4xx naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roster import access
from roster.models import ShiftType, Site, Staff, Unit

from ..backfill import kpi, offers, ranking
from ..backfill_views import visible_vacancies
from ..models.backfill import (
    CRITERIA,
    Offer,
    OfferPolicy,
    OnCall,
    RankingRules,
    Vacancy,
    VacancyEvent,
)

MAX_ID = 2**31 - 1


class BackfillEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = VacancyEvent
        fields = ["at", "kind", "text", "wave", "staff"]


class BackfillOfferSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    staff_name = serializers.CharField(source="staff.full_name", read_only=True)
    unit = serializers.CharField(source="vacancy.unit.name", read_only=True)
    date = serializers.DateField(source="vacancy.date", read_only=True)
    shift_code = serializers.CharField(source="vacancy.shift_type.code", read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "vacancy", "staff", "staff_name", "unit", "date", "shift_code", "wave", "tier", "rank",
                  "cost", "reasons", "status", "offered_at", "reply_by", "replied_at", "note"]
        read_only_fields = fields


class BackfillVacancySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    shift_code = serializers.CharField(source="shift_type.code", read_only=True)
    fill_seconds = serializers.FloatField(read_only=True, allow_null=True)
    events = BackfillEventSerializer(many=True, read_only=True)

    class Meta:
        model = Vacancy
        fields = ["id", "unit", "unit_name", "open_shift", "date", "shift_type", "shift_code", "role", "skill",
                  "certification_type", "source", "critical", "starts_at", "deadline", "policy", "status", "wave",
                  "tier", "escalation", "filled_by", "filled_at", "fill_tier", "fill_cost", "fill_seconds",
                  "created_at", "events"]
        read_only_fields = fields


class BackfillVacancyOpenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    shift_type = serializers.PrimaryKeyRelatedField(queryset=ShiftType.objects.all())
    date = serializers.DateField()
    role = serializers.ChoiceField(choices=Staff.Role.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[Vacancy.Source.CENSUS.value, Vacancy.Source.ON_CALL.value])
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate_date(self, value: dt.date) -> dt.date:
        if not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
            raise serializers.ValidationError("A date from 2000 to 2099.")
        return value


class BackfillCandidateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rank = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff.pk")
    name = serializers.CharField(source="staff.full_name")
    tier = serializers.IntegerField()
    cost = serializers.CharField()
    fatigue = serializers.CharField()
    extra_shifts = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    moves_from = serializers.IntegerField(source="moves_from.pk", allow_null=True, default=None)


class BackfillExcludedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    staff = serializers.IntegerField(source="staff.pk")
    name = serializers.CharField(source="staff.full_name")
    rules = serializers.ListField(child=serializers.CharField())
    why = serializers.ListField(child=serializers.CharField())


class BackfillRankingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    criteria = serializers.ListField(child=serializers.CharField())
    candidates = BackfillCandidateSerializer(many=True)
    excluded = BackfillExcludedSerializer(many=True)


class BackfillPickSerializer(serializers.Serializer):  # type: ignore[type-arg]
    offer = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class BackfillAgencySerializer(serializers.Serializer):  # type: ignore[type-arg]
    worker_name = serializers.CharField(max_length=120)


class VacancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Vacancies of the units the caller manages. POST opens one from code: ``census``
    (the census asks for more staff) or ``on_call`` (the site's on-call staff called in)."""

    serializer_class = BackfillVacancySerializer
    filterset_fields = ["unit", "status", "source", "critical"]

    def get_queryset(self) -> QuerySet[Vacancy]:
        return visible_vacancies(self.request.user).prefetch_related("events").order_by("-created_at", "-pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:  # type: ignore[type-arg]
        return BackfillVacancyOpenSerializer if self.action == "create" else BackfillVacancySerializer

    @extend_schema(request=BackfillVacancyOpenSerializer, responses={201: BackfillVacancySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BackfillVacancyOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if not access.can_manage_unit(request.user, d["unit"].pk):
            raise PermissionDenied({"unit": ["Only the unit's managers open its vacancies."]})
        if d["shift_type"].site_id != d["unit"].site_id:
            raise serializers.ValidationError({"shift_type": ["This shift type belongs to another site."]})
        v = offers.vacancy_open(actor=request.user, unit=d["unit"], shift_type=d["shift_type"], day=d["date"],
                                role=d.get("role", ""), source=d["source"], note=d.get("note", ""))
        return Response(BackfillVacancySerializer(self.get_queryset().get(pk=v.pk)).data, status=201)

    @extend_schema(responses=BackfillRankingSerializer)
    @action(detail=True, methods=["get"])
    def candidates(self, request: Request, pk: str | None = None) -> Response:
        """Everyone of the site: ranked candidates with reasons, the others with their rule."""
        return Response(BackfillRankingSerializer(ranking.rank(self.get_object())).data)

    @extend_schema(responses=BackfillOfferSerializer(many=True))
    @action(detail=True, methods=["get"])
    def offers(self, request: Request, pk: str | None = None) -> Response:
        rows = self.get_object().offers.select_related("staff", "vacancy__unit", "vacancy__shift_type")
        return Response(BackfillOfferSerializer(rows, many=True).data)

    @extend_schema(request=BackfillPickSerializer, responses=BackfillOfferSerializer)
    @action(detail=True, methods=["post"])
    def pick(self, request: Request, pk: str | None = None) -> Response:
        """Manager pick: give the place to someone who replied they are available."""
        v = self.get_object()
        data = BackfillPickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not v.offers.filter(pk=data.validated_data["offer"]).exists():
            raise serializers.ValidationError({"offer": ["Not an offer of this vacancy."]})
        offer = offers.vacancy_pick(actor=request.user, offer_id=data.validated_data["offer"])
        return Response(BackfillOfferSerializer(offer).data)

    @extend_schema(request=BackfillAgencySerializer, responses=BackfillVacancySerializer)
    @action(detail=True, methods=["post"])
    def agency(self, request: Request, pk: str | None = None) -> Response:
        """The agency sent someone: record the vacancy filled by the agency."""
        v = self.get_object()
        data = BackfillAgencySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offers.agency_filled(actor=request.user, vacancy_id=v.pk, worker_name=data.validated_data["worker_name"])
        return Response(BackfillVacancySerializer(self.get_queryset().get(pk=v.pk)).data)


class MyOfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The caller's own offers, newest first; accept or decline one."""

    serializer_class = BackfillOfferSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Offer]:
        me = access.staff_of(self.request.user)
        if me is None:
            return Offer.objects.none()
        return (Offer.objects.filter(staff=me).select_related("staff", "vacancy__unit", "vacancy__shift_type")
                .order_by("-offered_at", "-pk"))

    @extend_schema(request=None, responses=BackfillOfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The first valid acceptance wins (409 when filled; 409 naming the rule when one
        is broken since the offer)."""
        offer = offers.offer_accept(actor=request.user, offer_id=self.get_object().pk)
        return Response(BackfillOfferSerializer(offer).data)

    @extend_schema(request=None, responses=BackfillOfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        offer = offers.offer_decline(actor=request.user, offer_id=self.get_object().pk)
        return Response(BackfillOfferSerializer(offer).data)


class BackfillPolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = OfferPolicy
        fields = ["id", "unit", "kind", "top_n", "wave_size", "wave_seconds", "fill_minutes",
                  "critical_fill_minutes", "escalation_minutes", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"fill_minutes": {"max_value": 7 * 24 * 60},
                        "critical_fill_minutes": {"max_value": 7 * 24 * 60}}

    def validate_unit(self, unit: Unit) -> Unit:
        if not access.can_manage_unit(self.context["request"].user, unit.pk):
            raise serializers.ValidationError("A unit you manage.")
        return unit


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each unit's offer policy (one per unit), for its managers."""

    serializer_class = BackfillPolicySerializer

    def get_queryset(self) -> QuerySet[OfferPolicy]:
        return OfferPolicy.objects.filter(unit__in=access.managed_units(self.request.user)).order_by("pk")

    def perform_create(self, serializer: Any) -> None:
        if OfferPolicy.objects.filter(unit=serializer.validated_data["unit"]).exists():
            raise serializers.ValidationError({"unit": ["This unit has a policy: change it instead."]})
        serializer.save()


class BackfillRankingRulesSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    criteria = serializers.ListField(child=serializers.ChoiceField(choices=list(CRITERIA)), min_length=1,
                                     max_length=len(CRITERIA))

    class Meta:
        model = RankingRules
        fields = ["id", "site", "criteria", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_site(self, site: Site) -> Site:
        if not access.managed_sites(self.context["request"].user).filter(pk=site.pk).exists():
            raise serializers.ValidationError("A site you coordinate.")
        return site

    def validate_criteria(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each criterion once.")
        return value


class RankingRulesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each site's order of ranking criteria (``cost``, ``hole``, ``fatigue``, ``fairness``,
    ``seniority``), for its coordinators; the first decides, the next breaks ties."""

    serializer_class = BackfillRankingRulesSerializer

    def get_queryset(self) -> QuerySet[RankingRules]:
        return RankingRules.objects.filter(site__in=access.managed_sites(self.request.user)).order_by("pk")

    def perform_create(self, serializer: Any) -> None:
        if RankingRules.objects.filter(site=serializer.validated_data["site"]).exists():
            raise serializers.ValidationError({"site": ["This site has its order: change it instead."]})
        serializer.save(updated_by=self.request.user)


class BackfillOnCallSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = OnCall
        fields = ["id", "staff", "date"]

    def validate_staff(self, staff: Staff) -> Staff:
        if not access.can_manage_unit(self.context["request"].user, staff.home_unit_id):
            raise serializers.ValidationError("Someone of a unit you manage.")
        return staff

    def validate_date(self, value: dt.date) -> dt.date:
        if not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
            raise serializers.ValidationError("A date from 2000 to 2099.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if OnCall.objects.filter(staff=attrs["staff"], date=attrs["date"]).exists():
            raise serializers.ValidationError({"date": ["Already on call that day."]})
        return attrs


class OnCallViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
                    viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Who is on call on which day (asked after straight time, before overtime)."""

    serializer_class = BackfillOnCallSerializer
    filterset_fields = ["date", "staff"]

    def get_queryset(self) -> QuerySet[OnCall]:
        return OnCall.objects.filter(staff__home_unit__in=access.managed_units(self.request.user)).order_by("date",
                                                                                                          "pk")


class BackfillKpiQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    site = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or end - dt.timedelta(days=27)
        for name, value in (("start", start), ("end", end)):
            if not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
                raise serializers.ValidationError({name: ["A date from 2000 to 2099."]})
        if start > end:
            raise serializers.ValidationError({"start": ["The period starts after it ends."]})
        if (end - start).days > 366:
            raise serializers.ValidationError({"start": ["A period is at most a year."]})
        return {**attrs, "start": start, "end": end}


class BackfillKpiSerializer(serializers.Serializer):  # type: ignore[type-arg]
    vacancies = serializers.IntegerField()
    filled = serializers.IntegerField()
    open = serializers.IntegerField()
    fill_rate = serializers.FloatField(allow_null=True)
    median_fill_minutes = serializers.FloatField(allow_null=True)
    p90_fill_minutes = serializers.FloatField(allow_null=True)
    critical_within_target = serializers.FloatField(allow_null=True)
    by_tier = serializers.DictField(child=serializers.FloatField())
    overtime_share = serializers.FloatField(allow_null=True)
    agency_share = serializers.FloatField(allow_null=True)
    offers_per_fill = serializers.FloatField(allow_null=True)


class KpiView(APIView):
    """Fill time, fill rate, share per tier, overtime and agency share, offers per fill,
    for a unit or a site the caller manages (default: all of them) over a period (default:
    the last 28 days)."""

    @extend_schema(parameters=[BackfillKpiQuerySerializer], responses=BackfillKpiSerializer)
    def get(self, request: Request) -> Response:
        q = BackfillKpiQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        d = q.validated_data
        if not access.managed_units(request.user).exists():
            raise PermissionDenied("Backfill figures are for managers and coordinators.")
        rows = visible_vacancies(request.user)
        if "unit" in d:
            if not access.can_manage_unit(request.user, d["unit"]):
                raise serializers.ValidationError({"unit": ["A unit you manage."]})
            rows = rows.filter(unit_id=d["unit"])
        if "site" in d:
            if not access.managed_units(request.user).filter(site_id=d["site"]).exists():
                raise serializers.ValidationError({"site": ["A site whose units you manage."]})
            rows = rows.filter(unit__site_id=d["site"])
        tz = timezone.get_current_timezone()
        figures = kpi.measure(rows, dt.datetime.combine(d["start"], dt.time.min, tz),
                              dt.datetime.combine(d["end"] + dt.timedelta(days=1), dt.time.min, tz))
        return Response(BackfillKpiSerializer(figures).data)


__all__ = ["KpiView", "MyOfferViewSet", "OnCallViewSet", "PolicyViewSet",
           "RankingRulesViewSet", "VacancyViewSet"]
