"""Request bodies are bounded: JSON nested too deep or a body too large is a 400 naming the
problem, signed in or not, never a 500 (RecursionError) nor parsed whole."""

from __future__ import annotations

import json

from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from config.parsers import nesting_depth


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_json_nested_past_the_recursion_limit_is_a_400_even_unauthenticated(world):
    response = APIClient().post("/api/token/", deep(100_000), content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_nested_past_the_limit_is_a_400_for_a_signed_in_user(world):
    api = world.client_for(world.nurse.user)
    body = json.dumps({"reason": json.loads(deep(settings.JSON_MAX_DEPTH + 1))})
    response = api.post("/api/leave/", body, content_type="application/json")
    assert response.status_code == 400
    assert f"{settings.JSON_MAX_DEPTH} levels" in response.json()["detail"]


def test_a_body_over_the_size_limit_is_a_400_naming_the_limit(world):
    api = world.client_for(world.nurse.user)
    big = json.dumps({"reason": "x" * (3 * 1024 * 1024)})
    response = api.post("/api/leave/", big, content_type="application/json")
    assert response.status_code == 400
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]
    anonymous = APIClient().post("/api/token/", big, content_type="application/json")
    assert anonymous.status_code == 400
    assert "larger than" in anonymous.json()["detail"]


def test_a_form_over_the_size_limit_is_a_400_too(world):
    api = world.client_for(world.nurse.user)
    response = api.post("/api/leave/", {"reason": "x" * (2 * 1024 * 1024)})  # multipart
    assert response.status_code == 400
    urlencoded = api.post("/api/leave/", "reason=" + "x" * (2 * 1024 * 1024),
                          content_type="application/x-www-form-urlencoded")
    assert urlencoded.status_code == 400


def test_a_login_form_over_the_size_limit_is_a_400(client, world):
    response = client.post(reverse("login"), {"username": "nurse", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 400


def test_ordinary_json_still_reaches_the_api(world):
    api = world.client_for(world.nurse.user)
    response = api.post("/api/leave/", {"start_date": "2099-03-01", "end_date": "2099-03-02", "kind": "annual"},
                        format="json")
    assert response.status_code == 201, response.content


def test_depth_is_counted_without_recursion():
    assert nesting_depth(1, 5) == 0
    assert nesting_depth({"a": [1, {"b": []}]}, 5) == 4
    assert nesting_depth(json.loads(deep(500)), 32) == 33  # gives up past the limit
