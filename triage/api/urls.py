from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

# The nested collections first: an incident's id is a number, but "victims" must not be
# taken for one.
router = DefaultRouter()
router.register("victims", views.VictimViewSet, basename="victim")
router.register("ambulances", views.AmbulanceViewSet, basename="ambulance")
router.register("hospitals", views.HospitalViewSet, basename="receivinghospital")
router.register("", views.IncidentViewSet, basename="incident")

app_name = "triage-api"
urlpatterns = [path("", include(router.urls))]
