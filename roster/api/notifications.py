"""API endpoints (to be built)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

urlpatterns: list[URLPattern | URLResolver] = []


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
