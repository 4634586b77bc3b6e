"""The administrator's site-to-site table (travel time and cost of a move), in the admin."""

from __future__ import annotations

from django.contrib import admin

from .models.redeploy import SiteLink


@admin.register(SiteLink)
class SiteLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("origin", "destination", "minutes", "cost")
    list_filter = ("origin", "destination")
    list_select_related = ("origin", "destination")
