"""Headless Chromium: the pages, htmx and the API docs work under the Content-Security-
Policy: not one resource or inline script or style is refused."""

from __future__ import annotations

import pytest

from tests.conftest import login

pytestmark = pytest.mark.e2e


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_the_pages_and_htmx_run_with_nothing_refused(live_server, world, page):
    errors = watch(page)
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("document.documentElement.className") == "js"  # the hashed inline script ran
    login(page, live_server, "manager")
    for path in ("/", "/units/", f"/units/{world.icu.pk}/", "/staff/", "/audit/", "/no-such-page/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("typeof window.htmx") == "object", path
    # htmx's own indicator rules were let in by their hash.
    assert page.evaluate("[...document.querySelectorAll('head style')].some(s => s.textContent.includes('htmx-indicator'))")
    assert [e for e in errors if "404" not in e] == []


def test_the_api_docs_run_with_nothing_refused(live_server, world, page):
    errors = watch(page)
    login(page, live_server, "manager")
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-summary-path[data-path='/api/assignments/']").first.wait_for()
    assert errors == []
