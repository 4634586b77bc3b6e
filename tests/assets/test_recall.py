"""A recall campaign pulls every item of a model at once."""

from __future__ import annotations

import pytest

from assets import maintenance
from assets.errors import NotAllowed, Unsafe
from assets.lifecycle import item_transition
from assets.models import RecallCampaign
from assets.states import State
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


def test_a_recall_pulls_every_item_of_the_model_wherever_it_is(world):
    recalled, other = af.asset_type("pump-x"), af.asset_type("monitor", name="Monitor")
    at_bedside = af.item(recalled, site=world.north, unit=world.icu, state=State.DEPLOYED)
    on_shelf = af.item(recalled, site=world.south, unit=world.ed)
    in_repair = af.item(recalled, site=world.north, unit=None, state=State.REPAIR)
    condemned = af.item(recalled, site=world.north, unit=world.ward, state=State.CONDEMNED)
    bystander = af.item(other, site=world.north, unit=world.icu)

    campaign = maintenance.recall_open(actor=world.regional, asset_type=recalled, reference="FSN-2026-01",
                                       reason="Free-flow risk.")

    for pulled in (at_bedside, on_shelf, in_repair):
        pulled.refresh_from_db()
        assert pulled.recall == campaign
        assert pulled.group == "unavailable"
        assert pulled.work_orders.get(kind="recall").recall == campaign
    at_bedside.refresh_from_db()
    assert at_bedside.state == State.INSPECTION
    for untouched in (condemned, bystander):
        untouched.refresh_from_db()
        assert untouched.recall is None and not untouched.work_orders.exists()
    assert campaign.work_orders.count() == 3


def test_a_recalled_item_returns_only_when_its_recall_work_passes(world):
    t = af.asset_type()
    pump = af.item(t, site=world.north, unit=world.icu)
    maintenance.recall_open(actor=world.admin, asset_type=t, reference="R-2", reason="Valve.")
    pump.refresh_from_db()
    with pytest.raises(Unsafe, match="recalled"):
        item_transition(actor=world.manager, item=pump, target=State.READY, reason="Seems fine.")
    order = pump.work_orders.get(kind="recall")
    maintenance.work_order_complete(actor=world.manager, work_order=order, outcome="passed",
                                    record="Valve replaced per notice.")
    pump.refresh_from_db()
    assert pump.state == State.READY and pump.recall is None


@pytest.mark.parametrize("who", ["coordinator", "manager"])
def test_only_regional_coordinators_and_administrators_open_a_recall(world, who):
    t = af.asset_type()
    af.item(t, site=world.north, unit=world.icu)
    with pytest.raises(NotAllowed):
        maintenance.recall_open(actor=getattr(world, who), asset_type=t, reference="R-3", reason="Valve.")
    assert not RecallCampaign.objects.exists()
