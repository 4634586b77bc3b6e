"""Shared fixtures: a small network with one user per role, a real Celery worker, and a
headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from roster.models import Access, Staff, Unit
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
Level = Access.Level


@dataclass
class World:
    """Two sites. North has an ICU and a medical-surgical ward; South has an ED.

    admin: administrator; regional: regional coordinator; coordinator: coordinates North;
    manager: manages the North ICU; nurse and colleague: work in the North ICU;
    outsider: a nurse in the South ED.
    """

    north: object
    south: object
    icu: Unit
    ward: Unit
    ed: Unit
    admin: object
    regional: object
    coordinator: object
    manager: object
    nurse: Staff
    colleague: Staff
    outsider: Staff
    day: object
    night: object

    def client_for(self, user: object) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client


@pytest.fixture
def world(db: None) -> World:
    north = f.SiteFactory(name="North General", code="north")
    south = f.SiteFactory(name="South Infirmary", code="south")
    icu = f.UnitFactory(site=north, name="North ICU", code="icu", kind=Unit.Kind.ICU, beds=12)
    ward = f.UnitFactory(site=north, name="North Ward 5", code="w5", kind=Unit.Kind.MEDSURG, beds=28)
    ed = f.UnitFactory(site=south, name="South ED", code="ed", kind=Unit.Kind.ED, beds=20)
    admin = f.UserFactory(username="admin", is_staff=True, is_superuser=True)
    f.grant(admin, Level.ADMINISTRATOR)
    regional = f.UserFactory(username="regional")
    f.grant(regional, Level.REGIONAL_COORDINATOR)
    coordinator = f.UserFactory(username="coordinator")
    f.grant(coordinator, Level.SITE_COORDINATOR, sites=[north])
    manager = f.UserFactory(username="manager")
    f.grant(manager, Level.UNIT_MANAGER, units=[icu])
    nurse = f.StaffFactory(user=f.UserFactory(username="nurse"), home_unit=icu, first_name="Nia", last_name="Nurse")
    colleague = f.StaffFactory(
        user=f.UserFactory(username="colleague"), home_unit=icu, first_name="Cal", last_name="Colleague"
    )
    outsider = f.StaffFactory(
        user=f.UserFactory(username="outsider"), home_unit=ed, first_name="Oona", last_name="Outsider"
    )
    for staff in (nurse, colleague, outsider):
        f.grant(staff.user, Level.STAFF)
    import datetime as dt

    day = f.ShiftTypeFactory(site=north, code="D", name="Day", start_time=dt.time(7, 0), duration_minutes=720)
    night = f.ShiftTypeFactory(
        site=north, code="N", name="Night", start_time=dt.time(19, 0), duration_minutes=720, is_night=True
    )
    return World(north, south, icu, ward, ed, admin, regional, coordinator, manager, nurse, colleague, outsider, day, night)


# --- a real Celery worker -----------------------------------------------------------

@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """A real `celery worker` process on the Redis broker, using the test database."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("REDIS_URL is not set: run the suite through ./bin/test")
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["REDIS_URL"] = redis_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1.0):
                break
        except Exception:  # the broker may not answer while the worker boots
            pass
        if proc.poll() is not None:
            pytest.fail("the Celery worker exited at start")
    else:
        proc.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- headless Chromium ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run the suite through ./bin/test, which installs it")
    # Playwright's sync API runs an event loop in this thread; the live server's database
    # access from test code is still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def login(page: object, live_server: object, username: str, password: str = f.PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{live_server.url}/")  # type: ignore[attr-defined]
