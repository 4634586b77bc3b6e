"""The staff list (filters, htmx partial, pagination) and a person's page (private details)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from roster.models import Leave, Staff
from roster.requests import leave_request
from tests import factories as f


def login(client, world, who):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))


def names(response) -> set[str]:
    return {p.full_name for p in response.context["page"].object_list}


# --- the list ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "who,expected",
    [
        ("admin", {"Nia Nurse", "Cal Colleague", "Oona Outsider"}),
        ("regional", {"Nia Nurse", "Cal Colleague", "Oona Outsider"}),
        ("coordinator", {"Nia Nurse", "Cal Colleague"}),
        ("manager", {"Nia Nurse", "Cal Colleague"}),
        ("nurse", {"Nia Nurse", "Cal Colleague"}),
        ("outsider", {"Oona Outsider"}),
    ],
)
def test_the_staff_list_shows_each_role_only_the_people_in_scope(client, world, who, expected):
    login(client, world, who)
    response = client.get(reverse("staff-list"))
    assert response.status_code == 200
    assert names(response) == expected


def test_the_list_never_shows_contact_details(client, world):
    login(client, world, "manager")
    html = client.get(reverse("staff-list")).content.decode()
    assert world.nurse.email not in html and world.nurse.phone not in html


def test_filtering_by_unit(client, world):
    f.StaffFactory(home_unit=world.ward, first_name="Wes", last_name="Ward")
    login(client, world, "coordinator")
    assert names(client.get(reverse("staff-list"), {"unit": world.ward.pk})) == {"Wes Ward"}
    assert names(client.get(reverse("staff-list"), {"unit": world.icu.pk})) == {"Nia Nurse", "Cal Colleague"}


def test_filtering_by_role_and_float_pool(client, world):
    f.StaffFactory(home_unit=world.icu, first_name="Hal", last_name="Helper", role=Staff.Role.HCA)
    f.StaffFactory(home_unit=world.icu, first_name="Flo", last_name="Floater", float_pool=True)
    login(client, world, "manager")
    assert names(client.get(reverse("staff-list"), {"role": "HCA"})) == {"Hal Helper"}
    assert names(client.get(reverse("staff-list"), {"float_pool": "yes"})) == {"Flo Floater"}
    assert "Flo Floater" not in names(client.get(reverse("staff-list"), {"float_pool": "no"}))


def test_searching_by_name_matches_every_word(client, world):
    login(client, world, "manager")
    assert names(client.get(reverse("staff-list"), {"q": "nia"})) == {"Nia Nurse"}
    assert names(client.get(reverse("staff-list"), {"q": "cal coll"})) == {"Cal Colleague"}
    assert names(client.get(reverse("staff-list"), {"q": "nia colleague"})) == set()


def test_a_unit_outside_ones_scope_is_refused_naming_the_field(client, world):
    login(client, world, "manager")
    response = client.get(reverse("staff-list"), {"unit": world.ed.pk})
    assert response.status_code == 400
    assert names(response) == set()
    assert "<strong>Unit:</strong>" in response.content.decode()


def test_a_bad_role_is_refused_naming_the_field(client, world):
    login(client, world, "manager")
    response = client.get(reverse("staff-list"), {"role": "SURGEON"})
    assert response.status_code == 400
    assert "<strong>Role:</strong>" in response.content.decode()


def test_the_unit_filter_offers_only_units_in_scope(client, world):
    login(client, world, "manager")
    form = client.get(reverse("staff-list")).context["form"]
    assert list(form.fields["unit"].queryset) == [world.icu]


def test_an_htmx_request_gets_only_the_table(client, world):
    login(client, world, "manager")
    response = client.get(reverse("staff-list"), {"q": "nia"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="staff-table"')
    assert "<html" not in html and "<form" not in html and "site-nav" not in html
    assert "Nia Nurse" in html and "Cal Colleague" not in html
    assert "HX-Request" in response["Vary"]


def test_a_plain_request_gets_the_whole_page_with_the_filter_form(client, world):
    login(client, world, "manager")
    html = client.get(reverse("staff-list")).content.decode()
    assert "<html" in html and 'id="staff-table"' in html
    assert f'<form class="filters" method="get" action="{reverse("staff-list")}"' in html
    assert 'hx-get="/staff/"' in html and 'hx-target="#staff-table"' in html


def test_an_htmx_history_restore_gets_the_whole_page(client, world):
    login(client, world, "manager")
    response = client.get(
        reverse("staff-list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_the_list_is_paginated_and_the_links_keep_the_filters(client, world):
    f.StaffFactory.create_batch(30, home_unit=world.icu, role=Staff.Role.HCA)
    login(client, world, "manager")
    first = client.get(reverse("staff-list"), {"role": "HCA"})
    assert len(first.context["page"].object_list) == 25
    html = first.content.decode()
    assert 'href="?role=HCA&amp;page=2"' in html
    assert 'hx-get="?role=HCA&amp;page=2"' in html
    second = client.get(reverse("staff-list"), {"role": "HCA", "page": 2}, headers={"HX-Request": "true"})
    assert len(second.context["page"].object_list) == 5
    assert "<html" not in second.content.decode()


def test_the_staff_list_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    skills = [f.SkillFactory(code=f"s{i}") for i in range(3)]
    for _ in range(40):
        f.StaffFactory(home_unit=world.icu).skills.set(skills)
    login(client, world, "coordinator")
    with django_assert_max_num_queries(11):
        response = client.get(reverse("staff-list"))
    assert len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(11):
        client.get(reverse("staff-list"), {"unit": world.icu.pk, "q": "a"}, headers={"HX-Request": "true"})


# --- a person's page ----------------------------------------------------------------

@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200), ("regional", 200), ("coordinator", 200), ("manager", 200),
        ("nurse", 200), ("colleague", 200), ("outsider", 404),
    ],
)
def test_a_persons_page_opens_within_scope_and_is_404_outside(client, world, who, status):
    login(client, world, who)
    assert client.get(reverse("staff-detail", args=[world.nurse.pk])).status_code == status


@pytest.mark.parametrize("who", ["manager", "nurse", "colleague"])
def test_someone_in_another_site_is_404(client, world, who):
    login(client, world, who)
    assert client.get(reverse("staff-detail", args=[world.outsider.pk])).status_code == 404


def test_a_coordinator_cannot_open_someone_at_another_site(client, world):
    login(client, world, "coordinator")
    assert client.get(reverse("staff-detail", args=[world.outsider.pk])).status_code == 404


def test_a_persons_page_shows_their_work_details_and_certifications(client, world):
    world.nurse.skills.add(f.SkillFactory(code="charge", name="Charge nurse"))
    f.CertificationFactory(staff=world.nurse, type=f.CertificationTypeFactory(code="acls", name="ACLS"), number="ACLS-77")
    login(client, world, "colleague")
    html = client.get(reverse("staff-detail", args=[world.nurse.pk])).content.decode()
    assert "Registered nurse" in html and "North ICU" in html and "Charge nurse" in html
    assert "ACLS" in html
    assert "1.00" in html  # FTE


@pytest.fixture
def private_leave(world):
    return leave_request(
        actor=world.nurse.user, staff=world.nurse, kind=Leave.Kind.SICK,
        start_date=f.LeaveFactory.start_date, end_date=f.LeaveFactory.end_date, reason="Hospital appointment",
    )


@pytest.mark.parametrize("who", ["nurse", "manager", "coordinator", "regional", "admin"])
def test_contact_details_and_leave_reasons_are_shown_to_the_person_and_their_managers(client, world, private_leave, who):
    login(client, world, who)
    response = client.get(reverse("staff-detail", args=[world.nurse.pk]))
    html = response.content.decode()
    assert response.context["private"] is True
    assert world.nurse.email in html and world.nurse.phone in html
    assert "Hospital appointment" in html and "Sick leave" in html
    assert world.nurse.employee_number in html


def test_a_colleague_sees_neither_contact_details_nor_leave(client, world, private_leave):
    f.CertificationFactory(staff=world.nurse, number="SECRET-NO-1")
    login(client, world, "colleague")
    response = client.get(reverse("staff-detail", args=[world.nurse.pk]))
    html = response.content.decode()
    assert response.context["private"] is False
    assert response.context["leave"] is None
    assert world.nurse.email not in html and world.nurse.phone not in html
    assert "Hospital appointment" not in html and "Sick leave" not in html
    assert world.nurse.employee_number not in html and "SECRET-NO-1" not in html
    assert "visible only to Nia and their managers" in html


def test_a_persons_page_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(10):
        f.CertificationFactory(staff=world.nurse)
        f.LeaveFactory(staff=world.nurse, start_date=f.LeaveFactory.start_date, end_date=f.LeaveFactory.end_date)
    login(client, world, "manager")
    with django_assert_max_num_queries(15):
        assert client.get(reverse("staff-detail", args=[world.nurse.pk])).status_code == 200
