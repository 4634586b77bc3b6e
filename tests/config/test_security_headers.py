"""Every response carries a Content-Security-Policy (Headroom's own origin only, no inline
script but the one line listed by hash) and a Permissions-Policy; a busy database is a 503;
the error pages use the site's layout."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import drf_spectacular
import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import RequestFactory

from config.middleware import is_database_busy, server_error

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_pages_and_the_api_carry_a_same_origin_content_security_policy(client, world):
    for response in (client.get("/login/"), client.get("/api/units/")):
        csp = policy(response)
        assert csp["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-inline'" not in csp["style-src"]
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
        assert all(source.startswith("'") or source == "data:" for sources in csp.values() for source in sources)


def test_outside_the_browser_tests_no_script_is_evaluated_from_a_string():
    from config.settings import base

    assert "'unsafe-eval'" not in base.CONTENT_SECURITY_POLICY["script-src"]
    # The test settings add that one source for Playwright, and nothing else.
    relaxed = {k: v for k, v in settings.CONTENT_SECURITY_POLICY.items() if v != base.CONTENT_SECURITY_POLICY[k]}
    assert relaxed == {"script-src": [*base.CONTENT_SECURITY_POLICY["script-src"], "'unsafe-eval'"]}


def test_every_response_carries_a_permissions_policy(client, world):
    header = client.get("/login/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in header


def test_every_inline_script_in_the_templates_is_allowed_by_its_hash():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)
    found = [body for path in (ROOT / "templates").rglob("*.html") for body in inline.findall(path.read_text())]
    assert found, "base.html's no-js line is expected here"
    for body in found:
        assert sha256(body) in settings.CSP_SCRIPT_HASHES, body
    styles = [body for path in (ROOT / "templates").rglob("*.html")
              for body in re.findall(r"<style[^>]*>(.*?)</style>", path.read_text(), re.S)]
    assert styles == [], "move <style> blocks into static/css/app.css"


def test_the_inline_styles_htmx_and_the_api_docs_insert_are_allowed_by_their_hashes():
    htmx = (ROOT / "static" / "vendor" / "htmx.min.js").read_text()
    assert ".${t}{opacity:0;visibility: hidden} " in htmx  # the rules htmx inserts, as hashed
    indicator = (".htmx-indicator{opacity:0;visibility: hidden} .htmx-request .htmx-indicator, "
                 ".htmx-request.htmx-indicator{opacity:1;visibility: visible;transition: opacity 200ms ease-in}")
    assert sha256(indicator) in settings.CSP_STYLE_HASHES
    docs = (Path(drf_spectacular.__file__).parent / "templates" / "drf_spectacular" / "swagger_ui.html").read_text()
    assert sha256(re.search(r"<style>(.*?)</style>", docs, re.S).group(1)) in settings.CSP_STYLE_HASHES


def test_the_api_docs_load_their_start_up_script_as_a_file(client, world):
    client.force_login(world.manager)
    page = client.get("/api/docs/").content.decode()
    assert re.search(r'<script src="[^"]*\?[^"]*script=', page)
    assert "<script>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_a_missing_page_is_a_404_in_the_site_layout(client, world):
    client.force_login(world.nurse.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html and "css/app.css" in html and "Skip to content" in html


def test_a_server_error_is_a_500_in_the_site_layout_without_the_database():
    # No database fixture: a query here would fail the test.
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and "css/app.css" in html and "style=" not in html


@pytest.mark.parametrize("path, kind", [("/api/units/", "application/json"), ("/units/", "text/html")])
def test_a_database_too_busy_to_answer_is_a_503_with_retry_after(path, kind):
    request = RequestFactory().get(path)
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = server_error(request)  # as Django calls it, while handling the error
    assert response.status_code == 503 and response["Content-Type"].startswith(kind)
    assert int(response["Retry-After"]) == settings.DATABASE_BUSY_RETRY_AFTER


def test_only_transient_lock_failures_count_as_busy():
    class Cause(Exception):
        sqlstate = "40P01"  # deadlock_detected

    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = Cause()
    assert is_database_busy(deadlock)
    assert is_database_busy(OperationalError("database is locked"))
    assert not is_database_busy(OperationalError("no such table: roster_unit"))
    assert not is_database_busy(ValueError("database is locked"))
