"""The append-only audit log: one row per change, written in the change's transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict

from .access import place_of
from .models import AuditEvent


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON-safe picture of a row's own fields (many-to-many as sorted primary keys)."""
    data = model_to_dict(obj)
    for key, value in list(data.items()):
        if isinstance(value, list | tuple) and value and isinstance(value[0], models.Model):
            data[key] = sorted(v.pk for v in value)
    data["id"] = obj.pk
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    rationale: str = "",
) -> AuditEvent:
    site, unit = place_of(obj)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        site=site,
        unit=unit,
        before=before,
        after=after,
        rationale=rationale,
    )
