"""Headless Chromium: a surge replayed at North General raises a proposal to go to level 3
(nothing changes by itself); the operations manager on duty confirms it from a phone,
the playbook opens, and the status board shows level 3 for the site without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation.census import census_events_record
from allocation.staffing import unit_hours_record
from roster.models import Access
from tests import factories as f
from tests.allocation.helpers import ev
from tests.conftest import login
from triage import escalation
from triage.crisis_state import state_of
from triage.models import CrisisPosition, EscalationProposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_replayed_surge_is_proposed_confirmed_by_the_operations_manager_and_shown_on_the_board(
        live_server, world, browser):
    ops = f.UserFactory(username="ops")
    f.grant(ops, Access.Level.SITE_COORDINATOR, sites=[world.north])
    CrisisPosition.objects.create(site=world.north, user=ops, position="operations_manager",
                                  starts_at=timezone.now() - dt.timedelta(hours=8))

    # The board, open on the coordinator's desk, shows North General at level 1.
    desk = browser.new_context(viewport={"width": 1366, "height": 900})
    board = desk.new_page()
    board.set_default_timeout(30_000)
    login(board, live_server, "coordinator")
    board.goto(f"{live_server.url}/operations/")
    card = board.get_by_test_id("site-card").filter(has_text="North General")
    card.get_by_text("Level 1 Normal").wait_for()
    board.evaluate("window.boardOpened = true")  # gone if the page reloads

    # The surge: 39 patients for the site's 40 beds (ICU 12, ward 28) in the last two hours.
    now = timezone.now()
    since = now - dt.timedelta(hours=2)
    census_events_record(actor=world.coordinator, batch=True, events=[
        *[ev(world.icu, "admit", since + dt.timedelta(minutes=i)) for i in range(12)],
        *[ev(world.ward, "admit", since + dt.timedelta(minutes=i)) for i in range(27)],
    ])
    for unit in (world.icu, world.ward):
        unit_hours_record(unit_id=unit.pk, since=since)
    escalation.scan()
    proposal = EscalationProposal.objects.get(site=world.north, status="pending")
    assert (proposal.to_level, proposal.indicator) == (3, "utilization")
    assert state_of(world.north).level == 1  # proposed, not changed

    # The operations manager, told in the inbox, confirms from a phone.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(30_000)
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/crisis/")
    page.get_by_test_id(f"crisis-site-{world.north.pk}").click()
    proposal_box = page.get_by_test_id("proposal")
    assert "Escalate to level 3 Surge?" in proposal_box.inner_text()
    page.get_by_label("Reason (needed to decline)").fill("ED boarding, theatres full")
    page.get_by_role("button", name="Confirm level 3").click()
    page.get_by_test_id("crisis-level").filter(has_text="Level 3 Surge").wait_for()
    page.get_by_test_id("playbook").get_by_text("Request mutual aid").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The board shows level 3 without a reload.
    card.get_by_text("Level 3 Surge").wait_for(timeout=60_000)
    assert board.evaluate("window.boardOpened") is True
    desk.close()
    phone.close()
