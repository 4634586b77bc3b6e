"""The endpoint that issues API tokens: throttled, locked out with the login page, and
replacing a token that has expired (roster.api.authentication refuses those)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from config.parsers import BoundedFormParser, BoundedJSONParser, BoundedMultiPartParser
from roster.api.authentication import token_expired, token_expires_at


class IssuedTokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainExpiringAuthToken(ObtainAuthToken):
    """Username and password for a token; an expired token is replaced by a new one.

    Throttled per client address (the ``login`` rate), and refused with a 429 while
    django-axes has the username locked out from this address.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    # DRF's own list here would parse JSON without bounds.
    parser_classes = [BoundedJSONParser, BoundedFormParser, BoundedMultiPartParser]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # Outside the request's transaction: a refused login answers 400, which rolls the
        # request's transaction back, and with it the failure django-axes just counted.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    @extend_schema(request=AuthTokenSerializer, responses=IssuedTokenSerializer)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes' backend marks the request when it refused a locked-out login.
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise Throttled(
                    wait=cool_off.total_seconds() if cool_off else None,
                    detail="Too many failed logins for this username: try again later.",
                )
            serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, created = Token.objects.select_for_update().get_or_create(user=user)
            if not created and token_expired(token):
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})
