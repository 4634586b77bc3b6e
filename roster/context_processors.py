"""Role-aware navigation for the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import Level, level_of

# (label, url name, levels that see it)
_ALL = {level.value for level in Level}
_MANAGERS = _ALL - {Level.STAFF.value}
NAVIGATION: list[tuple[str, str, set[str]]] = [
    ("Home", "home", _ALL),
    ("Units", "unit-list", _ALL),
    ("Staff", "staff-list", _ALL),
    ("Certifications", "certification-list", _MANAGERS),
    ("Audit log", "audit-list", _MANAGERS),
    ("API", "api-docs", _ALL),
    ("Admin", "admin:index", {Level.ADMINISTRATOR.value}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    level = level_of(request.user)
    if level is None:
        return {"nav_items": [], "access_level": None}
    items = [(label, name) for label, name, levels in NAVIGATION if level in levels]
    return {"nav_items": items, "access_level": level, "access_label": Level(level).label}
