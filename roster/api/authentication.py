"""API tokens that expire.

A token is good for ``settings.TOKEN_TTL_HOURS`` from when it was issued; after that it
is refused with a 401 and the client asks ``/api/token/`` again, which replaces it
(config.tokens). Nothing here may import DRF's views: DRF imports this module while it
builds them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(token: Token) -> dt.datetime:
    issued: dt.datetime = token.created
    return issued + dt.timedelta(hours=settings.TOKEN_TTL_HOURS)


def token_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed("This token has expired: ask /api/token/ for a new one.")
        return user, token
