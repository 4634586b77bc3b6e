"""The Django admin: reference data editable; items and their history read-only here
(every state change goes through ``assets.lifecycle.item_transition``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from roster.audit import audit_record, snapshot

from .models import (
    AssetType,
    ConditionLimit,
    Item,
    LocationRecord,
    Reading,
    RecallCampaign,
    StateChange,
    WorkOrder,
)


class ConditionLimitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ConditionLimit
    extra = 0


@admin.register(AssetType)
class AssetTypeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "category", "manufacturer", "model_number", "certification_type",
                    "service_interval_days", "service_interval_hours", "movable"]
    list_filter = ["category", "movable"]
    search_fields = ["name", "code", "manufacturer", "model_number"]
    inlines = [ConditionLimitInline]

    # Reference data changes are audited like every other change.
    def save_model(self, request: HttpRequest, obj: AssetType, form: Any, change: bool) -> None:
        before = snapshot(AssetType.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="asset.type.update" if change else "asset.type.create", obj=obj,
                     before=before, after=snapshot(obj), rationale="Changed in the admin.")

    def delete_model(self, request: HttpRequest, obj: AssetType) -> None:
        audit_record(actor=request.user, action="asset.type.delete", obj=obj, before=snapshot(obj),
                     rationale="Deleted in the admin.")
        super().delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """History and items change through the write functions (pages, API), never here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StateChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StateChange
    extra = 0
    can_delete = False
    readonly_fields = ["at", "source", "target", "actor", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["serial", "asset_type", "site", "unit", "state", "condition", "usage_hours",
                    "last_service_on", "last_seen_at"]
    list_filter = ["state", "asset_type", "site", "condition"]
    search_fields = ["serial"]
    list_select_related = ["asset_type", "site", "unit"]
    inlines = [StateChangeInline]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["item", "kind", "status", "opened_at", "due_at", "completed_at", "outcome"]
    list_filter = ["kind", "status", "outcome"]
    list_select_related = ["item__asset_type"]


@admin.register(RecallCampaign)
class RecallCampaignAdmin(ReadOnlyAdmin):
    list_display = ["reference", "asset_type", "opened_at", "opened_by"]


@admin.register(LocationRecord)
class LocationRecordAdmin(ReadOnlyAdmin):
    list_display = ["item", "event", "at", "site", "unit", "operator", "actor"]
    list_filter = ["event"]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["item", "measure", "value", "in_range", "at"]
    list_filter = ["in_range", "measure"]
