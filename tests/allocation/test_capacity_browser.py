"""The capacity assessment in Chromium: on a phone the page fits its width (the tables
scroll inside their boxes), nothing is refused by the Content Security Policy, and the
printed form drops the navigation and the controls."""

from __future__ import annotations

import pytest

from roster.models import RatioRule, Staff
from tests.conftest import login

from .helpers import admit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_coordinator_reads_and_prints_the_assessment_on_a_phone(live_server, world, browser):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    admit(world.icu, 3)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded machine serves slowly
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    login(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/operations/capacity/")
    page.get_by_role("link", name="North General").click()
    page.get_by_test_id("current-state").wait_for()
    assert page.get_by_test_id("block").count() == 4
    assert page.get_by_test_id("recommendation").count() >= 1
    assert "Owner:" in page.get_by_test_id("recommendation").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.get_by_test_id("capacity-csv").is_visible()
    assert page.get_by_test_id("gaps").is_visible()
    assert problems == []
    context.close()
