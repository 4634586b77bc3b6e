"""Equipment rows for tests: types and items placed straight in a state (the way a
demo loader would), so each test starts where it needs to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from assets.models import AssetType, ConditionLimit, Item
from assets.states import INITIAL, TRANSITIONS, State


def asset_type(code: str = "pump", **kw: Any) -> AssetType:
    defaults: dict[str, Any] = {"name": "Infusion pump", "category": AssetType.Category.INFUSION_PUMP,
                                "service_interval_days": 365, "service_interval_hours": 1000}
    defaults.update(kw)
    t, _ = AssetType.objects.get_or_create(code=code, defaults=defaults)
    return t


def limit(t: AssetType, measure: str = "battery", minimum: Any = 20, maximum: Any = 100) -> ConditionLimit:
    return ConditionLimit.objects.create(
        asset_type=t, measure=measure, unit_label="%",
        minimum=None if minimum is None else Decimal(str(minimum)),
        maximum=None if maximum is None else Decimal(str(maximum)),
    )


def predecessor(state: str) -> str:
    if state in INITIAL:
        return ""
    return next(source for source, targets in TRANSITIONS.items() if state in targets)


_serials = iter(range(1, 10**6))


def item(t: AssetType, *, site: Any, unit: Any = None, state: str = State.READY, **kw: Any) -> Item:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "asset_type": t, "serial": f"SN-{next(_serials):05d}", "site": site, "unit": unit, "state": state,
        "previous_state": predecessor(state), "state_changed_at": timezone.now(),
        "last_service_on": today - dt.timedelta(days=10), "commissioned_on": today - dt.timedelta(days=400),
    }
    fields.update(kw)
    return Item.objects.create(**fields)
