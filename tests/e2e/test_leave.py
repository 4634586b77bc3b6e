"""Headless Chromium: a nurse files leave, the manager approves it, the nurse sees it."""

from __future__ import annotations

import pytest

from roster.editing import assignment_create
from roster.models import Leave
from roster.rosters import roster_publish
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


@pytest.mark.django_db(transaction=True)
def test_approving_leave_over_a_rostered_shift_takes_it_off_the_nurses_shifts(live_server, world, page, browser):
    import datetime as dt

    from django.utils import timezone

    from tests import factories as f

    start = timezone.localdate() + dt.timedelta(days=14)
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    day = start + dt.timedelta(days=2)
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.night, day=day)
    roster_publish(actor=world.admin, roster=roster)

    login(page, live_server, "nurse")
    page.get_by_role("link", name="My shifts").first.click()
    assert page.locator(f"[data-testid=my-shift][data-date='{day.isoformat()}']").count() == 1
    page.get_by_role("link", name="My requests").first.click()
    form = page.get_by_test_id("leave-form")
    form.get_by_label("First day").fill(day.isoformat())
    form.get_by_label("Last day").fill(day.isoformat())
    form.get_by_role("button", name="Request leave").click()
    page.get_by_text("Leave requested").wait_for()

    manager = browser.new_context().new_page()
    login(manager, live_server, "manager")
    manager.get_by_role("link", name="Requests").first.click()
    row = manager.get_by_test_id("queue-leave")
    assert "Rostered then:" in row.get_by_test_id("leave-clashes").inner_text()
    row.get_by_test_id("approve").click()
    manager.get_by_text("Approved: Nia Nurse. 1 shift taken off the roster in force.").wait_for()
    manager.context.close()

    page.get_by_role("link", name="My shifts").first.click()
    assert page.locator(f"[data-testid=my-shift][data-date='{day.isoformat()}']").count() == 0
