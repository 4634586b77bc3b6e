"""The Django admin for every roster model.

Rows that carry rules the write functions enforce (assignments, leave decisions, rosters,
waivers) are created and changed through those functions, so the admin saves them
through ``record_create``/``record_update`` and the audit log sees every change. The
audit log itself is read-only here, as in the database.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from . import access
from . import models as m
from .assignments import waiver_record
from .audit import audit_record, snapshot
from .editing import assignment_delete
from .records import record_delete, record_saved
from .requests import leave_decide
from .rosters import roster_publish


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Saves and deletes through the audited paths, in the request's transaction."""

    def get_queryset(self, request: HttpRequest) -> Any:
        # The same scope as the pages and the API (roster/access.py).
        return access.scoped(request.user, super().get_queryset(request))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Locked as the API's record_update locks it: what saving means is decided on it.
        before = snapshot(type(obj).objects.select_for_update().get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        # The row as it was travels with this request's form: one admin instance serves
        # every request (and thread), so nothing per request may live on it.
        form.audit_before = before

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj, before = form.instance, getattr(form, "audit_before", None)
        audit_record(
            actor=request.user,
            action="admin.update" if change else "admin.create",
            obj=obj,
            before=before,
            after=snapshot(obj),
        )
        record_saved(actor=request.user, obj=obj, before=before)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record_delete(actor=request.user, instance=obj)


@admin.register(m.Site)
class SiteAdmin(AuditedAdmin):
    list_display = ("name", "code", "timezone")
    search_fields = ("name", "code")


class FatigueRulesInline(admin.StackedInline):  # type: ignore[type-arg]
    model = m.FatigueRules
    extra = 0


class RatioRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.RatioRule
    extra = 0


class SkillMixRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.SkillMixRule
    extra = 0


@admin.register(m.Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "code", "site", "kind", "beds", "auto_approve_swaps")
    list_filter = ("site", "kind")
    search_fields = ("name", "code")
    inlines = [RatioRuleInline, SkillMixRuleInline]


@admin.register(m.Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(m.CertificationType)
class CertificationTypeAdmin(AuditedAdmin):
    list_display = ("name", "code", "validity_months")
    search_fields = ("name", "code")


class ContractShiftLimitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.ContractShiftLimit
    extra = 0


@admin.register(m.Contract)
class ContractAdmin(AuditedAdmin):
    list_display = (
        "name", "period_days", "min_minutes", "max_minutes", "max_consecutive_days",
        "min_consecutive_days_off", "max_weekends",
    )
    inlines = [ContractShiftLimitInline]


class CertificationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.Certification
    extra = 0


class StaffAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The person's validation (run next) sees the cross-training about to be saved.
        if "cross_trained_units" in data:
            self.instance.__dict__["pending_cross_trained"] = {u.pk for u in data["cross_trained_units"]}
        return data


@admin.register(m.Staff)
class StaffAdmin(AuditedAdmin):
    form = StaffAdminForm
    list_display = ("__str__", "employee_number", "role", "home_unit", "float_pool", "fte", "active")
    list_filter = ("role", "float_pool", "active", "home_unit__site", "home_unit")
    search_fields = ("first_name", "last_name", "employee_number", "email")
    filter_horizontal = ("skills", "cross_trained_units")
    raw_id_fields = ("user",)
    list_select_related = ("home_unit__site",)
    inlines = [CertificationInline]


@admin.register(m.Certification)
class CertificationAdmin(AuditedAdmin):
    list_display = ("staff", "type", "number", "issued", "expires")
    list_filter = ("type", "staff__home_unit")
    search_fields = ("number", "staff__last_name")
    raw_id_fields = ("staff",)
    date_hierarchy = "expires"


@admin.register(m.ShiftType)
class ShiftTypeAdmin(AuditedAdmin):
    list_display = ("code", "name", "site", "start_time", "duration_minutes", "is_night")
    list_filter = ("site", "is_night")


@admin.register(m.FatigueRules)
class FatigueRulesAdmin(AuditedAdmin):
    list_display = (
        "__str__", "max_shift_minutes", "min_rest_minutes", "max_minutes_7_days",
        "max_consecutive_days", "max_consecutive_nights",
    )
    list_filter = ("site",)


@admin.register(m.RatioRule)
class RatioRuleAdmin(AuditedAdmin):
    list_display = ("unit", "role", "shift_type", "patients_per_staff")
    list_filter = ("unit__site", "unit")


@admin.register(m.SkillMixRule)
class SkillMixRuleAdmin(AuditedAdmin):
    list_display = ("unit", "skill", "certification_type", "minimum")
    list_filter = ("unit__site", "unit")


@admin.register(m.CensusEstimate)
class CensusEstimateAdmin(AuditedAdmin):
    list_display = ("unit", "date", "shift_type", "patients")
    list_filter = ("unit",)
    date_hierarchy = "date"


@admin.register(m.CoverageRequirement)
class CoverageRequirementAdmin(AuditedAdmin):
    list_display = ("unit", "date", "shift_type", "role", "skill", "certification_type", "minimum", "preferred", "maximum", "priority")
    list_filter = ("unit__site", "unit", "shift_type")
    date_hierarchy = "date"


@admin.register(m.Leave)
class LeaveAdmin(AuditedAdmin):
    list_display = ("staff", "kind", "start_date", "end_date", "status", "decided_by")
    # Decided only through the actions, which take the person off the rosters.
    readonly_fields = ("status", "decided_by", "decided_at")
    list_filter = ("status", "kind", "staff__home_unit")
    raw_id_fields = ("staff",)
    actions = ["approve", "decline"]

    @admin.action(description="Approve selected requests")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        for leave in queryset.filter(status=m.Leave.Status.REQUESTED):
            leave_decide(actor=request.user, leave=leave, approve=True)

    @admin.action(description="Decline selected requests")
    def decline(self, request: HttpRequest, queryset: Any) -> None:
        for leave in queryset.filter(status=m.Leave.Status.REQUESTED):
            leave_decide(actor=request.user, leave=leave, approve=False)


@admin.register(m.Preference)
class PreferenceAdmin(AuditedAdmin):
    list_display = ("staff", "date", "shift_type", "kind", "weight", "status")
    list_filter = ("kind", "status")
    raw_id_fields = ("staff",)


class AssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.Assignment
    extra = 0
    fields = ("staff", "shift_type", "date", "starts_at", "ends_at", "live", "waiver")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Assignments are made through the roster screen or API, where every rule is checked.
        return False


@admin.register(m.Roster)
class RosterAdmin(AuditedAdmin):
    list_display = ("unit", "start_date", "end_date", "version", "status", "published_at")
    list_filter = ("status", "unit__site", "unit")
    readonly_fields = ("status", "published_at", "published_by", "created_by", "based_on")
    inlines = [AssignmentInline]
    actions = ["publish"]

    @admin.action(description="Publish selected drafts")
    def publish(self, request: HttpRequest, queryset: Any) -> None:
        for roster in queryset.filter(status=m.Roster.Status.DRAFT):
            roster_publish(actor=request.user, roster=roster)


@admin.register(m.Assignment)
class AssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("staff", "shift_type", "date", "roster", "live", "waiver")
    list_filter = ("live", "roster__unit")
    date_hierarchy = "date"
    raw_id_fields = ("staff", "roster", "waiver")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        assignment_delete(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            assignment_delete(actor=request.user, assignment=obj)


@admin.register(m.Waiver)
class WaiverAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("staff", "date", "rule", "approved_by", "created_at")
    list_filter = ("rule",)
    raw_id_fields = ("staff",)
    readonly_fields = ("approved_by",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        saved = waiver_record(
            actor=request.user, staff=obj.staff, day=obj.date, rule=obj.rule, reason=obj.reason
        )
        obj.pk = saved.pk


@admin.register(m.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor", "action", "object_type", "object_id", "site", "unit")
    list_filter = ("action", "object_type", "site")
    search_fields = ("object_id", "action", "rationale")
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in m.AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Access)
class AccessAdmin(AuditedAdmin):
    list_display = ("user", "level")
    list_filter = ("level",)
    filter_horizontal = ("units", "sites")
    raw_id_fields = ("user",)
