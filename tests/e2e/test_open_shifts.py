"""Headless Chromium: a nurse claims an open shift; a colleague then sees it taken."""

from __future__ import annotations

import pytest

from roster.editing import assignment_create
from roster.models import Assignment
from roster.rosters import roster_publish
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


@pytest.mark.django_db(transaction=True)
def test_a_call_out_is_recorded_offered_and_backfilled(live_server, world, page, browser):
    """The manager records a nurse's call-out on her page; her shift comes off, the place
    is offered, a colleague claims it, and the roster in force has the colleague."""
    import datetime as dt

    from django.utils import timezone

    from roster.models import CoverageRequirement, OpenShift
    from tests import factories as f

    day = timezone.localdate() + dt.timedelta(days=1)
    roster = f.RosterFactory(unit=world.icu, start_date=day, end_date=day + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.night, day=day)
    roster_publish(actor=world.admin, roster=roster)
    CoverageRequirement.objects.create(unit=world.icu, date=day, shift_type=world.night, role="RN",
                                       minimum=1, preferred=1, maximum=2)

    login(page, live_server, "manager")
    page.goto(f"{live_server.url}/staff/{world.nurse.pk}/")
    form = page.get_by_test_id("record-leave")
    form.get_by_label("First day").fill(day.isoformat())
    form.get_by_label("Last day").fill(day.isoformat())
    form.get_by_role("button", name="Record and approve").click()
    page.get_by_text("1 posted as open shift where cover fell short").wait_for()
    assert page.get_by_test_id("upcoming-shifts").get_by_text("Night (N)").count() == 0

    colleague = browser.new_context().new_page()
    login(colleague, live_server, "colleague")
    colleague.get_by_role("link", name="Open shifts").first.click()
    colleague.get_by_test_id("open-shift").get_by_test_id("claim").click()
    colleague.get_by_text("is yours").wait_for()
    colleague.context.close()

    assert OpenShift.objects.get().claimed_by == world.colleague
    assert Assignment.objects.get(live=True, date=day, shift_type=world.night).staff == world.colleague
