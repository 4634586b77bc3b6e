"""Cross-training: the units of the home site a person is trained for, beyond their own.
Kept by their managers (API and admin), it lets them be placed there by every path (the
rulebook's one "may work in this unit"); it never names a unit of another site, and it
cannot be taken away while shifts there are still to come."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roster.models import Roster
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward_roster(world):
    start = timezone.localdate() + dt.timedelta(days=7)
    return Roster.objects.create(unit=world.ward, start_date=start, end_date=start + dt.timedelta(days=27),
                                 status=Roster.Status.PUBLISHED)


def _place(world, roster, person):
    return world.client_for(world.admin).post("/api/assignments/", {
        "roster": roster.pk, "staff": person.pk, "shift_type": world.day.pk,
        "date": (roster.start_date + dt.timedelta(days=1)).isoformat()}, format="json")


def test_a_nurse_cross_trained_for_a_unit_of_her_site_can_be_placed_there_and_only_then(world, ward_roster):
    admin = world.client_for(world.admin)
    refused = _place(world, ward_roster, world.colleague)
    assert refused.status_code in (400, 409), refused.content
    assert "neither in the float pool nor cross-trained for North Ward 5" in refused.content.decode()

    response = admin.patch(f"/api/staff/{world.colleague.pk}/", {"cross_trained_units": [world.ward.pk]},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["cross_trained_units"] == [world.ward.pk]
    assert _place(world, ward_roster, world.colleague).status_code == 201


def test_cross_training_names_units_of_the_home_site_only(world):
    response = world.client_for(world.admin).patch(
        f"/api/staff/{world.colleague.pk}/", {"cross_trained_units": [world.ed.pk]}, format="json")
    assert response.status_code == 400
    assert "South ED is not at" in str(response.json()["cross_trained_units"])
    assert not world.colleague.cross_trained_units.exists()


def test_cross_training_is_not_taken_away_while_shifts_there_are_still_to_come(world, ward_roster):
    admin = world.client_for(world.admin)
    admin.patch(f"/api/staff/{world.colleague.pk}/", {"cross_trained_units": [world.ward.pk]}, format="json")
    assert _place(world, ward_roster, world.colleague).status_code == 201
    response = admin.patch(f"/api/staff/{world.colleague.pk}/", {"cross_trained_units": []}, format="json")
    assert response.status_code == 400
    assert "still has 1 shift from today on in North Ward 5" in str(response.json()["cross_trained_units"])
    assert list(world.colleague.cross_trained_units.values_list("pk", flat=True)) == [world.ward.pk]


def test_the_admin_refuses_cross_training_at_another_site(world, client):
    person = f.StaffFactory(home_unit=world.icu)
    client.force_login(world.admin)
    page = client.get(f"/admin/roster/staff/{person.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("skills", "cross_trained_units")}
    data.update({"home_unit": world.icu.pk, "cross_trained_units": [world.ed.pk], "user": "",
                 "contract": "", "certifications-TOTAL_FORMS": 0, "certifications-INITIAL_FORMS": 0})
    response = client.post(f"/admin/roster/staff/{person.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "cross-training names other units of the home site" in response.content.decode()
    assert not person.cross_trained_units.exists()


def test_the_persons_page_lists_the_units_they_are_cross_trained_for(world, client):
    world.colleague.cross_trained_units.add(world.ward)
    client.force_login(world.manager)
    page = client.get(f"/staff/{world.colleague.pk}/").content.decode()
    assert "Cross-trained for" in page and "North Ward 5" in page
