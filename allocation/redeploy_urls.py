"""Pages: /redeployment/ and /mutual-aid/ (included from config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import redeploy_views as v

urlpatterns = [
    path("redeployment/", v.redeployment, name="redeployment"),
    path("redeployment/replan/", v.replan_now, name="redeployment-replan"),
    path("redeployment/<int:pk>/decide/", v.decide, name="redeployment-decide"),
    path("redeployment/bottlenecks/", v.bottlenecks, name="redeployment-bottlenecks"),
    path("mutual-aid/", v.aid_list, name="mutual-aid"),
    path("mutual-aid/request/", v.aid_request, name="mutual-aid-request"),
    path("mutual-aid/<int:pk>/", v.aid_detail, name="mutual-aid-detail"),
    path("mutual-aid/<int:pk>/step/", v.aid_act, name="mutual-aid-step"),
]
