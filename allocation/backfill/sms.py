"""Text messages for offers: an interface, and a local implementation that writes each
message to a log (``headroom.sms``), ready for a real gateway.

The class is chosen by the ``BACKFILL_SMS_BACKEND`` setting (a dotted path; the log one
by default). A gateway implements ``send(to, text)``; a failure to send is logged and
never undoes the offer (the inbox and the e-mail carry it too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("headroom.sms")
DEFAULT_BACKEND = "allocation.backfill.sms.LogSms"


class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> None: ...


class LogSms:
    """Writes each message to the ``headroom.sms`` log instead of sending it."""

    sent: list[tuple[str, str]] = []  # the last messages, for a look in a shell or a test

    def send(self, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)
        LogSms.sent = [*LogSms.sent[-99:], (to, text)]


def gateway() -> SmsGateway:
    backend: SmsGateway = import_string(getattr(settings, "BACKFILL_SMS_BACKEND", DEFAULT_BACKEND))()
    return backend


def send_many(numbers: Iterable[str], text: str) -> int:
    sender, sent = gateway(), 0
    for number in numbers:
        try:
            sender.send(number, text[:320])
            sent += 1
        except Exception:  # a gateway's failure must not undo the offer
            log.exception("SMS to %s failed", number)
    return sent
