"""Small display helpers for the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from roster import selectors
from roster.models import Certification

register = template.Library()


@register.filter
def expiry_state(cert: Certification, today: dt.date | None = None) -> str:
    """``expired``, ``expiring`` (within 30 days), ``valid`` or ``lifelong``."""
    return selectors.expiry_state(cert, today or timezone.localdate())


@register.filter
def days_until(day: dt.date | None, today: dt.date | None = None) -> int | None:
    if day is None:
        return None
    return (day - (today or timezone.localdate())).days


@register.filter
def days_ago(day: dt.date | None, today: dt.date | None = None) -> int | None:
    if day is None:
        return None
    return ((today or timezone.localdate()) - day).days


@register.filter
def minutes_as_hours(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"


@register.filter
def show_value(value: Any) -> str:
    """A before/after value of the audit log, readable."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
