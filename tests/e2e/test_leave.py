"""Headless Chromium: a nurse files leave, the manager approves it, the nurse sees it."""

from __future__ import annotations

import pytest

from roster.models import Leave
from tests.conftest import login

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_nurse_files_leave_and_the_manager_approves_it(live_server, world, page, browser):
    login(page, live_server, "nurse")
    page.get_by_role("link", name="My requests").first.click()
    form = page.get_by_test_id("leave-form")
    form.get_by_label("First day").fill("2026-12-21")
    form.get_by_label("Last day").fill("2026-12-24")
    form.get_by_label("Reason").fill("Christmas with family")
    form.get_by_role("button", name="Request leave").click()
    page.get_by_text("Leave requested").wait_for()
    assert page.get_by_test_id("leave-row").get_attribute("data-status") == "requested"

    manager = browser.new_context().new_page()
    login(manager, live_server, "manager")
    manager.get_by_role("link", name="Requests").first.click()
    row = manager.get_by_test_id("queue-leave")
    assert "Nia Nurse" in row.inner_text()
    row.get_by_test_id("approve").click()
    manager.get_by_text("Approved: Nia Nurse").wait_for()
    manager.context.close()

    assert Leave.objects.get(staff=world.nurse).status == Leave.Status.APPROVED
    page.reload()
    assert page.get_by_test_id("leave-row").get_attribute("data-status") == "approved"
