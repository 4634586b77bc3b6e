"""Headless Chromium: every page, filled with real data, renders without a script error
and fits a phone's width (no sideways scrolling)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from roster.editing import assignment_create
from roster.models import FatigueRules, Leave, RatioRule, SkillMixRule, Staff
from roster.records import record_update
from roster.requests import leave_request
from roster.rosters import roster_create, roster_publish
from tests import factories as f
from tests.conftest import login
from tests.e2e.test_navigation import screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def busy_world(transactional_db, world):
    today = timezone.localdate()
    charge = f.SkillFactory(code="charge", name="Charge nurse")
    vent = f.SkillFactory(code="vent", name="Ventilation")
    acls = f.CertificationTypeFactory(code="acls", name="Advanced Cardiac Life Support")
    bls = f.CertificationTypeFactory(code="bls", name="Basic Life Support")
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=Decimal("2"))
    SkillMixRule.objects.create(unit=world.icu, skill=charge, minimum=1)
    SkillMixRule.objects.create(unit=world.icu, certification_type=acls, minimum=1)
    FatigueRules.objects.create(site=world.north, unit=world.icu, max_consecutive_nights=3)
    world.nurse.skills.set([charge, vent])
    f.CertificationFactory(staff=world.nurse, type=acls, number="ACLS-1001", issued=today - dt.timedelta(days=700),
                           expires=today + dt.timedelta(days=9))
    f.CertificationFactory(staff=world.colleague, type=bls, number="BLS-2003", issued=today - dt.timedelta(days=100),
                           expires=today + dt.timedelta(days=600))
    for i in range(8):
        person = f.StaffFactory(home_unit=world.icu, role=[Staff.Role.RN, Staff.Role.HCA][i % 2], float_pool=i == 3)
        person.skills.set([vent] if i % 3 else [])
    leave_request(
        actor=world.nurse.user, staff=world.nurse, kind=Leave.Kind.ANNUAL,
        start_date=today + dt.timedelta(days=20), end_date=today + dt.timedelta(days=24), reason="Sister's wedding",
    )
    record_update(actor=world.manager, instance=world.icu, data={"beds": 14})
    start = today + dt.timedelta(days=1)
    roster = roster_create(actor=world.manager, unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night, day=start)
    assignment_create(
        actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night, day=start + dt.timedelta(days=1)
    )
    roster_publish(actor=world.manager, roster=roster)
    # Recorded after the roster: an expired certification would (rightly) have blocked it.
    f.CertificationFactory(staff=world.nurse, type=bls, number="BLS-2002", issued=today - dt.timedelta(days=700),
                           expires=today - dt.timedelta(days=4))
    return world


def pages_for(world) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("units", "/units/"),
        ("unit", f"/units/{world.icu.pk}/"),
        ("staff", "/staff/"),
        ("person", f"/staff/{world.nurse.pk}/"),
        ("certifications", "/certifications/"),
        ("audit", "/audit/"),
    ]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_page_renders_cleanly_for_a_manager(live_server, busy_world, page, device):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    if device == "phone":
        page.set_viewport_size(PHONE)
    login(page, live_server, "manager")
    for name, path in pages_for(busy_world):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.evaluate("typeof window.htmx") == "object"
        screenshot(page, f"{device}-{name}-manager")
        if device == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    assert errors == []


def test_the_nurse_sees_their_shifts_and_the_colleague_does_not_see_their_leave(live_server, busy_world, page):
    login(page, live_server, "nurse")
    assert page.locator("text=Your upcoming shifts").is_visible()
    assert page.locator("td[data-label=Hours]").first.inner_text() == "19:00–07:00"
    screenshot(page, "desktop-home-nurse-busy")
    page.goto(f"{live_server.url}/staff/{busy_world.nurse.pk}/")
    assert page.get_by_text("Sister's wedding").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")

    login(page, live_server, "colleague")
    page.goto(f"{live_server.url}/staff/{busy_world.nurse.pk}/")
    assert page.get_by_text("Sister's wedding").count() == 0
    assert page.get_by_text(busy_world.nurse.email).count() == 0
    screenshot(page, "desktop-person-as-colleague")
