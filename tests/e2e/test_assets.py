"""Headless Chromium on a phone-sized page: a manager checks out an infusion pump and the
availability count changes."""

from __future__ import annotations

import pytest

from assets.models import Item
from assets.states import State
from tests.assets import factories as af
from tests.conftest import login

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_a_manager_checks_out_a_pump_on_a_phone_and_the_availability_count_changes(live_server, world, browser):
    pumps = af.asset_type()
    pump = af.item(pumps, site=world.north, unit=world.icu, serial="PMP-ICU-01")
    af.item(pumps, site=world.north, unit=world.icu, serial="PMP-ICU-02")

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, "manager")

    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Main").get_by_role("link", name="Equipment").click()
    row = page.get_by_test_id("availability-row").filter(has_text="Infusion pump")
    assert row.get_by_test_id("ready").inner_text() == "2"
    assert row.get_by_test_id("in-use").inner_text() == "0"
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Infusion pump").first.click()
    page.get_by_role("heading", name="PMP-ICU-01").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form = page.get_by_test_id("check-out")
    form.get_by_label("To unit").select_option(label="North ICU (north)")
    form.get_by_role("button", name="Check out").click()
    page.get_by_text("is checked out to North ICU").wait_for()
    assert page.get_by_test_id("item-state").inner_text().strip().startswith("Deployed")

    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Main").get_by_role("link", name="Equipment").click()
    row = page.get_by_test_id("availability-row").filter(has_text="Infusion pump")
    assert row.get_by_test_id("ready").inner_text() == "1"
    assert row.get_by_test_id("in-use").inner_text() == "1"
    assert Item.objects.get(pk=pump.pk).state == State.DEPLOYED
    context.close()
