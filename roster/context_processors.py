"""Role-aware navigation for the base layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .access import Level, level_of, staff_of
from .notifications import unread_count

# (label, url name, levels that see it)
_ALL = {level.value for level in Level}
_MANAGERS = _ALL - {Level.STAFF.value}
_COORDINATORS = {Level.SITE_COORDINATOR.value, Level.REGIONAL_COORDINATOR.value, Level.ADMINISTRATOR.value}
NAVIGATION: list[tuple[str, str, set[str]]] = [
    ("Home", "home", _ALL),
    ("Units", "unit-list", _ALL),
    ("Staff", "staff-list", _ALL),
    ("My shifts", "my-shifts", {Level.STAFF.value}),
    ("My requests", "my-requests", {Level.STAFF.value}),
    ("Rosters", "roster-index", _ALL),
    ("Swaps", "swaps", _ALL),
    ("Open shifts", "open-shift-list", _ALL),
    ("My offers", "backfill-my-offers", {Level.STAFF.value}),
    ("Backfill", "backfill-list", _MANAGERS),
    ("Equipment", "assets:item-list", _ALL),
    ("Operations", "allocation:board", _MANAGERS),
    ("Incidents", "triage:incident-list", _COORDINATORS),
    ("Redeployment", "redeployment", _COORDINATORS),
    ("Crisis", "crisis:overview", _MANAGERS),
    ("Requests", "request-queue", _MANAGERS),
    ("Certifications", "certification-list", _MANAGERS),
    ("Audit log", "audit-list", _MANAGERS),
    ("API", "api-docs", _ALL),
    ("Admin", "admin:index", {Level.ADMINISTRATOR.value}),
]


# Entries an app above roster adds for a user (an open incident they are assigned to),
# registered from its AppConfig.ready(): roster imports none of those apps. A source
# returns (label, url) pairs and costs at most one query.
NavSource = Callable[[Any], list[tuple[str, str]]]
NAV_SOURCES: list[NavSource] = []


def register_nav_source(source: NavSource) -> None:
    if source not in NAV_SOURCES:
        NAV_SOURCES.append(source)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def _is_active(path: str, url: str) -> bool:
    # "/" is only active on itself; any other section also owns the pages below it.
    return path == url if url == "/" else path.startswith(url)


def navigation(request: HttpRequest) -> dict[str, Any]:
    level = level_of(request.user)
    if level is None:
        return {"nav_items": [], "access_level": None}
    items = []
    for label, name, levels in NAVIGATION:
        if level not in levels:
            continue
        if name.startswith("admin:") and not getattr(request.user, "is_staff", False):
            continue  # the Django admin only lets in staff accounts
        try:
            url = reverse(name)
        except NoReverseMatch:  # a section whose app is not installed in this deployment
            continue
        items.append(NavItem(label, url, _is_active(request.path, url)))
    for source in NAV_SOURCES:
        items += [NavItem(label, url, _is_active(request.path, url)) for label, url in source(request.user)]
    me = staff_of(request.user)
    return {
        "nav_items": items,
        "access_level": level,
        "access_label": Level(level).label,
        "display_name": me.full_name if me else request.user.get_username(),
        "inbox_unread": unread_count(request.user),
    }
