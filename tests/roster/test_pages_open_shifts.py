"""The open-shift page: staff take what they may; managers offer and withdraw."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from roster.models import Assignment, Leave, OpenShift
from tests.roster.test_marketplace import post, published


def test_a_nurse_sees_an_open_shift_and_takes_it(client, world):
    shift = post(world, published(world))
    client.force_login(world.nurse.user)
    page = client.get(reverse("open-shift-list")).content.decode()
    assert 'data-testid="claim"' in page
    response = client.post(reverse("open-shift-claim", args=[shift.pk]), follow=True)
    assert "is yours" in response.content.decode()
    assert Assignment.objects.filter(staff=world.nurse, date=shift.date, live=True).exists()
    client.force_login(world.colleague.user)
    page = client.get(reverse("open-shift-list")).content.decode()
    assert "Taken" in page and 'data-testid="claim"' not in page


def test_a_nurse_who_may_not_take_it_is_told_why(client, world):
    shift = post(world, published(world))
    Leave.objects.create(staff=world.nurse, start_date=shift.date, end_date=shift.date,
                         status=Leave.Status.APPROVED)
    client.force_login(world.nurse.user)
    page = client.get(reverse("open-shift-list")).content.decode()
    assert 'data-testid="claim"' not in page and "You cannot take it" in page
    response = client.post(reverse("open-shift-claim", args=[shift.pk]), follow=True)
    assert "You cannot take this shift" in response.content.decode()
    assert not Assignment.objects.filter(staff=world.nurse, date=shift.date).exists()


def test_another_units_staff_do_not_see_it(client, world):
    shift = post(world, published(world))
    client.force_login(world.outsider.user)
    assert 'data-testid="open-shift"' not in client.get(reverse("open-shift-list")).content.decode()
    assert client.post(reverse("open-shift-claim", args=[shift.pk])).status_code == 404


def test_a_manager_offers_a_shift_and_withdraws_it(client, world):
    roster = published(world)
    client.force_login(world.manager)
    response = client.post(reverse("open-shift-list"), {
        "roster": roster.pk, "date": (roster.start_date + dt.timedelta(days=1)).isoformat(),
        "shift_type": world.night.pk, "note": "Sickness"})
    assert response.status_code == 302
    shift = OpenShift.objects.get()
    assert shift.posted_by == world.manager and shift.note == "Sickness"
    client.post(reverse("open-shift-withdraw", args=[shift.pk]))
    shift.refresh_from_db()
    assert shift.status == OpenShift.Status.WITHDRAWN


def test_a_bad_offer_names_the_field(client, world):
    roster = published(world)
    client.force_login(world.manager)
    response = client.post(reverse("open-shift-list"), {
        "roster": roster.pk, "date": (roster.end_date + dt.timedelta(days=5)).isoformat(),
        "shift_type": world.day.pk})
    assert response.status_code == 400
    assert "outside the roster" in response.content.decode()
    assert not OpenShift.objects.exists()


def test_staff_cannot_offer_or_withdraw(client, world):
    roster = published(world)
    shift = post(world, roster)
    client.force_login(world.nurse.user)
    assert client.post(reverse("open-shift-list"), {"roster": roster.pk}).status_code == 403
    assert client.post(reverse("open-shift-withdraw", args=[shift.pk])).status_code == 403
    shift.refresh_from_db()
    assert shift.status == OpenShift.Status.OPEN
