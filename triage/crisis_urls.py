from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import crisis_views as views

app_name = "crisis"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("network/", views.site_detail, name="network"),
    path("network/declare/", views.declare, name="declare-network"),
    path("network/reports/new/", views.sitrep_new, name="sitrep-new-network"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/declare/", views.declare, name="declare"),
    path("sites/<int:pk>/reports/new/", views.sitrep_new, name="sitrep-new"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="decide"),
    path("tasks/<int:pk>/", views.task_update, name="task"),
    path("reports/<int:pk>/", views.sitrep_detail, name="sitrep"),
    path("reports/<int:pk>/pdf/", views.sitrep_pdf, name="sitrep-pdf"),
]
