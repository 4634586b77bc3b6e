"""Twenty people pressing the same button at once, against a real server.

`build()` makes a unit with a manager, twenty nurses (each with an API token), a
published roster with one open shift and one leave request, all through the services.
`race()` sends twenty requests released together by a barrier and returns the statuses.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from rest_framework.authtoken.models import Token

from roster import marketplace, services
from roster.models import Access, Leave, Unit
from tests import factories as f

RACERS = 20
REQUEST_TIMEOUT = 90  # seconds; a request still queued then has failed the test


def build() -> dict[str, Any]:
    site = f.SiteFactory(name="Race General", code="race")
    unit = f.UnitFactory(site=site, name="Race ICU", code="ricu", kind=Unit.Kind.ICU, beds=12)
    manager = f.UserFactory(username="race-manager")
    f.grant(manager, Access.Level.UNIT_MANAGER, units=[unit])
    nurses = []
    for i in range(RACERS):
        nurse = f.StaffFactory(user=f.UserFactory(username=f"race-nurse-{i}"), home_unit=unit)
        f.grant(nurse.user, Access.Level.STAFF)
        nurses.append(nurse)
    day = f.ShiftTypeFactory(site=site, code="D", name="Day", start_time=dt.time(7, 0), duration_minutes=720)
    today = timezone.localdate()
    start = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    draft = services.roster_create(actor=manager, unit=unit, start_date=start, end_date=start + dt.timedelta(days=6))
    roster = services.roster_publish(actor=manager, roster=draft)
    open_shift = marketplace.open_shift_post(
        actor=manager, roster=roster, day=start + dt.timedelta(days=2), shift_type=day
    )
    leave = services.leave_request(
        actor=nurses[0].user, staff=nurses[0], kind=Leave.Kind.ANNUAL,
        start_date=start + dt.timedelta(days=4), end_date=start + dt.timedelta(days=5),
    )
    return {
        "open_shift": open_shift.pk,
        "leave": leave.pk,
        "manager_token": Token.objects.create(user=manager).key,
        "nurse_tokens": [Token.objects.create(user=n.user).key for n in nurses],
    }


def post(base_url: str, path: str, token: str, body: dict[str, Any] | None = None) -> int:
    """One POST with a token; the status code."""
    url = urlsplit(base_url)
    assert url.hostname in ("127.0.0.1", "localhost"), "races stay on this machine"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("POST", path, body=json.dumps(body or {}),
                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def race(base_url: str, path: str, tokens: list[str]) -> list[int]:
    """POST ``path`` once per token, all released at the same instant."""
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = [0] * len(tokens)

    def one(i: int) -> None:
        barrier.wait()
        try:
            statuses[i] = post(base_url, path, tokens[i])
        except OSError:
            statuses[i] = -1  # no answer at all

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(REQUEST_TIMEOUT + 10)
    return statuses
