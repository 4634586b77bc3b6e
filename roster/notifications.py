"""Telling people what happened: an in-app inbox, and one e-mail per notification.

A notification row is written in the transaction of the change it reports, so it
exists exactly when the change does. Its e-mail is sent by a Celery task queued only
after that transaction commits (a rolled-back change sends nothing), and the task
claims the row with a conditional update before sending, so a retried or duplicated
task sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import timezone

from . import queue
from .errors import NotAllowed
from .models import Access, Notification, Staff, Unit

log = logging.getLogger(__name__)


def notify(*, user: Any, text: str, link: str = "") -> Notification | None:
    """File a notification for ``user`` and queue its e-mail for after the commit.

    Call it inside the change's transaction. Nobody to tell (no login): nothing.
    """
    if user is None:
        return None
    note = Notification.objects.create(recipient=user, text=text[:300], link=link[:300])
    queue.after_commit(queue.NOTIFICATION_EMAIL, note.pk)
    return note


def notify_staff(staff: Staff, *, text: str, link: str = "") -> Notification | None:
    return notify(user=staff.user, text=text, link=link)


def managers_of(unit: Unit) -> QuerySet[Any]:
    """The logins that decide on a unit's requests: its unit managers, or — when it has
    none — the coordinators of its site."""
    users = get_user_model().objects.filter(is_active=True)
    managers = users.filter(access__level=Access.Level.UNIT_MANAGER, access__units=unit)
    if managers.exists():
        return managers.distinct()
    return users.filter(access__level=Access.Level.SITE_COORDINATOR, access__sites=unit.site_id).distinct()


def notify_managers(unit: Unit, *, text: str, link: str = "", exclude: Iterable[Any] = ()) -> int:
    skip = {u.pk for u in exclude if u is not None}
    sent = 0
    for user in managers_of(unit):
        if user.pk not in skip:
            notify(user=user, text=text, link=link)
            sent += 1
    return sent


# --- the inbox ----------------------------------------------------------------------

def inbox(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one's own notification read (reading twice keeps the first time)."""
    if notification.recipient_id != actor.pk:
        raise NotAllowed("This notification is someone else's.", field="notification")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_read_all(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- the e-mail ---------------------------------------------------------------------

def _address(user: Any) -> str:
    if getattr(user, "email", ""):
        return str(user.email)
    staff = Staff.objects.filter(user=user).only("email").first()
    return staff.email if staff is not None else ""


def notification_email_send(notification_id: int) -> str:
    """Send a notification's e-mail at most once; the body of the Celery task.

    The claim is a conditional update (``emailed_at`` from NULL to now) whose row count
    says whether this call won it: a retry, a duplicate message or a second worker finds
    it claimed and returns. If sending fails the claim is released so a retry can send.
    (A worker killed between the claim and the send loses that e-mail; the notification
    itself stays in the inbox. Sending twice is the worse failure for a staffing alert.)
    """
    note = Notification.objects.filter(pk=notification_id).select_related("recipient").first()
    if note is None:
        return "gone"
    address = _address(note.recipient)
    if not address:
        return "no address"
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=now)
    if not claimed:
        return "already sent"
    body = note.text
    if note.link:
        body += f"\n\n{getattr(settings, 'SITE_URL', '').rstrip('/')}{note.link}"
    try:
        send_mail(f"Headroom: {note.text[:80]}", body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        raise
    return "sent"
