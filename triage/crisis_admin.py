"""The administrator's pages for crisis escalation: who holds which position at each site
(and when), each site's playbook per level, and the history (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CrisisPosition, EscalationProposal, LevelChange, PlaybookStep, SituationReport


@admin.register(CrisisPosition)
class CrisisPositionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("position", "site", "user", "starts_at", "ends_at")
    list_filter = ("position", "site")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)


@admin.register(PlaybookStep)
class PlaybookStepAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("site", "level", "order", "title", "owner", "action")
    list_filter = ("site", "level", "action")
    list_editable = ("order", "owner", "action")
    ordering = ("site", "level", "order")


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """The history is written by the escalation module alone."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EscalationProposal)
class EscalationProposalAdmin(_ReadOnly):
    list_display = ("site", "from_level", "to_level", "indicator", "value", "status", "created_at", "decided_by")
    list_filter = ("status", "site")


@admin.register(LevelChange)
class LevelChangeAdmin(_ReadOnly):
    list_display = ("site", "from_level", "to_level", "at", "by")
    list_filter = ("site",)


@admin.register(SituationReport)
class SituationReportAdmin(_ReadOnly):
    list_display = ("site", "version", "issued_at", "issued_by", "level")
    list_filter = ("site",)
