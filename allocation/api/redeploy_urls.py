"""/api/redeployment/… and /api/mutual-aid/… (two url modules, included from config/urls.py)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import redeploy

router = SimpleRouter()
router.register("recommendations", redeploy.RecommendationViewSet, basename="recommendation")
router.register("runs", redeploy.RunViewSet, basename="redeployrun")

app_name = "redeployment-api"
urlpatterns = [
    path("bottlenecks/", redeploy.BottleneckView.as_view(), name="bottlenecks"),
    path("", include(router.urls)),
]
