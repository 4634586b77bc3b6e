from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from config.tokens import ObtainExpiringAuthToken

from . import cover, notifications, open_shifts, self_service, swaps, views

router = DefaultRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("units", views.UnitViewSet, basename="unit")
router.register("skills", views.SkillViewSet, basename="skill")
router.register("certification-types", views.CertificationTypeViewSet, basename="certificationtype")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("contract-shift-limits", views.ContractShiftLimitViewSet, basename="contractshiftlimit")
router.register("shift-types", views.ShiftTypeViewSet, basename="shifttype")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register("fatigue-rules", views.FatigueRulesViewSet, basename="fatiguerules")
router.register("ratio-rules", views.RatioRuleViewSet, basename="ratiorule")
router.register("skill-mix-rules", views.SkillMixRuleViewSet, basename="skillmixrule")
router.register("census", views.CensusEstimateViewSet, basename="censusestimate")
router.register("coverage", views.CoverageRequirementViewSet, basename="coveragerequirement")
router.register("leave", views.LeaveViewSet, basename="leave")
router.register("preferences", views.PreferenceViewSet, basename="preference")
router.register("rosters", views.RosterViewSet, basename="roster")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("waivers", views.WaiverViewSet, basename="waiver")
router.register("audit", views.AuditEventViewSet, basename="auditevent")
router.register("solver-runs", views.SolverRunViewSet, basename="solverrun")
for extension in (self_service, swaps, open_shifts, notifications, cover):
    extension.register(router)


@csrf_exempt  # it changes nothing, and a refusal of the cookie would be an HTML page
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other address under /api/ (an id that is not a number, a misspelt name): a
    404 in JSON like the API's other answers, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("token/", ObtainExpiringAuthToken.as_view(), name="token"),
    *self_service.urlpatterns,
    *swaps.urlpatterns,
    *open_shifts.urlpatterns,
    *notifications.urlpatterns,
    path("", include(router.urls)),
    # Last, and only for addresses that end in a slash: one without is first redirected
    # to the address with one (APPEND_SLASH), as before.
    re_path(r"^.*/$", not_found, name="not-found"),
]
