"""Certification expiry: which certifications lapse soon, and telling the managers once."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse

from .models import Certification, CertificationAlert
from .notifications import notify_managers

EXPIRY_WARNING_DAYS = 30


def expiring_certifications(*, today: dt.date, within_days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Certification]:
    """Certifications that expire between today and ``within_days`` from now."""
    return Certification.objects.filter(
        expires__gte=today, expires__lte=today + dt.timedelta(days=within_days)
    ).select_related("staff__home_unit", "type")


def certification_expiry_alert(*, today: dt.date) -> int:
    """Flag each certification expiring within 30 days to its unit's managers (or, when
    it has none, its site's coordinators), once, through the inbox like every other
    notification (each message also goes by e-mail after the commit).

    Idempotent: the alert row is claimed first (a unique constraint settles a race
    between two workers) in the same transaction as the messages, so a retried run
    tells nobody twice. Returns the number of newly flagged certifications.
    """
    flagged = 0
    for cert in expiring_certifications(today=today).filter(alert__isnull=True):
        try:
            with transaction.atomic():
                CertificationAlert.objects.create(certification=cert)
                notify_managers(
                    cert.staff.home_unit,
                    text=f"Certification expiring: {cert.staff}'s {cert.type.name} ({cert.number}) "
                         f"expires on {cert.expires:%d %b %Y}.",
                    link=reverse("staff-detail", args=[cert.staff_id]),
                )
        except IntegrityError:
            continue  # another worker flagged it first
        flagged += 1
    return flagged
