from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "allocation"

urlpatterns: list[URLPattern] = [
    path("", views.status_board, name="board"),
    path("sites/<int:pk>/", views.site_page, name="site"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
]
