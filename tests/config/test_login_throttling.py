"""Logins are throttled and locked out (the login page and the API's token endpoint), and
API tokens expire: a bad or expired token is a 401."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories as f


@pytest.fixture(autouse=True)
def fresh_throttles():
    # DRF's throttle counts live in the cache, which outlives a test's transaction.
    cache.clear()
    yield
    cache.clear()


def fail_logins(client, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "not-it"})
        assert response.status_code in (200, 429)


def test_the_login_page_locks_a_username_out_after_repeated_failures_even_for_the_right_password(client, world):
    fail_logins(client, "nurse", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "nurse", "password": f.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_short_of_the_limit_do_not_stop_the_right_password(client, world):
    fail_logins(client, "nurse", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("login"), {"username": "nurse", "password": f.PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(world.nurse.user.pk)


def test_a_lockout_stops_only_that_username(client, world):
    fail_logins(client, "nurse", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "colleague", "password": f.PASSWORD})
    assert response.status_code == 302


# transactional_db: the token endpoint runs outside a request transaction, as it must for
# django-axes' count of a refused login (answered 400) to be kept.
def test_the_token_endpoint_locks_a_username_out_too(transactional_db, world):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/token/", {"username": "manager", "password": "not-it"}).status_code == 400
    # The failure that reaches the limit is the first one refused as a lockout.
    assert api.post("/api/token/", {"username": "manager", "password": "not-it"}).status_code == 429
    cache.clear()  # the address's own rate limit is not what is tested here
    response = api.post("/api/token/", {"username": "manager", "password": f.PASSWORD})
    assert response.status_code == 429, response.content
    assert "token" not in response.json()


def test_the_token_endpoint_is_rate_limited_per_address(transactional_db, world):
    api = APIClient()
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    # A different username each time: no lockout, only the address's rate.
    for i in range(allowed):
        assert api.post("/api/token/", {"username": f"guess{i}", "password": "x"}).status_code == 400
    response = api.post("/api/token/", {"username": "manager", "password": f.PASSWORD})
    assert response.status_code == 429 and response.has_header("Retry-After")


def test_a_token_is_issued_with_its_expiry_and_works(world):
    response = APIClient().post("/api/token/", {"username": "manager", "password": f.PASSWORD})
    assert response.status_code == 200
    body = response.json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    token = Token.objects.get(key=body["token"])
    assert expires == token.created + dt.timedelta(hours=settings.TOKEN_TTL_HOURS)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/units/").status_code == 200


def test_an_expired_token_is_a_401_and_asking_again_replaces_it(world):
    old = Token.objects.create(user=world.manager)
    Token.objects.filter(pk=old.pk).update(
        created=old.created - dt.timedelta(hours=settings.TOKEN_TTL_HOURS, seconds=1)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    response = api.get("/api/units/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Token")
    new = APIClient().post("/api/token/", {"username": "manager", "password": f.PASSWORD}).json()["token"]
    assert new != old.key
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api.get("/api/units/").status_code == 200


def test_a_bad_token_or_none_at_all_is_a_401(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/units/").status_code == 401
    assert APIClient().get("/api/units/").status_code == 401
