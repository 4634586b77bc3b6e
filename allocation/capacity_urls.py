"""/operations/capacity/…: the capacity assessment's pages (``allocation.capacity_views``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import capacity_views as views

app_name = "capacity"
urlpatterns: list[URLPattern] = [
    path("", views.capacity_index, name="index"),
    path("<int:site_id>/", views.capacity_page, name="site"),
    path("<int:site_id>/assessment.csv", views.capacity_csv, name="csv"),
]
