"""Logging in and out, and that every page asks for a login first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories as f

PAGES = ["home", "unit-list", "staff-list", "certification-list", "audit-list"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_an_anonymous_visitor_to_the_login(client, world, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name,kwargs", [("unit-detail", "icu"), ("staff-detail", "nurse")])
def test_detail_pages_send_an_anonymous_visitor_to_the_login(client, world, name, kwargs):
    url = reverse(name, args=[getattr(world, kwargs).pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_renders_a_form(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "Log out" not in html  # no navigation before logging in


def test_a_correct_password_logs_in_and_lands_on_the_dashboard(client, world):
    response = client.post(reverse("login"), {"username": "nurse", "password": f.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = client.post(reverse("login"), {"username": "nurse", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_login_follows_next_back_to_the_page_asked_for(client, world):
    url = reverse("staff-list")
    response = client.post(f"{reverse('login')}?next={url}", {"username": "nurse", "password": f.PASSWORD, "next": url})
    assert response["Location"] == url


def test_a_logged_in_user_opening_the_login_page_goes_home(client, world):
    client.force_login(world.nurse.user)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_is_a_post_and_ends_the_session(client, world):
    client.force_login(world.nurse.user)
    assert client.get(reverse("logout")).status_code == 405  # a link or prefetch cannot log out
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_the_logout_button_is_a_form_with_a_csrf_token(client, world):
    client.force_login(world.nurse.user)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_logout_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.nurse.user)
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("home")).status_code == 200


def test_the_layout_loads_htmx_from_our_own_static_files_and_sends_the_csrf_token(client, world):
    client.force_login(world.nurse.user)
    html = client.get(reverse("home")).content.decode()
    assert "/static/vendor/htmx.min.js" in html
    assert "hx-headers='{\"X-CSRFToken\": " in html
    # Every script and stylesheet comes from this server, none from another host (the
    # page text itself, a random CSRF token included, may contain any letters).
    loaded = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert "/static/vendor/htmx.min.js" in loaded
    assert [url for url in loaded if not url.startswith("/") or url.startswith("//")] == []
