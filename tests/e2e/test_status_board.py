"""Headless Chromium: the operations board stays live. Census events replayed through the
census module move the North ICU into "stressed", the recompute task (a real worker)
writes the hour, and the board shows the alert without a reload; the site page's chart
and heat map render with nothing refused by the Content-Security-Policy; nothing spills
sideways on a phone or at 1366 px. And a manager checks out a pump on a phone while the
board, open in another tab, counts one fewer ready."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation.census import census_events_record
from allocation.staffing import unit_hours_record
from assets.models import Item
from assets.states import State
from tests.allocation.helpers import admit, ev
from tests.assets import factories as af
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def no_sideways_scroll(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_replayed_events_move_a_unit_into_stressed_and_the_board_shows_the_alert_without_a_reload(
        live_server, world, browser, celery_worker_process):
    now = timezone.now()
    admit(world.icu, 6, at=now - dt.timedelta(hours=3))  # 6 of 12 beds: optimal
    unit_hours_record(unit_id=world.icu.pk, since=now - dt.timedelta(hours=3))

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = watch(page)
    login(page, live_server, "coordinator")
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Main").get_by_role("link", name="Operations").click()
    card = page.get_by_test_id("site-card").filter(has_text="North General")
    icu = card.locator("[data-testid=unit-zone][data-unit='North ICU']")
    assert "optimal" in icu.inner_text()
    alerts = page.get_by_test_id("alert").filter(has_text="North ICU: optimal → stressed")
    assert alerts.count() == 0
    assert no_sideways_scroll(page, PHONE["width"])
    page.evaluate("window.boardOpened = true")  # gone if the page reloads

    # Five admissions arrive from the site's system.
    census_events_record(actor=world.coordinator, batch=True,
                         events=[ev(world.icu, "admit", timezone.now() - dt.timedelta(minutes=1)) for _ in range(5)])

    page.locator("[data-testid=unit-zone][data-unit='North ICU']", has_text="stressed").wait_for()
    alert = page.get_by_test_id("alert").filter(has_text="North ICU: optimal → stressed")
    alert.wait_for()
    assert alert.get_attribute("data-severity") == "critical"
    assert page.evaluate("window.boardOpened") is True  # no reload
    assert no_sideways_scroll(page, PHONE["width"])

    # The site's page: the chart and the heat map are drawn.
    card.get_by_role("link", name="North General").click()
    page.get_by_role("heading", name="North General").wait_for()
    page.locator("[data-testid=utilization-chart] canvas").first.wait_for()
    page.locator("[data-testid=heat-map] canvas").first.wait_for()
    assert no_sideways_scroll(page, PHONE["width"])
    page.set_viewport_size(DESKTOP)
    page.reload()
    page.locator("[data-testid=utilization-chart] canvas").first.wait_for()
    assert no_sideways_scroll(page, DESKTOP["width"])
    page.goto(f"{live_server.url}/operations/")
    page.get_by_test_id("site-card").first.wait_for()
    assert no_sideways_scroll(page, DESKTOP["width"])
    assert errors == []
    context.close()


def test_a_manager_checks_out_a_pump_on_a_phone_and_the_boards_count_changes(live_server, world, browser):
    pumps = af.asset_type()
    pump = af.item(pumps, site=world.north, unit=world.icu, serial="PMP-ICU-01")
    af.item(pumps, site=world.north, unit=world.icu, serial="PMP-ICU-02")

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    board = context.new_page()
    board.set_default_timeout(20_000)
    errors = watch(board)
    login(board, live_server, "manager")
    board.goto(f"{live_server.url}/operations/")
    row = board.get_by_test_id("equipment-row").filter(has_text="Infusion pump")
    assert row.get_by_test_id("equipment-ready").inner_text() == "2"
    assert row.get_by_test_id("equipment-in-use").inner_text() == "0"
    assert no_sideways_scroll(board, PHONE["width"])

    # In another tab, the manager checks the pump out to the ICU.
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/assets/items/{pump.pk}/")
    form = page.get_by_test_id("check-out")
    form.get_by_label("To unit").select_option(label="North ICU (north)")
    form.get_by_role("button", name="Check out").click()
    page.get_by_text("is checked out to North ICU").wait_for()
    assert Item.objects.get(pk=pump.pk).state == State.DEPLOYED

    # The board, left open, counts it at its next refresh.
    board.bring_to_front()
    board.locator("[data-testid=equipment-row][data-type='Infusion pump'] [data-testid=equipment-ready]",
                  has_text="1").wait_for()
    assert row.get_by_test_id("equipment-in-use").inner_text() == "1"
    assert errors == []
    context.close()
