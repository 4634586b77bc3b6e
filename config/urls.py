from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.tokens import ObtainExpiringAuthToken

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the docs' start-up script as a file: the Content-Security-Policy
    # runs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Tokens that expire, issued with a throttle. Listed before roster.api.urls, whose
    # "token" route (DRF's plain obtain_auth_token) it replaces at the same address.
    path("api/token/", ObtainExpiringAuthToken.as_view(), name="api-token"),
    path("api/equipment/", include("assets.api.urls")),
    path("api/incidents/", include("triage.api.urls")),
    path("api/census/", include("allocation.api.urls")),
    path("api/backfill/", include("allocation.api.backfill_urls")),
    path("api/crisis/", include("triage.api.crisis")),
    path("api/redeployment/", include("allocation.api.redeploy_urls")),
    path("api/mutual-aid/", include("allocation.api.redeploy_aid_urls")),
    path("api/", include("roster.api.urls")),
    path("assets/", include("assets.urls")),
    path("incidents/", include("triage.urls")),
    path("crisis/", include("triage.crisis_urls")),
    path("operations/capacity/", include("allocation.capacity_urls")),
    path("operations/", include("allocation.pages.urls")),
    path("backfill/", include("allocation.backfill_urls")),
    path("", include("allocation.redeploy_urls")),
    path("", include("roster.pages.urls")),
]

# A database too busy to answer in time is a 503 to retry, not a 500 (config.middleware).
handler500 = "config.middleware.server_error"
