"""Headless Chromium: filtering the staff list swaps only the table, through htmx."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import login
from tests.e2e.test_navigation import screenshot

pytestmark = pytest.mark.e2e


def rows(page) -> list[str]:
    return [t.strip() for t in page.locator("#staff-table tbody td[data-label=Name] a").all_inner_texts()]


def test_filtering_staff_by_unit_swaps_the_table_without_reloading(live_server, transactional_db, world, page):
    f.StaffFactory(home_unit=world.ward, first_name="Wes", last_name="Ward")
    login(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/staff/")
    assert set(rows(page)) == {"Nia Nurse", "Cal Colleague", "Wes Ward"}
    # A marker on the window survives an htmx swap but not a full page load.
    page.evaluate("window.__notReloaded = true")

    with page.expect_response(lambda r: "/staff/?" in r.url) as info:
        page.select_option("#id_unit", value=str(world.ward.pk))
    response = info.value
    assert response.request.headers.get("hx-request") == "true"
    page.wait_for_function("document.querySelectorAll('#staff-table tbody tr').length === 1")
    assert rows(page) == ["Wes Ward"]
    assert page.get_by_test_id("staff-count").inner_text() == "1 person"
    assert page.evaluate("window.__notReloaded") is True
    assert f"unit={world.ward.pk}" in page.url  # the filtered list has its own address
    screenshot(page, "desktop-staff-filtered")

    # Typing a name narrows it further, still without a reload.
    page.select_option("#id_unit", value="")
    page.wait_for_function("document.querySelectorAll('#staff-table tbody tr').length === 3")
    page.fill("#id_q", "cal")
    page.wait_for_function("document.querySelectorAll('#staff-table tbody tr').length === 1")
    assert rows(page) == ["Cal Colleague"]
    assert page.evaluate("window.__notReloaded") is True

    # Back restores the previous list: the server sends the whole page (htmx keeps no
    # copies of pages in localStorage, where private details could linger).
    with page.expect_response(lambda r: "/staff/" in r.url) as info:
        page.go_back()
    assert info.value.request.headers.get("hx-history-restore-request") == "true"
    page.wait_for_function("document.querySelectorAll('#staff-table tbody tr').length === 3")
    assert page.locator("#site-nav").count() == 1 and page.locator("#staff-table").count() == 1

    # The address of a filtered list works on its own, as a full page.
    page.goto(f"{live_server.url}/staff/?unit={world.icu.pk}")
    assert set(rows(page)) == {"Nia Nurse", "Cal Colleague"}
    assert page.evaluate("window.__notReloaded") is None


def test_without_javascript_the_filter_form_and_the_menu_still_work(live_server, transactional_db, world, browser):
    f.StaffFactory(home_unit=world.ward, first_name="Wes", last_name="Ward")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        login(page, live_server, "coordinator")
        # No script to fold it: the navigation is simply shown.
        assert page.locator("#site-nav").get_by_role("link", name="Staff").is_visible()
        assert not page.get_by_role("button", name="Menu").is_visible()
        page.goto(f"{live_server.url}/staff/")
        page.select_option("#id_unit", value=str(world.ward.pk))
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(f"**/staff/?*unit={world.ward.pk}*")
        assert rows(page) == ["Wes Ward"]
    finally:
        context.close()
