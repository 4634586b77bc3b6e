"""The navigation each role sees (roster.context_processors)."""

from __future__ import annotations

import pytest
from django.urls import reverse

EVERYONE = ["Home", "Units", "Staff", "My shifts", "My requests", "Rosters", "Swaps", "Open shifts", "My offers", "Equipment",
            "API"]
MANAGERS = ["Home", "Units", "Staff", "Rosters", "Swaps", "Open shifts", "Backfill", "Equipment", "Operations", "Crisis",
            "Requests", "Certifications", "Audit log", "API"]
COORDINATORS = ["Home", "Units", "Staff", "Rosters", "Swaps", "Open shifts", "Backfill", "Equipment", "Operations", "Incidents",
                "Redeployment", "Crisis", "Requests", "Certifications", "Audit log", "API"]


def nav_labels(client) -> list[str]:
    response = client.get(reverse("home"))
    return [item.label for item in response.context["nav_items"]]


@pytest.mark.parametrize(
    "who,label",
    [
        ("admin", "Administrator"),
        ("regional", "Regional coordinator"),
        ("coordinator", "Site coordinator"),
        ("manager", "Unit manager"),
        ("nurse", "Staff"),
    ],
)
def test_the_role_is_shown_in_the_header(client, world, who, label):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))
    html = client.get(reverse("home")).content.decode()
    assert f'data-testid="role">{label}</span>' in html


def test_staff_see_only_the_common_sections(client, world):
    client.force_login(world.nurse.user)
    labels = nav_labels(client)
    assert labels == EVERYONE
    assert "Audit log" not in labels and "Certifications" not in labels and "Admin" not in labels


@pytest.mark.parametrize(("who", "expected"), [("manager", "MANAGERS"), ("coordinator", "COORDINATORS"),
                                               ("regional", "COORDINATORS")])
def test_managers_and_coordinators_also_see_certifications_and_the_audit_log(client, world, who, expected):
    client.force_login(getattr(world, who))
    assert nav_labels(client) == {"MANAGERS": MANAGERS, "COORDINATORS": COORDINATORS}[expected]


def test_the_administrator_also_sees_the_admin(client, world):
    client.force_login(world.admin)
    labels = nav_labels(client)
    assert labels == [*COORDINATORS, "Admin"]


def test_the_current_section_is_marked(client, world):
    client.force_login(world.manager)
    html = client.get(reverse("staff-list")).content.decode()
    assert f'<a href="{reverse("staff-list")}" aria-current="page">Staff</a>' in html
    assert f'<a href="{reverse("home")}">Home</a>' in html


def test_a_login_without_any_role_gets_no_navigation_and_an_explanation(client, world):
    from tests import factories as f

    client.force_login(f.UserFactory(username="nobody"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["nav_items"] == []
    assert "no role in Headroom" in response.content.decode()
