"""Headless Chromium: the roster grid on a 1366×900 laptop and a 390×844 phone. In the
compact mode all 28 days of a four-week roster are within the screen's width; the day
header stays in view down at the cover rows, which are pinned to the scroll box's foot;
on a phone the names stay in view after scrolling right to the last days."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse

from roster.models import Assignment, CoverageRequirement, Roster
from roster.timeutil import shift_interval
from tests import factories as f
from tests.conftest import login

pytestmark = [pytest.mark.e2e]

START = dt.date(2026, 3, 2)
DAYS = 28
PEOPLE = 30


def four_weeks(world) -> Roster:
    """A draft of four weeks with 30 people and cover rows for day and night shifts."""
    roster = f.RosterFactory(unit=world.icu, start_date=START, end_date=START + dt.timedelta(days=DAYS - 1))
    people = [world.nurse, world.colleague, *(f.StaffFactory(home_unit=world.icu) for _ in range(PEOPLE - 2))]
    tz = world.north.timezone
    rows = []
    for i, person in enumerate(people):
        shift = world.night if i % 5 == 0 else world.day
        for d in range(DAYS):
            if (i + d) % 3 == 0:
                day = START + dt.timedelta(days=d)
                starts_at, ends_at = shift_interval(day, shift.start_time, shift.duration_minutes, tz)
                rows.append(Assignment(roster=roster, staff=person, shift_type=shift, date=day,
                                       starts_at=starts_at, ends_at=ends_at))
    Assignment.objects.bulk_create(rows)
    for d in range(DAYS):
        for shift, minimum in ((world.day, 8), (world.night, 3)):
            CoverageRequirement.objects.create(unit=world.icu, date=START + dt.timedelta(days=d), shift_type=shift,
                                               role="RN", minimum=minimum, preferred=minimum, maximum=minimum + 2)
    return roster


def shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, "not rendered"
    return found


@pytest.mark.django_db(transaction=True)
def test_all_28_days_fit_a_laptop_in_compact_mode_and_the_header_stays_at_the_cover_rows(
        live_server, world, browser):
    roster = four_weeks(world)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server, "manager")
        url = f"{live_server.url}{reverse('roster-detail', args=[roster.pk])}"
        page.goto(url)
        shoot(page, "roster-1366-roomy.png")
        page.get_by_test_id("view-compact").click()
        page.get_by_test_id("view-roomy").wait_for()
        heads = page.get_by_test_id("day-head")
        assert heads.count() == DAYS
        first_row = page.locator("[data-testid=roster-grid] tbody tr").first
        cells = first_row.locator("td.roster-cell")
        assert cells.count() == DAYS
        for i in range(DAYS):
            for element in (heads.nth(i), cells.nth(i)):
                b = box(element)
                assert b["x"] >= 0 and b["x"] + b["width"] <= 1366, (i, b)
        # The choice holds for the session: a plain reload is still compact.
        page.goto(url)
        assert page.locator("table.roster-grid.is-compact").count() == 1

        wrap = page.get_by_test_id("roster-wrap")
        wrap.scroll_into_view_if_needed()
        assert wrap.evaluate("el => el.scrollHeight > el.clientHeight"), "the grid should need scrolling here"
        cover = page.get_by_test_id("coverage-row")
        assert cover.count() == 2
        # At the top of the grid the cover rows are already in view, pinned to its foot.
        wrap_box = box(wrap)
        for i in range(2):
            b = box(cover.nth(i))
            assert wrap_box["y"] <= b["y"] and b["y"] + b["height"] <= wrap_box["y"] + wrap_box["height"] + 1
            assert b["y"] + b["height"] <= 900 + 1
        shoot(page, "roster-1366-compact.png")

        # Scrolled down to the last people and the cover rows: the dates are still there.
        wrap.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        page.get_by_test_id("coverage-row").last.scroll_into_view_if_needed()
        last_person = page.locator("[data-testid=roster-grid] tbody tr").last
        assert box(last_person)["y"] >= 0
        head = box(heads.first)
        wrap_box = box(wrap)
        assert 0 <= head["y"] < 900 and abs(head["y"] - wrap_box["y"]) < 4, (head, wrap_box)
        assert head["y"] + head["height"] <= box(last_person)["y"] + 1
        shoot(page, "roster-1366-compact-bottom.png")
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_names_stay_in_view_after_scrolling_right_on_a_phone(live_server, world, browser):
    roster = four_weeks(world)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server, "manager")
        page.goto(f"{live_server.url}{reverse('roster-detail', args=[roster.pk])}?view=compact")
        shoot(page, "roster-390.png")
        wrap = page.get_by_test_id("roster-wrap")
        wrap.scroll_into_view_if_needed()
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth"), "four weeks scroll sideways on a phone"
        wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        name = page.locator("[data-testid=roster-grid] tbody tr").first.locator("th.roster-grid__who")
        last_day = page.get_by_test_id("day-head").last
        name_box, day_box, wrap_box = box(name), box(last_day), box(wrap)
        assert wrap.evaluate("el => el.scrollLeft") > 0
        # The name sits at the scroll box's left edge, whole, beside the last days.
        assert abs(name_box["x"] - wrap_box["x"]) < 3 and name_box["width"] > 60, (name_box, wrap_box)
        assert name_box["x"] + name_box["width"] <= day_box["x"] + 1
        assert day_box["x"] + day_box["width"] <= 390
        assert name.inner_text().strip()
        shoot(page, "roster-390-right.png")
    finally:
        context.close()
