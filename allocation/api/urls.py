"""/api/census/…: no catch-all and no root view here, so /api/census/ itself and the
census estimates under it stay with the roster API, included after this one."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views
from .capacity import CapacityViewSet

router = SimpleRouter()
router.register("events", views.CensusEventViewSet, basename="censusevent")
router.register("clock-events", views.ClockEventViewSet, basename="clockevent")
router.register("status/units", views.UnitStatusViewSet, basename="unitstatus")
router.register("status/sites", views.SiteStatusViewSet, basename="sitestatus")
router.register("series", views.UnitHourViewSet, basename="unithour")
router.register("capacity", CapacityViewSet, basename="capacity")

app_name = "census-api"
urlpatterns = [path("", include(router.urls))]
