"""/api/backfill/…: vacancies, my offers, offer policies, ranking rules, on-call, KPIs."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import backfill as views

router = SimpleRouter()
router.register("vacancies", views.VacancyViewSet, basename="backfill-vacancy")
router.register("offers", views.MyOfferViewSet, basename="backfill-offer")
router.register("policies", views.PolicyViewSet, basename="backfill-policy")
router.register("ranking-rules", views.RankingRulesViewSet, basename="backfill-ranking-rules")
router.register("on-call", views.OnCallViewSet, basename="backfill-on-call")

app_name = "backfill-api"
urlpatterns = [
    path("kpi/", views.KpiView.as_view(), name="kpi"),
    path("", include(router.urls)),
]
