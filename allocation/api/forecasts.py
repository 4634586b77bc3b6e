"""/api/census/forecasts/…: the stored forecasts (``allocation.forecasts``) per unit and
per site, and their accuracy per unit; read-only, scoped as the rest of live operations
(``allocation.access``). Every query parameter is bounded; a bad one is a 400 naming it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from roster.models import Site, Unit

from .. import forecasts as fc
from ..access import live_sites, live_units
from ..models.forecasts import ForecastModel
from ..staffing import hour_of
from .serializers import MAX_ID, AwareDateTimeField
from .views import PERMISSIONS

QUANTILE_CHOICES = ["0.5", "0.85", "0.9"]
WINDOW_CHOICES = [str(h) for h in fc.WINDOW_HOURS]


class ForecastQuery(serializers.Serializer):  # type: ignore[type-arg]
    start = AwareDateTimeField(required=False, help_text="From the hour of this instant; the current hour if absent.")
    hours = serializers.IntegerField(min_value=1, max_value=fc.STORED_HOURS, default=24,
                                     help_text="How many hours (at most 14 days).")
    quantile = serializers.ChoiceField(choices=QUANTILE_CHOICES, default="0.9",
                                       help_text="The census quantile the staff required are read at.")


class ForecastListQuery(ForecastQuery):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                    help_text="Only this unit (one the user reads).")


class SiteForecastQuery(serializers.Serializer):  # type: ignore[type-arg]
    start = AwareDateTimeField(required=False, help_text="From the hour of this instant; the current hour if absent.")
    hours = serializers.IntegerField(min_value=1, max_value=fc.STORED_HOURS, default=24)


class AccuracyQuery(serializers.Serializer):  # type: ignore[type-arg]
    since = AwareDateTimeField(required=False, help_text="Windows issued from this instant; 28 days ago if absent.")
    hours = serializers.ChoiceField(choices=WINDOW_CHOICES, default=str(fc.DEFAULT_ACCURACY_HOURS),
                                    help_text="The window length judged, in hours.")
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class HourPointSerializer(serializers.Serializer):  # type: ignore[type-arg]
    hour = serializers.DateTimeField(help_text="Start of the hour (UTC).")
    arrivals_median = serializers.FloatField()
    arrivals_q85 = serializers.FloatField()
    arrivals_q90 = serializers.FloatField()
    census_median = serializers.FloatField(help_text="Census at the end of the hour.")
    census_q85 = serializers.FloatField()
    census_q90 = serializers.FloatField()
    staff_required = serializers.DictField(child=serializers.IntegerField(),
                                           help_text="Staff required by role at the chosen census quantile.")
    staff_required_total = serializers.IntegerField()


class UnitForecastSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    site_id = serializers.IntegerField()
    beds = serializers.IntegerField()
    quantile = serializers.FloatField()
    fitted_at = serializers.DateTimeField(allow_null=True)
    points = HourPointSerializer(many=True)


class SitePointSerializer(serializers.Serializer):  # type: ignore[type-arg]
    hour = serializers.DateTimeField()
    census_median = serializers.FloatField()
    census_q85 = serializers.FloatField()
    census_q90 = serializers.FloatField()
    arrivals_median = serializers.FloatField()
    arrivals_q85 = serializers.FloatField()
    arrivals_q90 = serializers.FloatField()


class SiteForecastSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site_id = serializers.IntegerField()
    site = serializers.CharField()
    units = serializers.IntegerField(help_text="Units whose forecasts are summed.")
    points = SitePointSerializer(many=True)


class AccuracySerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    hours = serializers.IntegerField()
    windows = serializers.IntegerField()
    mae = serializers.FloatField()
    mape = serializers.FloatField(allow_null=True, help_text="A fraction, over windows with arrivals.")
    bias = serializers.FloatField(help_text="Mean forecast − actual: positive when forecasts ran high.")
    pinball_90 = serializers.FloatField()
    coverage_90 = serializers.FloatField(help_text="Share of windows at or under the 90 % quantile.")
    noise_floor = serializers.FloatField(help_text="MAE a forecast knowing the true rate would still make.")


def _query(cls: type[serializers.Serializer], request: Request) -> dict[str, Any]:  # type: ignore[type-arg]
    query = cls(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _only(units: QuerySet[Unit], unit_id: int | None) -> QuerySet[Unit]:
    if unit_id is None:
        return units
    if not units.filter(pk=unit_id).exists():
        raise serializers.ValidationError({"unit": ["No unit you read has this id."]})
    return units.filter(pk=unit_id)


def _unit_forecasts(units: list[Unit], start: dt.datetime, hours: int, quantile: str) -> list[dict[str, Any]]:
    ids = [u.pk for u in units]
    census = fc.census_forecast(ids, start, hours)
    arrivals = fc.arrivals_forecast(ids, start, hours)
    field = fc.check_quantile(float(quantile))
    needs = fc.requirements(census, field)
    fitted = dict(ForecastModel.objects.filter(unit__in=ids).values_list("unit_id", "fitted_at"))
    out = []
    for unit in units:
        by_hour = {p.hour: p for p in arrivals.get(unit.pk, [])}
        points = []
        for point, roles in zip(census.get(unit.pk, []), needs.get(unit.pk, []), strict=True):
            flow = by_hour.get(point.hour)
            if flow is None:
                continue
            points.append({"hour": point.hour, "arrivals_median": flow.median, "arrivals_q85": flow.q85,
                           "arrivals_q90": flow.q90, "census_median": point.median, "census_q85": point.q85,
                           "census_q90": point.q90, "staff_required": roles,
                           "staff_required_total": sum(roles.values())})
        out.append({"unit_id": unit.pk, "unit": unit.name, "site_id": unit.site_id, "beds": unit.beds,
                    "quantile": float(quantile), "fitted_at": fitted.get(unit.pk), "points": points})
    return out


class UnitForecastViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each unit's hourly forecast: arrivals during the hour and the census at its end
    (median, 85th and 90th percentiles), with the staff the ratio rules require at the
    chosen census quantile. A unit not yet forecast has no points."""

    permission_classes = PERMISSIONS
    serializer_class = UnitForecastSerializer
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Unit]:
        return live_units(self.request.user).select_related("site").order_by("site__name", "name")

    @extend_schema(parameters=[ForecastListQuery], responses=UnitForecastSerializer(many=True))
    def list(self, request: Request) -> Response:
        q = _query(ForecastListQuery, request)
        units = list(_only(self.get_queryset(), q.get("unit")))
        data = _unit_forecasts(units, q.get("start") or timezone.now(), q["hours"], q["quantile"])
        return Response(UnitForecastSerializer(data, many=True).data)

    @extend_schema(parameters=[ForecastQuery], responses=UnitForecastSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        q = _query(ForecastQuery, request)
        unit = self.get_object()
        data = _unit_forecasts([unit], q.get("start") or timezone.now(), q["hours"], q["quantile"])
        return Response(UnitForecastSerializer(data[0]).data)


class SiteForecastViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Each site's forecast: the total census and arrivals of its units per hour
    (means and variances added, units taken as independent)."""

    permission_classes = PERMISSIONS
    serializer_class = SiteForecastSerializer
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Site]:
        return live_sites(self.request.user).order_by("name")

    def _data(self, sites: list[Site], start: dt.datetime, hours: int) -> list[dict[str, Any]]:
        by_site: dict[int, list[int]] = {s.pk: [] for s in sites}
        for pk, site_id in Unit.objects.filter(site__in=sites).values_list("pk", "site_id"):
            by_site[site_id].append(pk)
        census = fc.site_forecast(by_site, start, hours, "census")
        arrivals = fc.site_forecast(by_site, start, hours, "arrivals")
        out = []
        for site in sites:
            flows = {p.hour: p for p in arrivals.get(site.pk, [])}
            points = [{"hour": p.hour, "census_median": p.median, "census_q85": p.q85, "census_q90": p.q90,
                       "arrivals_median": flows[p.hour].median, "arrivals_q85": flows[p.hour].q85,
                       "arrivals_q90": flows[p.hour].q90}
                      for p in census.get(site.pk, []) if p.hour in flows]
            units = census[site.pk][0].units if census.get(site.pk) else 0
            out.append({"site_id": site.pk, "site": site.name, "units": units, "points": points})
        return out

    @extend_schema(parameters=[SiteForecastQuery], responses=SiteForecastSerializer(many=True))
    def list(self, request: Request) -> Response:
        q = _query(SiteForecastQuery, request)
        data = self._data(list(self.get_queryset()), q.get("start") or timezone.now(), q["hours"])
        return Response(SiteForecastSerializer(data, many=True).data)

    @extend_schema(parameters=[SiteForecastQuery], responses=SiteForecastSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        q = _query(SiteForecastQuery, request)
        data = self._data([self.get_object()], q.get("start") or timezone.now(), q["hours"])
        return Response(SiteForecastSerializer(data[0]).data)


class ForecastAccuracyViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Accuracy of each unit's arrivals forecasts over windows of ``hours`` hours whose
    actuals are in: MAE, MAPE, bias, pinball loss at 0.9, coverage of the 90 % quantile,
    and the Poisson noise floor to judge the MAE against. Units with no judged window
    are left out."""

    permission_classes = PERMISSIONS
    serializer_class = AccuracySerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Unit]:
        return live_units(self.request.user).select_related("site").order_by("site__name", "name")

    @extend_schema(parameters=[AccuracyQuery], responses=AccuracySerializer(many=True))
    def list(self, request: Request) -> Response:
        q = _query(AccuracyQuery, request)
        units = list(_only(self.get_queryset(), q.get("unit")))
        since = q.get("since") or hour_of(timezone.now()) - dt.timedelta(days=28)
        figures = fc.accuracy_of([u.pk for u in units], since, int(q["hours"]))
        data = [{"unit_id": u.pk, "unit": u.name, **figures[u.pk]} for u in units if u.pk in figures]
        return Response(AccuracySerializer(data, many=True).data)
