"""The certifications list: managers and up, scoped, filtered, expiring rows flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f


def login(client, world, who):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))


def numbers(response) -> set[str]:
    return {c.number for c in response.context["page"].object_list}


@pytest.fixture
def certs(world):
    """Nurse: one expired, one expiring in 10 days, one valid for a year. Outsider: one
    expiring in 5 days (another site). Colleague: one that never expires."""
    today = timezone.localdate()
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    bls = f.CertificationTypeFactory(code="bls", name="BLS")
    pals = f.CertificationTypeFactory(code="pals", name="PALS")

    def cert(staff, type_, number, expires):
        return f.CertificationFactory(
            staff=staff, type=type_, number=number, issued=today - dt.timedelta(days=700), expires=expires
        )

    return {
        "expired": cert(world.nurse, acls, "EXPIRED-1", today - dt.timedelta(days=3)),
        "soon": cert(world.nurse, bls, "SOON-1", today + dt.timedelta(days=10)),
        "later": cert(world.nurse, pals, "LATER-1", today + dt.timedelta(days=365)),
        "lifelong": cert(world.colleague, pals, "LIFE-1", None),
        "ed_soon": cert(world.outsider, bls, "ED-SOON-1", today + dt.timedelta(days=5)),
    }


@pytest.mark.parametrize("who", ["nurse", "colleague", "outsider"])
def test_staff_may_not_open_the_certifications_list(client, world, certs, who):
    login(client, world, who)
    response = client.get(reverse("certification-list"))
    assert response.status_code == 403
    assert "ED-SOON-1" not in response.content.decode()


@pytest.mark.parametrize(
    "who,expected",
    [
        ("admin", {"EXPIRED-1", "SOON-1", "LATER-1", "LIFE-1", "ED-SOON-1"}),
        ("regional", {"EXPIRED-1", "SOON-1", "LATER-1", "LIFE-1", "ED-SOON-1"}),
        ("coordinator", {"EXPIRED-1", "SOON-1", "LATER-1", "LIFE-1"}),
        ("manager", {"EXPIRED-1", "SOON-1", "LATER-1", "LIFE-1"}),
    ],
)
def test_managers_see_the_certifications_of_the_people_they_manage(client, world, certs, who, expected):
    login(client, world, who)
    response = client.get(reverse("certification-list"))
    assert response.status_code == 200
    assert numbers(response) == expected


def test_a_manager_of_another_unit_sees_none_of_the_icus(client, world, certs):
    ward_manager = f.UserFactory(username="ward-manager")
    f.grant(ward_manager, "unit_manager", units=[world.ward])
    client.force_login(ward_manager)
    assert numbers(client.get(reverse("certification-list"))) == set()


def test_soonest_expiry_comes_first_and_undated_last(client, world, certs):
    login(client, world, "manager")
    response = client.get(reverse("certification-list"))
    assert [c.number for c in response.context["page"].object_list] == ["EXPIRED-1", "SOON-1", "LATER-1", "LIFE-1"]


def test_expired_and_expiring_rows_are_flagged(client, world, certs):
    login(client, world, "manager")
    html = client.get(reverse("certification-list")).content.decode()
    assert html.count('class="row--expired" data-state="expired"') == 1
    assert html.count('class="row--expiring" data-state="expiring"') == 1
    assert html.count('data-state="valid"') == 2  # the row and its badge
    assert "Expired 3 days ago" in html
    assert "Expires in 10 days" in html
    assert "No expiry" in html


def test_filtering_expiring_within_n_days_includes_what_has_lapsed(client, world, certs):
    login(client, world, "regional")
    assert numbers(client.get(reverse("certification-list"), {"within": 7})) == {"EXPIRED-1", "ED-SOON-1"}
    assert numbers(client.get(reverse("certification-list"), {"within": 30})) == {"EXPIRED-1", "SOON-1", "ED-SOON-1"}
    assert numbers(client.get(reverse("certification-list"), {"within": 0})) == {"EXPIRED-1"}


def test_filtering_by_unit(client, world, certs):
    login(client, world, "admin")
    assert numbers(client.get(reverse("certification-list"), {"unit": world.ed.pk})) == {"ED-SOON-1"}
    assert numbers(client.get(reverse("certification-list"), {"unit": world.ward.pk})) == set()


@pytest.mark.parametrize("params,field", [({"unit": "ed"}, "Unit"), ({"within": "-1"}, "Expiring within (days)")])
def test_bad_filters_are_refused_naming_the_field(client, world, certs, params, field):
    login(client, world, "manager")
    if params.get("unit") == "ed":
        params = {"unit": world.ed.pk}
    response = client.get(reverse("certification-list"), params)
    assert response.status_code == 400
    assert f"<strong>{field}:</strong>" in response.content.decode()
    assert numbers(response) == set()


def test_an_htmx_request_gets_only_the_table(client, world, certs):
    login(client, world, "manager")
    response = client.get(reverse("certification-list"), {"within": 30}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="certification-table"')
    assert "<html" not in html and "<form" not in html
    assert "SOON-1" in html and "LATER-1" not in html


def test_the_certifications_list_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(30):
        f.CertificationFactory(staff=f.StaffFactory(home_unit=world.icu))
    login(client, world, "coordinator")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("certification-list"))
    assert len(response.context["page"].object_list) == 30


def test_a_certificate_issued_after_today_is_shown_as_not_valid_yet(client, world):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    f.CertificationFactory(staff=world.nurse, number="RENEWED-1", issued=today + dt.timedelta(days=30),
                           expires=today + dt.timedelta(days=400))
    login(client, world, "manager")
    html = client.get(reverse("certification-list")).content.decode()
    assert 'data-state="pending"' in html
    assert f"Valid from {(today + dt.timedelta(days=30)):%-d %b %Y}" in html


def test_every_demo_certificate_was_issued_by_today(db):
    from django.utils import timezone

    from roster.demo import build_demo
    from roster.models import Certification

    build_demo()
    assert Certification.objects.exists()
    assert not Certification.objects.filter(issued__gt=timezone.localdate()).exists()
