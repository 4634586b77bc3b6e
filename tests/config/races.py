"""Twenty people pressing the same button at once, against a real server.

`build()` makes a unit with a manager, twenty nurses (each with an API token), a
published roster with one open shift and one leave request, all through the services.
`race()` sends twenty requests released together by a barrier and returns the statuses.
`start_sqlite_server()` runs a server on a fresh SQLite file (tests/config/sqlite_server.py).

Run as a module, it prints the figures of the README's security section (SQLite, as the
demo runs; the PostgreSQL races run in tests/config/test_concurrent_writes.py):

    python -m tests.config.races --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RACERS = 20
REQUEST_TIMEOUT = 90  # seconds; a request still queued then has failed the test


def build() -> dict[str, Any]:
    # Imported here: running this module as a script sets Django up first.
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from roster import marketplace
    from roster.models import Access, Leave, Unit
    from roster.requests import leave_request
    from roster.rosters import roster_create, roster_publish
    from tests import factories as f

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
    draft = roster_create(actor=manager, unit=unit, start_date=start, end_date=start + dt.timedelta(days=6))
    roster = roster_publish(actor=manager, roster=draft)
    open_shift = marketplace.open_shift_post(
        actor=manager, roster=roster, day=start + dt.timedelta(days=2), shift_type=day
    )
    leave = leave_request(
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


ROOT = Path(__file__).resolve().parents[2]


class ServerFailed(RuntimeError):
    pass


@dataclass
class Server:
    url: str
    data: dict[str, Any]
    db_path: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sqlite_server(folder: Path, *, quiet: bool = False, **env_extra: str) -> Iterator[Server]:
    """A generator: yields the running server, stops it when closed. ``quiet`` drops the
    server's request log."""
    port = free_port()
    db_path = folder / "headroom.sqlite3"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{db_path}",
        HEADROOM_DATA_DIR=str(folder),
        # Tasks queued by the writes go nowhere: the suite's worker serves PostgreSQL.
        REDIS_URL="",
        CELERY_BROKER_URL="memory://",
        CELERY_RESULT_BACKEND="",
        **env_extra,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.config.sqlite_server", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if quiet else None, text=True,
    )
    try:
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(180)
        if not first_line or not first_line[0].strip():
            raise ServerFailed(f"the SQLite server did not migrate and build its data (exit code {proc.poll()})")
        data = json.loads(first_line[0])
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ServerFailed("the SQLite server did not start listening") from None
                time.sleep(0.2)
        yield Server(f"http://127.0.0.1:{port}", data, db_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="20-way races against a server on SQLite")
    parser.add_argument("--runs", type=int, default=1)
    runs = parser.parse_args().runs
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            servers = start_sqlite_server(Path(folder), quiet=True)
            server = next(servers)
            for name, path, tokens in (
                ("claims of one open shift", f"/api/open-shifts/{server.data['open_shift']}/claim/",
                 server.data["nurse_tokens"]),
                ("approvals of one leave request", f"/api/leave/{server.data['leave']}/approve/",
                 [server.data["manager_token"]] * RACERS),
            ):
                started = time.monotonic()
                statuses = Counter(race(server.url, path, tokens))
                print(f"run {run}: {RACERS} {name}: "
                      + ", ".join(f"{n} x {code}" for code, n in sorted(statuses.items()))
                      + f", all answered in {time.monotonic() - started:.2f} s", flush=True)
            servers.close()


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    main()
