"""/api/census/…: no catch-all and no root view here, so /api/census/ itself and the
census estimates under it stay with the roster API, included after this one."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import forecasts as forecast_views
from . import views
from .capacity import CapacityViewSet

router = SimpleRouter()
router.register("events", views.CensusEventViewSet, basename="censusevent")
router.register("clock-events", views.ClockEventViewSet, basename="clockevent")
router.register("status/units", views.UnitStatusViewSet, basename="unitstatus")
router.register("status/sites", views.SiteStatusViewSet, basename="sitestatus")
router.register("series", views.UnitHourViewSet, basename="unithour")
router.register("forecasts/units", forecast_views.UnitForecastViewSet, basename="unitforecast")
router.register("forecasts/sites", forecast_views.SiteForecastViewSet, basename="siteforecast")
router.register("forecasts/accuracy", forecast_views.ForecastAccuracyViewSet, basename="forecastaccuracy")
router.register("capacity", CapacityViewSet, basename="capacity")

app_name = "census-api"
urlpatterns = [path("", include(router.urls))]
