"""Who sees and changes which equipment, both ways."""

from __future__ import annotations

import pytest

from assets import custody
from assets.errors import NotAllowed
from assets.lifecycle import item_transition
from assets.permissions import actionable_items, visible_items
from assets.states import State
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(world):
    t = af.asset_type()
    return {
        "icu": af.item(t, site=world.north, unit=world.icu),
        "ward": af.item(t, site=world.north, unit=world.ward),
        "store": af.item(t, site=world.north, unit=None),
        "ed": af.item(t, site=world.south, unit=world.ed),
    }


def _names(kit, items):
    pks = set(items.values_list("pk", flat=True))
    return {name for name, item in kit.items() if item.pk in pks}


def test_staff_see_their_own_units_equipment_only(world, kit):
    assert _names(kit, visible_items(world.nurse.user)) == {"icu"}
    assert _names(kit, visible_items(world.outsider.user)) == {"ed"}


def test_staff_change_nothing(world, kit):
    assert _names(kit, actionable_items(world.nurse.user)) == set()
    with pytest.raises(NotAllowed):
        item_transition(actor=world.nurse.user, item=kit["icu"], target=State.STANDBY, reason="Tidy.")
    with pytest.raises(NotAllowed):
        custody.item_check_out(actor=world.nurse.user, item=kit["icu"], unit=world.icu)


def test_a_manager_sees_and_acts_on_their_unit_only(world, kit):
    assert _names(kit, visible_items(world.manager)) == {"icu"}
    assert _names(kit, actionable_items(world.manager)) == {"icu"}
    item_transition(actor=world.manager, item=kit["icu"], target=State.STANDBY, reason="Surge plan.")
    with pytest.raises(NotAllowed):
        item_transition(actor=world.manager, item=kit["ward"], target=State.STANDBY, reason="Surge plan.")


def test_a_site_coordinator_acts_on_their_whole_site_store_included(world, kit):
    assert _names(kit, actionable_items(world.coordinator)) == {"icu", "ward", "store"}
    item_transition(actor=world.coordinator, item=kit["store"], target=State.STANDBY, reason="Surge plan.")
    with pytest.raises(NotAllowed):
        item_transition(actor=world.coordinator, item=kit["ed"], target=State.STANDBY, reason="Surge plan.")


def test_regional_coordinators_and_administrators_act_everywhere(world, kit):
    for user in (world.regional, world.admin):
        assert _names(kit, actionable_items(user)) == set(kit)
    item_transition(actor=world.regional, item=kit["ed"], target=State.STANDBY, reason="Surge plan.")


def test_nobody_logged_out_sees_anything(kit):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_items(AnonymousUser()).exists()
