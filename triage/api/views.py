"""Mass-casualty incidents API under /api/incidents/. Visibility is scoped in
get_queryset (``triage.permissions``); every write calls the domain's write function,
whose refusals are 4xx answers naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from roster.errors import NotAllowed

from .. import allocation as alloc
from .. import incident as ops
from ..models import Ambulance, Incident, ReceivingHospital, Victim
from ..permissions import can_command, visible_incidents
from ..selectors import board
from . import filters as f
from . import serializers as s


def _input(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:  # type: ignore[type-arg]
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _visible_incident(request: Request, incident: Incident) -> Incident:
    """An incident named in a request body: one the user does not see is refused as a
    bad value (its existence is not revealed)."""
    if not visible_incidents(request.user).filter(pk=incident.pk).exists():
        raise serializers.ValidationError({"incident": ["No incident you can see has this id."]})
    return incident


def scored_data(board_: alloc.Board, scored: alloc.Scored) -> dict[str, Any]:
    def pair(value: tuple[int, int] | None) -> list[str] | None:
        if value is None:
            return None
        return [board_.ambulances[value[0]].call_sign, board_.hospitals[value[1]].name]

    return {
        "objective": scored.objective,
        "higher_is_better": scored.higher_is_better,
        "proposed_value": scored.proposed_value,
        "recommended_value": scored.recommended_value,
        "better": scored.better,
        "recommended": {board_.victims[vid].tag: pair(v) for vid, v in sorted(scored.recommended.items())},
        "differences": [
            {"tag": d.victim.tag,
             "proposed": None if d.proposed is None else [d.proposed[0].call_sign, d.proposed[1].name],
             "recommended": None if d.recommended is None else [d.recommended[0].call_sign, d.recommended[1].name],
             "proposed_value": d.proposed_value, "recommended_value": d.recommended_value}
            for d in scored.differences
        ],
    }


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Incidents the user sees: those of the sites they work at, manage or coordinate."""

    serializer_class = s.IncidentSerializer
    filterset_class = f.IncidentFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Incident]:
        return visible_incidents(self.request.user).select_related("site").order_by("-started_at", "-id")

    def _done(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.IncidentSerializer(Incident.objects.get(pk=incident.pk)).data, status=code)

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(request, s.IncidentCreateSerializer)
        return self._done(ops.incident_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=s.PolicySerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def policy(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.PolicySerializer)
        return self._done(ops.incident_set_policy(actor=request.user, incident=self.get_object(), **data))

    @extend_schema(request=s.CrisisStandardsSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="crisis-standards")
    def crisis_standards(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.CrisisStandardsSerializer)
        return self._done(ops.incident_set_crisis_standards(actor=request.user, incident=self.get_object(), **data))

    @extend_schema(request=None, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._done(ops.incident_close(actor=request.user, incident=self.get_object()))

    @extend_schema(request=None, responses=s.BoardSerializer)
    @action(detail=True, methods=["get"])
    def board(self, request: Request, pk: str | None = None) -> Response:
        return Response(s.BoardSerializer(board(self.get_object())).data)

    @extend_schema(request=s.ProposalSerializer, responses=s.ScoredSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        """Score a proposed allocation (keyed by tag) under the incident's policy and show
        the better one, victim by victim. Nothing changes."""
        incident = self.get_object()
        if not can_command(request.user, incident):
            raise NotAllowed("Only the incident commander and the site's coordinators use the corrector.",
                             field="incident")
        data = _input(request, s.ProposalSerializer)
        board_ = alloc.board_of(incident, keep_person=False)
        scored = alloc.score(incident, board_, alloc.proposal_from(board_, data["allocation"]))
        return Response(s.ScoredSerializer(scored_data(board_, scored)).data)

    @extend_schema(request=s.DecideSerializer, responses={201: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.DecideSerializer)
        decision = alloc.allocation_decide(actor=request.user, incident=self.get_object(),
                                           proposal=data["allocation"], chosen=data["chosen"],
                                           reason=data["reason"])
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class VictimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Victims of the incidents the user sees, with their triage history."""

    serializer_class = s.VictimSerializer
    filterset_class = f.VictimFilter

    def get_queryset(self) -> QuerySet[Victim]:
        return (Victim.objects.filter(incident__in=visible_incidents(self.request.user))
                .prefetch_related("triages__by").order_by("incident", "priority", "registered_at", "id"))

    @extend_schema(request=s.VictimCreateSerializer, responses={201: s.VictimSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(request, s.VictimCreateSerializer)
        victim = ops.victim_register(actor=request.user, incident=_visible_incident(request, data["incident"]),
                                     tag=data["tag"], age_band=data["age_band"], answers=data["answers"])
        return Response(s.VictimSerializer(self.get_queryset().get(pk=victim.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RetriageSerializer, responses=s.VictimSerializer)
    @action(detail=True, methods=["post"])
    def retriage(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.RetriageSerializer)
        victim = ops.victim_retriage(actor=request.user, victim=self.get_object(), answers=data["answers"],
                                     age_band=data.get("age_band"))
        return Response(s.VictimSerializer(self.get_queryset().get(pk=victim.pk)).data)


class AmbulanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = s.AmbulanceSerializer
    filterset_class = f.AmbulanceFilter

    def get_queryset(self) -> QuerySet[Ambulance]:
        return Ambulance.objects.filter(incident__in=visible_incidents(self.request.user)).order_by("incident", "call_sign")

    def perform_create(self, serializer: Any) -> None:
        d = serializer.validated_data
        serializer.instance = ops.ambulance_add(actor=self.request.user,
                                                incident=_visible_incident(self.request, d["incident"]),
                                                call_sign=d["call_sign"], crew=d.get("crew", 1))

    @extend_schema(request=s.AmbulanceStatusSerializer, responses=s.AmbulanceSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.AmbulanceStatusSerializer)
        ambulance = ops.ambulance_set_status(actor=request.user, ambulance=self.get_object(), status=data["status"])
        return Response(s.AmbulanceSerializer(ambulance).data)


class HospitalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = s.HospitalSerializer
    filterset_class = f.HospitalFilter

    def get_queryset(self) -> QuerySet[ReceivingHospital]:
        return ReceivingHospital.objects.filter(
            incident__in=visible_incidents(self.request.user)).order_by("incident", "distance", "name")

    def perform_create(self, serializer: Any) -> None:
        d = serializer.validated_data
        serializer.instance = ops.hospital_add(
            actor=self.request.user, incident=_visible_incident(self.request, d["incident"]),
            name=d.get("name", ""), site=d.get("site"), resources=d.get("resources", 2),
            capacity=d["capacity"], distance=d.get("distance", 2))

    @extend_schema(request=s.CapacitySerializer, responses=s.HospitalSerializer)
    @action(detail=True, methods=["post"])
    def capacity(self, request: Request, pk: str | None = None) -> Response:
        data = _input(request, s.CapacitySerializer)
        hospital = ops.hospital_set_capacity(actor=request.user, hospital=self.get_object(), capacity=data["capacity"])
        return Response(s.HospitalSerializer(hospital).data)
