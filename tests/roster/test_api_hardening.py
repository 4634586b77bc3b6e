"""What a probe of the API found: logins attached by the wrong person, staff of other
hospitals within reach, and input no person would type, each refused by name."""

from __future__ import annotations

import datetime as dt

import pytest

from roster import placement
from roster.models import Roster, ShiftType, Staff, Unit
from tests import factories as f


@pytest.fixture
def roster(world):
    return Roster.objects.create(unit=world.icu, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 28),
                                 status=Roster.Status.PUBLISHED)


def test_a_manager_cannot_attach_a_login_to_a_staff_record(world):
    api = world.client_for(world.manager)
    response = api.patch(f"/api/staff/{world.colleague.pk}/", {"user": world.admin.pk}, format="json")
    assert response.status_code == 400
    assert "administrator" in response.json()["user"][0]
    world.colleague.refresh_from_db()
    assert world.colleague.user.username == "colleague"


def test_a_manager_cannot_detach_a_nurses_login(world):
    response = world.client_for(world.manager).patch(f"/api/staff/{world.nurse.pk}/", {"user": None},
                                                     format="json")
    assert response.status_code == 400
    world.nurse.refresh_from_db()
    assert world.nurse.user is not None


def test_the_administrator_may_link_a_login_to_a_staff_record(world):
    login = f.UserFactory(username="new-login")
    response = world.client_for(world.admin).patch(f"/api/staff/{world.colleague.pk}/", {"user": login.pk},
                                                   format="json")
    assert response.status_code == 200, response.content
    world.colleague.refresh_from_db()
    assert world.colleague.user == login


def test_another_hospitals_float_nurse_cannot_be_rostered_and_is_not_revealed(world, roster):
    far = f.StaffFactory(home_unit=world.ed, float_pool=True, first_name="Faraway", last_name="Floater")
    response = world.client_for(world.manager).post("/api/assignments/", {
        "roster": roster.pk, "staff": far.pk, "shift_type": world.day.pk, "date": "2027-03-02"}, format="json")
    assert response.status_code == 400
    assert "staff" in response.json()
    assert "Faraway" not in response.content.decode() and "South" not in response.content.decode()
    assert not far.assignments.exists()


def test_a_float_nurse_of_the_same_site_can_be_rostered(world, roster):
    floater = f.StaffFactory(home_unit=world.ward, float_pool=True)
    response = world.client_for(world.manager).post("/api/assignments/", {
        "roster": roster.pk, "staff": floater.pk, "shift_type": world.day.pk, "date": "2027-03-02"}, format="json")
    assert response.status_code == 201, response.content


def test_the_set_and_the_single_unit_filters_agree_with_the_predicate(world):
    f.StaffFactory(home_unit=world.ward, float_pool=True)
    f.StaffFactory(home_unit=world.ed, float_pool=True)
    f.StaffFactory(home_unit=world.ward).cross_trained_units.add(world.icu)
    f.StaffFactory(home_unit=world.ed).cross_trained_units.add(world.icu)  # another site: no
    everyone = list(Staff.objects.select_related("home_unit"))
    for units in (Unit.objects.filter(pk=world.icu.pk), Unit.objects.filter(site=world.north), Unit.objects.all()):
        listed = set(Staff.objects.filter(placement.who_may_work_in_any(units)).values_list("pk", flat=True))
        assert listed == {p.pk for p in everyone if any(placement.may_work_in(p, u) for u in units)}


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("/api/certifications/", {"issued": "1899-01-01"}, "issued"),
    ("/api/certifications/", {"issued": "2026-01-01", "expires": "2199-01-01"}, "expires"),
    ("/api/units/", {"acuity_mix": ["not", "a", "mix"]}, "acuity_mix"),
    ("/api/units/", {"acuity_mix": {"high": 3}}, "acuity_mix"),
    ("/api/units/", {"acuity_mix": {"high": 0.7, "low": 0.6}}, "acuity_mix"),
    ("/api/shift-types/", {"colour": "red;background:url(x)"}, "colour"),
    ("/api/leave/", {"reason": "x" * 100_000}, "reason"),
])
def test_input_no_person_would_type_is_refused_naming_the_field(world, path, payload, field):
    base = {
        "/api/certifications/": {"staff": world.nurse.pk, "type": f.CertificationTypeFactory(code="acls").pk,
                                 "number": "N1", "issued": "2026-01-01"},
        "/api/units/": {"site": world.north.pk, "name": "New ward", "code": "nw", "kind": "medsurg", "beds": 10},
        "/api/shift-types/": {"site": world.north.pk, "code": "L", "name": "Late", "start_time": "13:00",
                              "duration_minutes": 480},
        "/api/leave/": {"staff": world.nurse.pk, "kind": "annual", "start_date": "2027-03-02",
                        "end_date": "2027-03-03"},
    }[path]
    before = {model: model.objects.count() for model in (Unit, ShiftType)}
    response = world.client_for(world.admin).post(path, {**base, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert before == {model: model.objects.count() for model in (Unit, ShiftType)}


@pytest.mark.parametrize("query", ["is_night=maybe", "ordering=password"])
def test_a_filter_value_the_list_cannot_use_is_a_400_naming_the_parameter(world, query):
    response = world.client_for(world.manager).get(f"/api/shift-types/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_a_good_filter_value_still_filters(world):
    response = world.client_for(world.manager).get("/api/shift-types/?is_night=true")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["N"]
