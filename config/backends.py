"""The authentication backend that applies django-axes' lockouts."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    """django-axes' backend, but a login checked without a request (a management command,
    a shell, a test calling ``authenticate()`` directly) is not refused: it comes from no
    address, and no client over HTTP can reach it. Every login over HTTP (the login page,
    the admin's, the token endpoint) passes its request and is counted."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None
