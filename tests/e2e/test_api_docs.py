"""The interactive API docs work on a network with no way out: everything they load
comes from Headroom itself."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.conftest import login
from tests.e2e.test_navigation import screenshot

pytestmark = pytest.mark.e2e


def test_the_api_docs_render_from_headroom_alone(live_server, world, page):
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "manager")
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("Headroom API").first.wait_for()
    page.locator(".opblock-summary-path[data-path='/api/assignments/']").first.wait_for()
    screenshot(page, "desktop-api-docs")
    assert hosts == {urlparse(live_server.url).netloc}
    assert errors == []
