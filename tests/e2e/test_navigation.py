"""Headless Chromium: each role logs in and sees its own navigation; on a phone the
navigation folds behind a Menu button that opens it.

Set HEADROOM_SCREENSHOTS to a folder to keep screenshots of what the browser saw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import login

pytestmark = pytest.mark.e2e

EVERYONE = ["Home", "Units", "Staff", "My shifts", "My requests", "Rosters", "Swaps", "Open shifts", "My offers", "Equipment",
            "API"]
MANAGERS = ["Home", "Units", "Staff", "Rosters", "Swaps", "Open shifts", "Backfill", "Equipment", "Operations", "Crisis",
            "Requests", "Certifications", "Audit log", "API"]
COORDINATORS = ["Home", "Units", "Staff", "Rosters", "Swaps", "Open shifts", "Backfill", "Equipment", "Operations", "Incidents",
                "Redeployment", "Crisis", "Requests", "Certifications", "Audit log", "API"]


def screenshot(page, name: str) -> None:
    folder = os.environ.get("HEADROOM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def nav_labels(page) -> list[str]:
    return [text.strip() for text in page.locator("#site-nav ul a").all_inner_texts()]


@pytest.mark.parametrize(
    "username,role,expected",
    [
        ("nurse", "Staff", EVERYONE),
        ("manager", "Unit manager", MANAGERS),
        ("coordinator", "Site coordinator", COORDINATORS),
        ("regional", "Regional coordinator", COORDINATORS),
        ("admin", "Administrator", [*COORDINATORS, "Admin"]),
    ],
)
def test_each_role_logs_in_and_sees_its_navigation(live_server, transactional_db, world, page, username, role, expected):
    login(page, live_server, username)
    assert nav_labels(page) == expected
    assert page.get_by_test_id("role").inner_text() == role
    if username == "nurse":
        assert page.locator("#site-nav").get_by_role("link", name="Audit log").count() == 0
        assert page.locator("#site-nav").get_by_role("link", name="Admin").count() == 0
    screenshot(page, f"desktop-home-{username}")


def test_staff_following_a_link_to_the_audit_log_are_refused(live_server, transactional_db, world, page):
    login(page, live_server, "nurse")
    response = page.goto(f"{live_server.url}/audit/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()


def test_logging_out_returns_to_the_login_page(live_server, transactional_db, world, page):
    login(page, live_server, "manager")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/staff/")
    assert page.url.startswith(f"{live_server.url}/login/")


def test_on_a_phone_the_navigation_is_collapsed_until_the_menu_is_opened(live_server, transactional_db, world, page):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "manager")
    toggle = page.get_by_role("button", name="Menu")
    nav_link = page.locator("#site-nav").get_by_role("link", name="Certifications")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()
    screenshot(page, "phone-home-menu-closed")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav_link.is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    screenshot(page, "phone-home-menu-open")

    nav_link.click()
    page.wait_for_url(f"{live_server.url}/certifications/")
    assert page.get_by_role("heading", name="Certifications").is_visible()
    assert not page.locator("#site-nav").get_by_role("link", name="Home").is_visible()  # folded again
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_on_a_desktop_the_navigation_is_always_open(live_server, transactional_db, world, page):
    login(page, live_server, "manager")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.locator("#site-nav").get_by_role("link", name="Audit log").is_visible()
