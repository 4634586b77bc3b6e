"""Headless Chromium: a manager records a call-out; the worker offers the place; a
colleague accepts it in one tap on a phone; the manager watches the vacancy's timeline
fill without a reload, and the roster in force shows the colleague."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation.models.backfill import OfferPolicy, Vacancy
from roster.editing import assignment_create
from roster.models import Assignment, CoverageRequirement
from roster.rosters import roster_publish
from tests import factories as f
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.celery]
PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_a_call_out_is_offered_accepted_on_a_phone_and_the_roster_shows_the_colleague(
        live_server, world, page, browser, celery_worker_process):
    OfferPolicy.objects.create(unit=world.icu, kind=OfferPolicy.Kind.BROADCAST, top_n=3)
    day = timezone.localdate() + dt.timedelta(days=1)
    roster = f.RosterFactory(unit=world.icu, start_date=day, end_date=day + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.night, day=day)
    roster = roster_publish(actor=world.admin, roster=roster)
    CoverageRequirement.objects.create(unit=world.icu, date=day, shift_type=world.night, role="RN",
                                       minimum=1, preferred=1, maximum=2)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)

    # The manager records the call-out on the nurse's page.
    login(page, live_server, "manager")
    page.goto(f"{live_server.url}/staff/{world.nurse.pk}/")
    form = page.get_by_test_id("record-leave")
    form.get_by_label("First day").fill(day.isoformat())
    form.get_by_label("Last day").fill(day.isoformat())
    form.get_by_role("button", name="Record and approve").click()
    page.get_by_text("1 posted as open shift where cover fell short").wait_for()
    vacancy = Vacancy.objects.get()
    page.goto(f"{live_server.url}/backfill/{vacancy.pk}/")
    page.get_by_test_id("timeline").get_by_text("Wave 1").wait_for()  # the worker's first wave, polled in
    assert page.get_by_test_id("candidate").first.get_by_text("Straight time").count() == 1

    # The colleague, on a phone, accepts in one tap.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    colleague = phone.new_page()
    colleague.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    login(colleague, live_server, "colleague")
    colleague.goto(f"{live_server.url}/backfill/offers/")
    offer = colleague.get_by_test_id("offer")
    assert offer.count() == 1
    accept = offer.get_by_test_id("accept")
    box = accept.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's tap
    accept.tap()
    colleague.get_by_text("Confirmed: you work N").wait_for()
    assert colleague.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    # The manager's timeline shows it filled without a reload; the roster in force has her.
    page.get_by_test_id("status").get_by_text("Filled").wait_for(timeout=20_000)
    assert Assignment.objects.get(live=True, date=day, shift_type=world.night).staff == world.colleague
    page.goto(f"{live_server.url}/rosters/{roster.pk}/")
    row = page.get_by_test_id("roster-grid").locator("tr", has_text=str(world.colleague))
    assert row.locator(f'td[data-date="{day.isoformat()}"] .shift-code').inner_text() == "N"
    page.goto(f"{live_server.url}/backfill/kpi/")
    page.wait_for_function("document.querySelector('#backfill-chart canvas') !== null")
    assert not [m for m in refused if "Content Security Policy" in m or "Refused" in m], refused
