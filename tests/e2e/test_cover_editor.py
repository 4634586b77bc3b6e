"""Headless Chromium: a manager generates next month's first week with no cover set and is
told so by name (never "fully covered"); sets a weekly template in the cover editor,
applies it to next month, generates again, and the grid has cover on every day and night,
weekends included. The editor fits a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from roster.models import CoverageRequirement, CoverTemplate, SolverRun
from tests import factories as f
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.celery]


def first_monday_of_next_month() -> dt.date:
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def generate(page, monday: dt.date) -> None:
    page.get_by_role("link", name="Rosters").first.click()
    page.get_by_role("link", name="North ICU").first.click()
    form = page.get_by_test_id("generate-form")
    form.get_by_label("First day").fill(monday.isoformat())
    form.get_by_label("Weeks").fill("1")
    form.get_by_label("Time limit (seconds)").fill("3")
    form.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/rosters/runs/\d+/$"))
    page.wait_for_selector('[data-testid="run-status"][data-status="succeeded"]', timeout=90_000)


@pytest.mark.django_db(transaction=True)
def test_a_manager_sets_the_usual_week_and_next_month_is_covered_every_day(
        live_server, world, page, celery_worker_process):
    page.set_default_timeout(60_000)  # generous: a busy machine is slow, not broken
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    monday = first_monday_of_next_month()
    for _ in range(5):
        f.StaffFactory(home_unit=world.icu)
    login(page, live_server, "manager")

    # No cover anywhere: the run says so by name, and not "Fully covered".
    generate(page, monday)
    short = page.get_by_test_id("run-short")
    assert "Fully covered" not in short.inner_text()
    no_cover = page.get_by_test_id("run-no-cover")
    assert f"no cover set for 7 days: {monday:%a} {monday.day} {monday:%b}" in no_cover.inner_text()

    # The cover editor, from the run page's link.
    no_cover.get_by_role("link", name="Set the cover").click()
    page.wait_for_url(re.compile(r"/rosters/units/\d+/cover/$"))
    assert page.get_by_test_id("cover-empty").is_visible()
    form = page.get_by_test_id("cover-set-form")
    # Bad input: a message on the page, nothing saved.
    form.get_by_label("Shift").select_option(label=str(world.day))
    form.get_by_label("Needs").select_option("role:RN")
    form.get_by_label("Minimum").fill("2")
    form.get_by_label("Preferred").fill("1")
    form.get_by_label("Maximum").fill("3")
    form.get_by_role("button", name="Set").click()
    assert "The preferred number cannot be below the minimum." in page.get_by_role("alert").first.inner_text()
    assert not CoverTemplate.objects.exists()
    for shift, (low, high) in ((world.day, ("2", "3")), (world.night, ("1", "2"))):
        form = page.get_by_test_id("cover-set-form")
        form.get_by_label("Shift").select_option(label=str(shift))
        form.get_by_label("Needs").select_option("role:RN")
        form.get_by_label("Minimum").fill(low)
        form.get_by_label("Preferred").fill(low)
        form.get_by_label("Maximum").fill(high)
        form.get_by_role("button", name="Set").click()
        page.get_by_text("set for 7 days of the week").wait_for()
    assert page.get_by_test_id("cover-row").count() == 2
    assert "2 · 2 · 3" in page.get_by_test_id("cover-template").inner_text()

    # Apply the week to next month (the form's default period).
    page.get_by_test_id("cover-apply-form").get_by_role("button", name="Apply").click()
    page.get_by_text(re.compile(r"Weekly cover applied to .*: \d+ added")).wait_for()
    assert page.get_by_test_id("cover-complete").is_visible()
    saturday = monday + dt.timedelta(days=5)
    assert CoverageRequirement.objects.filter(unit=world.icu, date=saturday, shift_type=world.night).exists()

    # On a phone the editor fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.set_viewport_size({"width": 1366, "height": 900})

    # Generate again: fully covered, every day and night of the week has cover in the grid.
    generate(page, monday)
    assert page.get_by_test_id("run-no-cover").count() == 0
    assert "Fully covered" in page.get_by_test_id("run-short").inner_text()
    run = SolverRun.objects.order_by("-pk").first()
    assert run is not None and run.result["no_cover"] == []
    page.get_by_test_id("run-roster").click()
    grid = page.get_by_test_id("roster-grid")
    grid.wait_for()
    rows = grid.locator("[data-testid=coverage-row]")
    assert rows.count() == 2
    for i in range(2):
        cells = rows.nth(i).locator("td.coverage")
        assert cells.count() == 7  # Monday to Sunday, nights included
        assert all(state != "short" for state in
                   (cells.nth(d).get_attribute("data-state") for d in range(7)))
    assert "Fully covered" in page.get_by_test_id("kpi-cover").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors
