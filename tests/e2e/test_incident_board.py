"""Headless Chromium on a phone-sized page: two victims are triaged with the large
answer buttons, and the incident board recommends an ambulance and a hospital for each
(re-allocated by the Celery worker, shown by the board's polling)."""

from __future__ import annotations

import pytest

from tests.conftest import login
from triage import incident as ops
from triage.models import Allocation, Victim

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _answer(page, question: str, answer: str) -> None:
    step = page.get_by_test_id("triage-step")
    step.get_by_test_id("question").filter(has_text=question).wait_for()
    step.get_by_role("button", name=answer, exact=True).click()


def test_two_victims_are_triaged_on_a_phone_and_the_board_recommends_their_ambulances_and_hospitals(
        live_server, world, browser, celery_worker_process):
    incident = ops.incident_create(actor=world.coordinator, site=world.north, kind="traffic",
                                   description="Bus and lorry", buffer_minutes=10)
    ops.ambulance_add(actor=world.coordinator, incident=incident, call_sign="A1", crew=1)
    ops.ambulance_add(actor=world.coordinator, incident=incident, call_sign="A2", crew=2)
    ops.hospital_add(actor=world.coordinator, incident=incident, name="North General", site=world.north,
                     resources=3, capacity=5, distance=1)
    ops.hospital_add(actor=world.coordinator, incident=incident, name="Hill Cottage", resources=1, capacity=5,
                     distance=3)

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, live_server, "coordinator")
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Main").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Road traffic collision · North General").click()
    page.get_by_role("link", name="Register a victim").click()

    # A critical adult: not walking, breathing more than 30 times a minute.
    page.get_by_label("Tag number").fill("101")
    _answer(page, "Can they walk?", "No")
    _answer(page, "Are they breathing?", "Yes")
    _answer(page, "Breaths per minute?", "More than 30")
    result = page.get_by_test_id("result")
    result.wait_for()
    assert "P1" in result.inner_text() and "Red" in result.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A delayed adult: breathing normally, pulse, refill quick, obeys commands.
    page.get_by_role("link", name="Next victim").click()
    page.get_by_label("Tag number").fill("102")
    _answer(page, "Can they walk?", "No")
    _answer(page, "Are they breathing?", "Yes")
    _answer(page, "Breaths per minute?", "30 or fewer")
    _answer(page, "Radial pulse present?", "Yes")
    _answer(page, "Capillary refill?", "2 seconds or less")
    _answer(page, "Follows simple commands?", "Yes")
    result = page.get_by_test_id("result")
    result.wait_for()
    assert "P3" in result.inner_text() and "Yellow" in result.inner_text()

    page.get_by_role("link", name="Incident board").click()
    for tag in ("101", "102"):
        victim = page.locator(f'[data-testid="victim"][data-tag="{tag}"]')
        victim.get_by_test_id("recommendation").wait_for(timeout=30_000)
    first = page.locator('[data-testid="victim"][data-tag="101"]')
    assert "North General" in first.get_by_test_id("recommendation").inner_text()
    assert "locks in" in first.get_by_test_id("lock").inner_text()
    # P1 is listed before P3.
    tags = page.get_by_test_id("victim").evaluate_all("els => els.map(e => e.dataset.tag)")
    assert tags == ["101", "102"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    rows = Allocation.objects.filter(current=True).select_related("victim", "ambulance", "hospital")
    assert {r.victim.tag for r in rows} == {"101", "102"}
    assert len({r.ambulance_id for r in rows}) == 2
    assert Victim.objects.get(tag="101").triages.count() == 1
    context.close()
