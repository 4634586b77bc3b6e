"""/api/redeployment/… and /api/mutual-aid/… (two url modules, included from config/urls.py)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import redeploy

router = SimpleRouter()
router.register("recommendations", redeploy.RecommendationViewSet, basename="recommendation")
router.register("runs", redeploy.RunViewSet, basename="redeployrun")
router.register("bottlenecks", redeploy.BottleneckViewSet, basename="bottleneck")

app_name = "redeployment-api"
urlpatterns = [path("", include(router.urls))]
