"""Certification expiry: which certifications lapse soon, and telling the managers once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from .models import Access, Certification, CertificationAlert

EXPIRY_WARNING_DAYS = 30


def expiring_certifications(*, today: dt.date, within_days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Certification]:
    """Certifications that expire between today and ``within_days`` from now."""
    return Certification.objects.filter(
        expires__gte=today, expires__lte=today + dt.timedelta(days=within_days)
    ).select_related("staff__home_unit", "type")


def _managers_by_unit() -> dict[int, list[str]]:
    emails: dict[int, list[str]] = defaultdict(list)
    for access in Access.objects.filter(level=Access.Level.UNIT_MANAGER).select_related("user").prefetch_related("units"):
        if access.user.email:
            for unit in access.units.all():
                emails[unit.pk].append(access.user.email)
    return emails


def certification_expiry_alert(*, today: dt.date) -> int:
    """Flag each certification expiring within 30 days to its unit's managers, once.

    Idempotent: the alert row is claimed first (a unique constraint settles a race
    between two workers), and the e-mails are sent only after the claim commits, so a
    retried run sends nothing twice. Returns the number of newly flagged certifications.
    """
    managers = _managers_by_unit()
    flagged = 0
    for cert in expiring_certifications(today=today).filter(alert__isnull=True):
        try:
            with transaction.atomic():
                CertificationAlert.objects.create(certification=cert)
                recipients = managers.get(cert.staff.home_unit_id, [])
                if recipients:
                    transaction.on_commit(
                        partial(
                            send_mail,
                            f"Certification expiring: {cert.staff} — {cert.type.name}",
                            f"{cert.staff}'s {cert.type.name} ({cert.number}) expires on {cert.expires:%d %b %Y}.",
                            settings.DEFAULT_FROM_EMAIL,
                            recipients,
                        )
                    )
        except IntegrityError:
            continue  # another worker flagged it first
        flagged += 1
    return flagged
