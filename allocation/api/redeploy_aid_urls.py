"""/api/mutual-aid/…: requests between sites through their steps."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import redeploy

router = SimpleRouter()
router.register("requests", redeploy.LoanViewSet, basename="mutualaid")

app_name = "mutual-aid-api"
urlpatterns = [path("", include(router.urls))]
