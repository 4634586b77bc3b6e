from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("types", views.AssetTypeViewSet, basename="assettype")
router.register("items", views.ItemViewSet, basename="item")
router.register("work-orders", views.WorkOrderViewSet, basename="workorder")
router.register("recalls", views.RecallViewSet, basename="recall")

app_name = "assets-api"
urlpatterns = [
    path("scan/", views.ScanView.as_view(), name="scan"),
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("reliability/", views.ReliabilityView.as_view(), name="reliability"),
    path("", include(router.urls)),
]
