"""Headless Chromium: a nurse offers a swap, the colleague accepts, the manager approves,
and both people's shifts change."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.roster.test_swaps import week

pytestmark = pytest.mark.e2e


def my_shift_dates(page, live_server) -> set[str]:
    page.goto(f"{live_server.url}/me/shifts/")
    rows = page.get_by_test_id("upcoming").get_by_test_id("my-shift")
    return {rows.nth(i).get_attribute("data-date") for i in range(rows.count())}


@pytest.mark.django_db(transaction=True)
def test_offer_accept_approve_and_both_calendars_change(live_server, world, page, browser):
    _, given, theirs = week(world)
    day = given.date.isoformat()
    login(page, live_server, "nurse")
    assert day in my_shift_dates(page, live_server)
    page.get_by_role("link", name="Swaps").first.click()
    form = page.get_by_test_id("swap-offer-form")
    form.get_by_label("Colleague", exact=True).select_option(label="Cal Colleague")
    form.get_by_role("button", name="Check and offer").click()
    page.get_by_text("Offered.").wait_for()

    colleague = browser.new_context().new_page()
    login(colleague, live_server, "colleague")
    assert day not in my_shift_dates(colleague, live_server)
    colleague.goto(f"{live_server.url}/swaps/")
    colleague.get_by_test_id("swap-accept").click()
    colleague.get_by_text("Accepted: a manager will decide.").wait_for()

    manager = browser.new_context().new_page()
    login(manager, live_server, "manager")
    manager.goto(f"{live_server.url}/swaps/")
    manager.get_by_test_id("swap-approve").click()
    manager.get_by_text("Approved: the shifts have changed hands.").wait_for()
    manager.context.close()

    assert day not in my_shift_dates(page, live_server)
    assert day in my_shift_dates(colleague, live_server)
    assert theirs.date.isoformat() in my_shift_dates(colleague, live_server)
    colleague.context.close()
