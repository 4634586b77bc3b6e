"""Headless Chromium, a nurse's week on a phone: told of a new roster version, an offer
made to her with its note, a preference withdrawn, leave cancelled with an answer, the
calendar address copied."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roster import swaps
from roster.editing import assignment_create, assignment_delete
from roster.models import Assignment
from roster.requests import leave_request, preference_create
from roster.rosters import roster_create, roster_publish
from tests.conftest import login
from tests.roster.test_swaps import week

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_a_new_version_reaches_the_nurses_inbox_saying_what_changed(live_server, world, phone):
    published, given, _ = week(world)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=published.start_date,
                          end_date=published.end_date)
    assignment_delete(actor=world.manager, assignment=Assignment.objects.get(roster=draft, staff=world.nurse))
    assignment_create(actor=world.manager, roster=draft, staff=world.nurse, shift_type=world.night, day=given.date)
    roster_publish(actor=world.manager, roster=draft)
    login(phone, live_server, "nurse")
    phone.goto(f"{live_server.url}/inbox/")
    message = phone.get_by_text(f"{given.date:%a %d %b} moved from D to N")
    message.wait_for()
    assert message.is_visible()


def test_a_nurse_sees_an_offer_to_her_with_its_note_and_manages_her_requests(live_server, world, phone):
    _, given, _ = week(world)
    swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague,
                     note="Childcare fell through")
    login(phone, live_server, "colleague")
    phone.goto(f"{live_server.url}/swaps/")
    offers = phone.get_by_test_id("offered-to-me")
    offers.get_by_text("“Childcare fell through”").wait_for()
    assert offers.get_by_test_id("swap-accept").is_visible()

    day = timezone.localdate() + dt.timedelta(days=5)
    preference_create(actor=world.colleague.user, staff=world.colleague, day=day, kind="off")
    leave_request(actor=world.colleague.user, staff=world.colleague, kind="annual", start_date=day, end_date=day)
    phone.goto(f"{live_server.url}/me/requests/")
    phone.get_by_test_id("preference-row").get_by_role("button", name="Withdraw").click()
    phone.get_by_text(f"Your preference for {day:%a %d %b} is withdrawn.").wait_for()
    assert phone.get_by_test_id("preference-row").count() == 0
    phone.get_by_test_id("leave-row").get_by_role("button", name="Cancel").click()
    phone.get_by_text("is cancelled; your manager is told.").wait_for()

    phone.goto(f"{live_server.url}/me/shifts/")
    phone.get_by_test_id("feed-copy").click()
    status = phone.locator("[data-copy-status]")
    status.wait_for()
    phone.wait_for_function("document.querySelector('[data-copy-status]').textContent.length > 0")
    assert status.inner_text() in ("Copied.", "Press Ctrl+C (or long-press) to copy.")
    assert phone.get_by_test_id("feed-webcal").get_attribute("href").startswith("webcal://")
