"""Project-wide middleware: a busy database is a 503 to retry, never a 500; every
response carries the Content-Security-Policy and Permissions-Policy headers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.defaults import server_error as django_server_error

# SQLSTATEs PostgreSQL gives a transaction that lost a lock, not one that was wrong:
# deadlock_detected, lock_not_available (lock_timeout), serialization_failure.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "55P03", "40001"})
# SQLite's words when its busy timeout ran out while another connection wrote.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")

BUSY_MESSAGE = "The database is busy with other changes. Nothing was saved: try again in a few seconds."


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database was too busy, so the same request may succeed
    if sent again (as opposed to a query that is wrong)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    text = str(exc).lower()
    return any(words in text for words in _SQLITE_BUSY)


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a short page for everything else."""
    retry_after = str(settings.DATABASE_BUSY_RETRY_AFTER)
    if request.path_info.startswith("/api/"):
        response = HttpResponse(
            json.dumps({"detail": BUSY_MESSAGE}), status=503, content_type="application/json"
        )
    else:
        response = HttpResponse(
            "<!doctype html><title>Busy · Headroom</title>"
            f"<h1>Busy</h1><p>{BUSY_MESSAGE}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = retry_after
    return response


class DatabaseBusyMiddleware:
    """Turns a lock wait that timed out in a view (pages and DRF alike: DRF re-raises
    what its exception handler does not know) into a 503 with Retry-After. The request's
    transaction has been rolled back by then, so retrying is safe.

    Errors raised outside the view (a session saved after the response) reach
    :func:`server_error` instead, Django's handler500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_busy(exception):
            return busy_response(request)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: Django calls it while handling the exception, so it is still at hand;
    a busy database becomes a 503 here too, wherever in the request it struck."""
    if is_database_busy(sys.exception()):
        return busy_response(request)
    return django_server_error(request, template_name=template_name)


def content_security_policy() -> str:
    """The policy from ``settings.CONTENT_SECURITY_POLICY`` (directive -> sources)."""
    return "; ".join(
        " ".join([directive, *sources]) for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
    )


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response that does
    not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
