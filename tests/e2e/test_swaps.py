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


@pytest.mark.django_db(transaction=True)
def test_a_trade_lists_only_shifts_she_could_take_and_searches_them_on_a_phone(live_server, world, browser):
    from tests.roster.test_swap_trades import trading_week

    given, shifts = trading_week(world)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    errors: list[str] = []
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    login(phone, live_server, "nurse")
    phone.goto(f"{live_server.url}/swaps/")
    form = phone.get_by_test_id("swap-offer-form")
    form.get_by_label("My shift").select_option(str(given.pk))
    count = form.get_by_test_id("trade-count")
    count.filter(has_text=f"for your D on {given.date:%a} {given.date.day}").wait_for()
    options = form.get_by_test_id("trade-select").locator("option")
    listed = {options.nth(i).get_attribute("value") for i in range(options.count())}
    assert listed == {str(shifts["fri"].pk), str(shifts["sat"].pk)}  # not the Tuesday, not the doctor's

    form.get_by_test_id("trade-search").fill("night")
    count.filter(has_text="1 shift you could take").wait_for()
    assert options.count() == 1 and options.first.get_attribute("value") == str(shifts["sat"].pk)
    form.get_by_test_id("mode-trade").check()
    form.get_by_role("button", name="Check and offer").click()
    phone.get_by_text("Offered.").wait_for()
    row = phone.get_by_test_id("my-swaps").get_by_test_id("swap-row").first
    assert f"N {shifts['sat'].date:%a} {shifts['sat'].date.day}" in row.inner_text()
    assert not errors, errors
    context.close()
