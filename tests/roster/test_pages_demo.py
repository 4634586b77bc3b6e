"""Every page opens for every demo login on the full demo network, at a fixed cost."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from roster import access
from roster.demo import build_demo

LOGINS = ["admin", "regional", "coordinator", "manager", "nurse"]


@pytest.fixture
def demo(db):
    build_demo()


@pytest.mark.parametrize("username", LOGINS)
def test_every_page_opens_for_each_demo_login(client, demo, username, django_assert_max_num_queries):
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    manager = access.level_of(user) != access.Level.STAFF
    names = ["home", "unit-list", "staff-list"] + (["certification-list", "audit-list"] if manager else [])
    for name in names:
        # A fixed number per page, whatever the data; the home page counts each kind of
        # item waiting for a manager.
        with django_assert_max_num_queries(20 if name == "home" else 16):
            response = client.get(reverse(name))
        assert response.status_code == 200, name
    unit = access.visible_units(user).first()
    person = access.visible_staff(user).first()
    assert unit is not None and person is not None
    assert client.get(reverse("unit-detail", args=[unit.pk])).status_code == 200
    assert client.get(reverse("staff-detail", args=[person.pk])).status_code == 200
    if not manager:
        assert client.get(reverse("certification-list")).status_code == 403
