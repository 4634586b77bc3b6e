from __future__ import annotations

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import notifications, open_shifts, self_service, swaps, views

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
for extension in (self_service, swaps, open_shifts, notifications):
    extension.register(router)

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("token/", obtain_auth_token, name="token"),
    *self_service.urlpatterns,
    *swaps.urlpatterns,
    *open_shifts.urlpatterns,
    *notifications.urlpatterns,
    path("", include(router.urls)),
]
