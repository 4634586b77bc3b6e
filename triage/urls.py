from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "triage"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.incident_list, name="incident-list"),
    path("<int:pk>/", views.incident_board, name="board"),
    path("<int:pk>/register/", views.victim_register, name="register"),
    path("<int:pk>/victims/<int:victim_pk>/", views.victim_detail, name="victim"),
    path("<int:pk>/victims/<int:victim_pk>/retriage/", views.victim_retriage, name="retriage"),
    path("<int:pk>/corrector/", views.corrector, name="corrector"),
    path("<int:pk>/ambulances/", views.ambulance_add, name="ambulance-add"),
    path("<int:pk>/ambulances/<int:ambulance_pk>/status/", views.ambulance_status, name="ambulance-status"),
    path("<int:pk>/hospitals/", views.hospital_add, name="hospital-add"),
    path("<int:pk>/hospitals/<int:hospital_pk>/capacity/", views.hospital_capacity, name="hospital-capacity"),
    path("<int:pk>/policy/", views.incident_policy, name="policy"),
    path("<int:pk>/crisis-standards/", views.incident_crisis_standards, name="crisis-standards"),
    path("<int:pk>/close/", views.incident_close, name="close"),
]
