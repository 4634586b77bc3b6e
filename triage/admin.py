"""The Django admin: incidents and everything under them, read-only. Every change to an
incident goes through ``triage.incident`` and ``triage.allocation`` (checked, audited,
and re-allocated after commit), never through a form that writes the row directly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Allocation,
    Ambulance,
    Decision,
    Incident,
    ReceivingHospital,
    TriageRecord,
    Victim,
)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VictimInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Victim
    fields = ("tag", "age_band", "colour", "priority", "reason", "status", "registered_at")
    extra = 0
    show_change_link = True


class AmbulanceInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Ambulance
    fields = ("call_sign", "crew", "status")
    extra = 0


class HospitalInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = ReceivingHospital
    fields = ("name", "site", "resources", "capacity", "distance")
    extra = 0


class TriageRecordInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = TriageRecord
    fields = ("at", "by", "algorithm", "colour", "priority", "reason", "answers")
    extra = 0


@admin.register(Incident)
class IncidentAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "site", "kind", "status", "commander", "started_at", "crisis_standards")
    list_filter = ("status", "kind", "site")
    date_hierarchy = "started_at"
    inlines = (VictimInline, AmbulanceInline, HospitalInline)
    list_select_related = ("site", "commander")


@admin.register(Victim)
class VictimAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("tag", "incident", "colour", "priority", "status", "registered_at")
    list_filter = ("colour", "priority", "status")
    search_fields = ("tag",)
    inlines = (TriageRecordInline,)
    list_select_related = ("incident__site",)


@admin.register(Allocation)
class AllocationAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("victim", "ambulance", "hospital", "source", "locked", "current", "proposed_at", "locks_at")
    list_filter = ("locked", "current", "source")
    list_select_related = ("victim", "ambulance", "hospital")


@admin.register(Decision)
class DecisionAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("incident", "chosen", "objective", "proposed_value", "recommended_value", "by", "at")
    list_filter = ("chosen", "objective")
    list_select_related = ("incident__site", "by")
