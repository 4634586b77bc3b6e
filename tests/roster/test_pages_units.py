"""The units list and a unit's page: scoped by role, 404 outside one's scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from roster.models import FatigueRules, RatioRule, SkillMixRule
from tests import factories as f


def login(client, world, who):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))


def unit_names(response) -> set[str]:
    return {unit.name for unit in response.context["units"]}


@pytest.mark.parametrize(
    "who,expected",
    [
        ("admin", {"North ICU", "North Ward 5", "South ED"}),
        ("regional", {"North ICU", "North Ward 5", "South ED"}),
        ("coordinator", {"North ICU", "North Ward 5"}),
        ("manager", {"North ICU"}),
        ("nurse", {"North ICU"}),
        ("outsider", {"South ED"}),
    ],
)
def test_the_unit_list_shows_each_role_its_own_units(client, world, who, expected):
    login(client, world, who)
    response = client.get(reverse("unit-list"))
    assert response.status_code == 200
    assert unit_names(response) == expected


def test_the_unit_list_counts_active_staff(client, world):
    f.StaffFactory(home_unit=world.icu, active=False)
    login(client, world, "manager")
    (icu,) = client.get(reverse("unit-list")).context["units"]
    assert icu.staff_count == 2


def test_the_unit_list_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for i in range(15):
        unit = f.UnitFactory(site=world.north if i % 2 else world.south)
        f.StaffFactory.create_batch(2, home_unit=unit)
    login(client, world, "admin")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("unit-list"))
    assert len(response.context["units"]) == 18


@pytest.mark.parametrize(
    "who,unit,status",
    [
        ("admin", "icu", 200), ("admin", "ed", 200),
        ("regional", "icu", 200), ("regional", "ed", 200),
        ("coordinator", "icu", 200), ("coordinator", "ward", 200), ("coordinator", "ed", 404),
        ("manager", "icu", 200), ("manager", "ward", 404), ("manager", "ed", 404),
        ("nurse", "icu", 200), ("nurse", "ward", 404), ("nurse", "ed", 404),
        ("colleague", "icu", 200),
        ("outsider", "ed", 200), ("outsider", "icu", 404),
    ],
)
def test_a_unit_page_opens_within_scope_and_is_404_outside(client, world, who, unit, status):
    login(client, world, who)
    response = client.get(reverse("unit-detail", args=[getattr(world, unit).pk]))
    assert response.status_code == status


def test_a_missing_unit_is_404(client, world):
    login(client, world, "admin")
    assert client.get(reverse("unit-detail", args=[999_999])).status_code == 404


def test_the_unit_page_shows_its_facts_staff_and_rules(client, world):
    charge = f.SkillFactory(code="charge", name="Charge nurse")
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=Decimal("2"))
    SkillMixRule.objects.create(unit=world.icu, skill=charge, minimum=1)
    SkillMixRule.objects.create(unit=world.icu, certification_type=acls, minimum=1)
    login(client, world, "nurse")
    response = client.get(reverse("unit-detail", args=[world.icu.pk]))
    html = response.content.decode()
    assert "North General" in html and "Intensive care" in html
    assert "Nia Nurse" in html and "Cal Colleague" in html and "Oona Outsider" not in html
    assert "1 : 2 patients" in html
    assert "at least 1 Charge nurse holder" in html and "at least 1 ACLS holder" in html
    # Defaults from the field guidance when no rules are stored.
    assert response.context["fatigue"].source.startswith("Network defaults")
    assert "12 h" in html and "60 h" in html


def test_a_unit_uses_its_own_fatigue_rules_over_the_sites(client, world):
    FatigueRules.objects.create(site=world.north, min_rest_minutes=660)
    login(client, world, "manager")
    fatigue = client.get(reverse("unit-detail", args=[world.icu.pk])).context["fatigue"]
    assert fatigue.source == "North General site rules"
    assert fatigue.limits.min_rest_minutes == 660
    FatigueRules.objects.create(site=world.north, unit=world.icu, min_rest_minutes=720, max_consecutive_nights=3)
    fatigue = client.get(reverse("unit-detail", args=[world.icu.pk])).context["fatigue"]
    assert fatigue.source == "This unit's own rules"
    assert (fatigue.limits.min_rest_minutes, fatigue.limits.max_consecutive_nights) == (720, 3)


def test_the_unit_page_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    skills = [f.SkillFactory(code=f"s{i}") for i in range(3)]
    for _ in range(20):
        f.StaffFactory(home_unit=world.icu).skills.set(skills)
    login(client, world, "manager")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("unit-detail", args=[world.icu.pk]))
    assert response.status_code == 200
