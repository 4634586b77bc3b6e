from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    # Django's LogoutView accepts POST only: a link or a prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/<int:pk>/leave/", views.staff_leave, name="staff-leave"),
    path("certifications/", views.certification_list, name="certification-list"),
    path("audit/", views.audit_list, name="audit-list"),
]

urlpatterns += [
    path("rosters/", views.roster_index, name="roster-index"),
    path("rosters/units/<int:pk>/", views.roster_list, name="roster-list"),
    path("rosters/runs/<int:pk>/", views.run_detail, name="roster-run"),
    path("rosters/runs/<int:pk>/cancel/", views.run_cancel, name="roster-run-cancel"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster-detail"),
    path("rosters/<int:pk>/assign/", views.roster_assign, name="roster-assign"),
    path("rosters/<int:pk>/export.csv", views.roster_export, name="roster-export"),
    path("rosters/<int:pk>/publish/", views.roster_publish, name="roster-publish"),
    path("rosters/<int:pk>/new-version/", views.roster_new_version, name="roster-new-version"),
    path("rosters/<int:pk>/discard/", views.roster_discard, name="roster-discard"),
]

# Staff self-service: my shifts and requests, swaps, open shifts, the inbox.
urlpatterns += [
    path("", include("roster.pages.self_service")),
    path("", include("roster.pages.swaps")),
    path("", include("roster.pages.open_shifts")),
    path("", include("roster.pages.notifications")),
    path("", include("roster.pages.cover")),
]
