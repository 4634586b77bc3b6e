"""Demo equipment: a few hundred items with history, some due or overdue, one condemned."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from assets.demo import build_assets_demo
from assets.models import Item, StateChange, WorkOrder
from assets.states import State
from roster.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_network_gets_a_few_hundred_items_with_history_once(tmp_path):
    call_command("seed_demo", stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    items = Item.objects.count()
    assert 250 <= items <= 500
    assert Item.objects.values("site").distinct().count() == 3
    assert Item.objects.filter(state=State.CONDEMNED).count() == 1
    assert Item.objects.filter(state=State.DEPLOYED).count() > 20
    assert WorkOrder.objects.filter(status="open", kind="time").count() >= 3  # overdue, off the shelf
    assert WorkOrder.objects.filter(kind="repair", status="done").count() > 20  # MTBF and MTTR have data
    assert StateChange.objects.count() > 2 * items
    assert Item.objects.filter(unit__code="icu", unit__site__code="riverside", asset_type__code="pump-volumetric",
                               state=State.READY).exists()
    changes, events = StateChange.objects.count(), AuditEvent.objects.count()

    assert build_assets_demo() == 0
    assert (Item.objects.count(), StateChange.objects.count(), AuditEvent.objects.count()) == (items, changes, events)
