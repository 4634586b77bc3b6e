"""Notifications: an inbox row in the change's transaction, one e-mail after the commit,
never two — whatever retries or duplicate messages happen."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from roster import marketplace, notifications
from roster.certifications import certification_expiry_alert
from roster.models import Notification
from roster.tasks import notification_email
from tests import factories as f
from tests.roster.test_marketplace import post, published


def queued_ids(callbacks) -> list[int]:
    """The notifications whose e-mail task the commit callbacks queue."""
    assert all(cb.args[0] == notification_email.name for cb in callbacks)
    return [cb.keywords["args"][0] for cb in callbacks]


def test_the_e_mail_is_queued_for_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notifications.notify(user=world.nurse.user, text="Your swap was approved", link="/")
    assert note is not None and queued_ids(callbacks) == [note.pk]
    assert mail.outbox == []  # nothing is sent inside the transaction
    assert notification_email.apply(args=[note.pk]).get() == "sent"
    assert [m.to for m in mail.outbox] == [[world.nurse.user.email]]  # the login's address first
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_a_rolled_back_change_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                notifications.notify(user=world.nurse.user, text="never happened")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_a_retried_task_sends_nothing_twice(world):
    note = Notification.objects.create(recipient=world.nurse.user, text="Shift offered to you")
    assert notification_email.apply(args=[note.pk]).get() == "sent"
    assert notification_email.apply(args=[note.pk]).get() == "already sent"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_released_for_the_retry(world, monkeypatch):
    note = Notification.objects.create(recipient=world.nurse.user, text="Shift offered to you")

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with pytest.raises(OSError):
        notifications.notification_email_send(note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None
    monkeypatch.undo()
    assert notifications.notification_email_send(note.pk) == "sent"
    assert len(mail.outbox) == 1


def test_claiming_an_open_shift_tells_the_manager(world, django_capture_on_commit_callbacks):
    shift = post(world, published(world))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        marketplace.open_shift_claim(actor=world.nurse.user, open_shift=shift)
    [note] = Notification.objects.filter(recipient=world.manager)
    assert "Nia Nurse took the open D shift" in note.text
    assert queued_ids(callbacks) == [note.pk]


def test_the_inbox_and_its_badge(client, world):
    notifications.notify(user=world.nurse.user, text="First")
    notifications.notify(user=world.nurse.user, text="Second")
    notifications.notify(user=world.colleague.user, text="Not yours")
    client.force_login(world.nurse.user)
    page = client.get(reverse("inbox")).content.decode()
    assert "First" in page and "Second" in page and "Not yours" not in page
    badge = client.get(reverse("inbox-badge")).content.decode()
    assert 'data-unread="2"' in badge and 'hx-trigger="every 30s"' in badge
    first = Notification.objects.get(text="First")
    client.post(reverse("inbox-read", args=[first.pk]))
    assert 'data-unread="1"' in client.get(reverse("inbox-badge")).content.decode()
    other = Notification.objects.get(text="Not yours")
    assert client.post(reverse("inbox-read", args=[other.pk])).status_code == 404
    client.post(reverse("inbox-read-all"))
    assert 'data-unread="0"' in client.get(reverse("inbox-badge")).content.decode()


def test_the_api_shows_only_ones_own(world):
    notifications.notify(user=world.nurse.user, text="Mine")
    theirs = notifications.notify(user=world.colleague.user, text="Theirs")
    api = APIClient()
    api.force_authenticate(world.nurse.user)
    assert [n["text"] for n in api.get("/api/notifications/").json()["results"]] == ["Mine"]
    assert api.get("/api/notifications/unread/").json() == {"unread": 1}
    assert theirs is not None
    assert api.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post("/api/notifications/read-all/").json() == {"marked": 1}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_notification_once_even_if_queued_twice(world, celery_worker_process):
    note = Notification.objects.create(recipient=world.nurse.user, text="Through the worker")
    first = notification_email.delay(note.pk)
    second = notification_email.delay(note.pk)
    results = sorted([first.get(timeout=60), second.get(timeout=60)])
    assert results == ["already sent", "sent"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        note.refresh_from_db()
        if note.emailed_at is not None:
            break
        time.sleep(0.1)
    assert note.emailed_at is not None


def test_a_certification_about_to_lapse_reaches_the_managers_inbox_once(world):
    today = dt.date(2026, 3, 1)
    f.CertificationFactory(staff=world.nurse, issued=dt.date(2024, 3, 1), expires=today + dt.timedelta(days=10))
    assert certification_expiry_alert(today=today) == 1
    assert certification_expiry_alert(today=today) == 0
    [note] = Notification.objects.filter(recipient=world.manager)
    assert "Certification expiring" in note.text and str(world.nurse) in note.text


def test_a_unit_without_a_manager_has_its_certification_alerts_sent_to_the_site_coordinators(world):
    today = dt.date(2026, 3, 1)
    ward_nurse = f.StaffFactory(home_unit=world.ward)
    f.CertificationFactory(staff=ward_nurse, issued=dt.date(2024, 3, 1), expires=today + dt.timedelta(days=5))
    certification_expiry_alert(today=today)
    assert Notification.objects.filter(recipient=world.coordinator, text__contains=str(ward_nurse)).count() == 1
