"""Headless Chromium: a nurse claims an open shift; a colleague then sees it taken."""

from __future__ import annotations

import pytest

from roster.models import Assignment
from tests.conftest import login
from tests.roster.test_marketplace import post, published

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_nurse_claims_an_open_shift(live_server, world, page, browser):
    shift = post(world, published(world))
    login(page, live_server, "nurse")
    page.get_by_role("link", name="Open shifts").first.click()
    row = page.get_by_test_id("open-shift")
    assert row.count() == 1
    row.get_by_test_id("claim").click()
    page.get_by_text("is yours").wait_for()
    assert row.get_by_text("Yours").is_visible()
    assert Assignment.objects.filter(staff=world.nurse, date=shift.date, live=True).count() == 1

    other = browser.new_context().new_page()
    login(other, live_server, "colleague")
    other.goto(f"{live_server.url}/open-shifts/")
    assert other.get_by_test_id("open-shift").get_by_text("Taken").is_visible()
    assert other.get_by_test_id("claim").count() == 0
    other.context.close()
