"""Backfill pages under /backfill/ (included from config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import backfill_views as v

urlpatterns = [
    path("", v.vacancy_list, name="backfill-list"),
    path("offers/", v.my_offers, name="backfill-my-offers"),
    path("offers/<int:pk>/accept/", v.offer_accept, name="backfill-offer-accept"),
    path("offers/<int:pk>/decline/", v.offer_decline, name="backfill-offer-decline"),
    path("kpi/", v.kpi_panel, name="backfill-kpi"),
    path("units/<int:unit_pk>/policy/", v.policy_edit, name="backfill-policy"),
    path("sites/<int:site_pk>/ranking/", v.ranking_edit, name="backfill-ranking"),
    path("<int:pk>/", v.vacancy_detail, name="backfill-detail"),
    path("<int:pk>/pick/<int:offer_pk>/", v.vacancy_pick, name="backfill-pick"),
    path("<int:pk>/agency/", v.vacancy_agency, name="backfill-agency"),
]
