"""Headless Chromium on a phone: a surge replayed at the North ICU (census events) makes
the next trigger check re-plan North; the coordinator sees each move with its tradeoff,
approves a nurse's move (now a shift in the ICU) and a pump's (in transit with its ETA),
and the status board lists the transfers. The bottleneck chart renders with nothing
refused by the Content-Security-Policy; nothing spills sideways at 390 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from allocation.models.forecasts import HourForecast
from allocation.models.redeploy import Recommendation
from allocation.recommendations import replan
from allocation.redeploy_tasks import redeploy_watch
from allocation.staffing import hour_of
from assets.states import State
from roster.models import Assignment, RatioRule, Staff
from tests import factories as f
from tests.allocation.helpers import admit
from tests.allocation.test_redeploy_recommendations import on_shift
from tests.assets import factories as af
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_surge_gives_a_recommendation_the_coordinator_approves_and_the_board_shows(live_server, world, browser):
    now = timezone.now()
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    on_shift(world, world.nurse, world.icu, now)
    on_shift(world, world.colleague, world.icu, now)
    floats = [f.StaffFactory(home_unit=world.ward, float_pool=True, first_name=f"Flo{i}", last_name="Float")
              for i in range(3)]
    for person in floats:
        on_shift(world, person, world.ward, now)
    # The next shift is rostered too (by others), so the plan's hours never reach a shift
    # change with nobody on, which would ask for a move whatever the surge.
    following = now + dt.timedelta(hours=12)
    for unit, count in ((world.icu, 2), (world.ward, 1)):
        for _ in range(count):
            on_shift(world, f.StaffFactory(home_unit=unit), unit, following)
    pumps = af.asset_type("pump")
    for _ in range(2):
        af.item(pumps, site=world.north, unit=world.icu, state=State.DEPLOYED)
    spare = af.item(pumps, site=world.north, unit=world.ward, serial="PMP-W5-01")
    admit(world.icu, 2, now - dt.timedelta(hours=5))
    admit(world.ward, 4, now - dt.timedelta(hours=5))
    # The plan before the surge: nothing to move.
    assert replan(world.north, now=now - dt.timedelta(minutes=30), force=True) is not None
    assert not Recommendation.objects.exists()

    # The surge, replayed as census events; the forecast expects it to grow.
    admit(world.icu, 8, now - dt.timedelta(minutes=10))
    for h in range(8):
        HourForecast.objects.create(
            unit=world.icu, hour=hour_of(now) + dt.timedelta(hours=h), issued_at=hour_of(now),
            arrivals_mean=1, arrivals_var=1, arrivals_median=1, arrivals_q85=1, arrivals_q90=1,
            census_mean=12.5, census_var=4, census_median=12.5, census_q85=14.5, census_q90=15.5)
    assert redeploy_watch() >= 1  # the beat's trigger check: the ICU changed zone
    assert Recommendation.objects.filter(destination_unit=world.icu, resource="RN").exists()
    assert Recommendation.objects.filter(item=spare).exists()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, live_server, "coordinator")
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Main").get_by_role("link", name="Redeployment").click()

    nurse_move = page.get_by_test_id("recommendation").filter(has_text="Registered nurse").first
    assert "North ICU" in nurse_move.get_by_test_id("receiver").inner_text()
    assert "Utilization" in nurse_move.get_by_test_id("giver").inner_text()
    assert "Shadow price" in nurse_move.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nurse_move.get_by_role("button", name="Approve").click()
    page.get_by_text("now works in North ICU").wait_for()
    moved = Recommendation.objects.filter(resource="RN", status="arrived").get()
    assert Assignment.objects.get(staff=moved.staff, live=True).roster.unit == world.icu

    page.get_by_test_id("recommendation").filter(has_text="PMP-W5-01").get_by_role("button", name="Approve").click()
    row = page.get_by_test_id("moving-row").filter(has_text="PMP-W5-01")
    row.wait_for()
    assert "North ICU" in row.inner_text()
    spare.refresh_from_db()
    assert spare.state == State.IN_TRANSIT

    # The status board lists both transfers (through redeployment's transfer source).
    page.goto(f"{live_server.url}/operations/")
    transfers = page.get_by_test_id("transfers")
    transfers.get_by_text("PMP-W5-01").first.wait_for()
    assert "in transit" in transfers.inner_text()
    assert str(moved.staff) in transfers.inner_text()

    page.goto(f"{live_server.url}/redeployment/bottlenecks/")
    page.get_by_test_id("bottleneck").wait_for()
    page.wait_for_function("document.querySelector('#rd-chart canvas') !== null")
    assert page.get_by_test_id("bottleneck-table").get_by_text("Registered nurse").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
    context.close()
