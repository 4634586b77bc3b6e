"""Headless Chromium: a manager generates a roster through a real Celery worker, watches
the progress, opens the grid, edits a cell into a rest violation, is refused, and records a waiver."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from roster.models import CoverageRequirement, Roster, SolverRun
from tests import factories as f
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.celery]


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


@pytest.mark.django_db(transaction=True)
def test_a_manager_generates_a_roster_and_a_rest_violation_is_refused(
        live_server, world, page, celery_worker_process):
    monday = next_monday()
    for _ in range(4):
        f.StaffFactory(home_unit=world.icu)
    for i in range(7):
        for shift, minimum in ((world.day, 2), (world.night, 1)):
            CoverageRequirement.objects.create(
                unit=world.icu, date=monday + dt.timedelta(days=i), shift_type=shift, role="RN",
                minimum=minimum, preferred=minimum, maximum=minimum + 2)

    login(page, live_server, "manager")
    page.get_by_role("link", name="Rosters").first.click()
    form = page.get_by_test_id("generate-form")
    form.get_by_label("First day").fill(monday.isoformat())
    form.get_by_label("Weeks").fill("1")
    form.get_by_label("Time limit (seconds)").fill("3")
    form.get_by_role("button", name="Generate").click()

    # The run page shows the progress, polled by htmx, until the worker finishes.
    page.wait_for_url(re.compile(r"/rosters/runs/\d+/$"))
    status = page.get_by_test_id("run-status")
    assert status.is_visible()
    page.wait_for_selector('[data-testid="run-status"][data-status="succeeded"]', timeout=90_000)
    run = SolverRun.objects.get()
    assert run.status == SolverRun.Status.SUCCEEDED and run.solutions >= 1
    assert int(page.get_by_test_id("run-solutions").inner_text()) >= 1

    # The draft's grid.
    page.get_by_test_id("run-roster").click()
    grid = page.get_by_test_id("roster-grid")
    grid.wait_for()
    roster = Roster.objects.get(unit=world.icu, start_date=monday)
    assert roster.status == Roster.Status.DRAFT
    assert grid.locator("[data-testid=risk]").count() >= 2
    assert grid.locator("[data-testid=coverage-row]").count() == 2

    # Find someone on a night followed by a day: put them on a day shift after it.
    night = roster.assignments.filter(shift_type=world.night,
                                      date__lt=monday + dt.timedelta(days=6)).order_by("date").first()
    assert night is not None
    after = night.date + dt.timedelta(days=1)
    roster.assignments.filter(staff=night.staff, date=after).delete()  # a free cell to edit
    page.reload()
    cell = page.locator(f'tr[data-staff="{night.staff_id}"] td[data-date="{after.isoformat()}"] a')
    cell.click()
    panel = page.get_by_test_id("roster-panel")
    form = panel.get_by_test_id("cell-form")
    form.wait_for()
    assert "would break" in form.inner_text()
    form.get_by_label(re.compile(r"^\s*D\b")).check()
    form.get_by_test_id("cell-submit").click()
    refused = page.get_by_test_id("cell-refused")
    refused.wait_for()
    assert "Minimum rest between shifts" in refused.inner_text()
    assert not roster.assignments.filter(staff=night.staff, date=after).exists()

    # One waiver, with a reason, names every rule the change breaks; the change goes
    # through and the person's fatigue badge then says so.
    waiver = panel.get_by_test_id("waiver-form")
    waiver.get_by_label(re.compile("Reason for waiving")).fill("Agency nurse cancelled; cleared with the director")
    waiver.get_by_role("button", name="Record the waiver and make the change").click()
    page.get_by_test_id("cell-saved").wait_for()
    row = page.locator(f'tr[data-staff="{night.staff_id}"]')
    assert row.get_by_test_id("risk").get_attribute("data-level") == "waived"
    assert row.get_by_test_id("risk-waived").inner_text() == "over limit, waived"
    assert roster.assignments.get(staff=night.staff, date=after).waiver is not None
