"""Twenty simultaneous writes against a real server, on SQLite (what ./bin/demo runs) and
on PostgreSQL: writes queue instead of failing, exactly one wins, the rest are told 409,
and a lock that outlasts the busy timeout is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.config import races
from tests.config.races import Server, start_sqlite_server


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for both races: they write different rows."""
    yield from start_sqlite_server(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture
def impatient_sqlite_server(tmp_path: Path) -> Iterator[Server]:
    """Waits only a second for SQLite's write lock."""
    yield from start_sqlite_server(tmp_path, SQLITE_BUSY_TIMEOUT="1")


@pytest.fixture
def postgres_server(transactional_db: None, live_server: Any) -> Server:
    return Server(live_server.url, races.build(), Path())


def assert_one_winner(statuses: list[int]) -> None:
    counts = Counter(statuses)
    assert counts == {200: 1, 409: races.RACERS - 1}, counts


def claims(server: Server) -> list[int]:
    return races.race(server.url, f"/api/open-shifts/{server.data['open_shift']}/claim/",
                      server.data["nurse_tokens"])


def approvals(server: Server) -> list[int]:
    return races.race(server.url, f"/api/leave/{server.data['leave']}/approve/",
                      [server.data["manager_token"]] * races.RACERS)


def test_twenty_claims_of_one_open_shift_on_sqlite_have_one_winner_and_no_server_error(sqlite_server):
    assert_one_winner(claims(sqlite_server))
    # Readers go on while one connection writes.
    with sqlite3.connect(sqlite_server.db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_twenty_approvals_of_one_leave_request_on_sqlite_have_one_winner_and_no_server_error(sqlite_server):
    assert_one_winner(approvals(sqlite_server))


def test_twenty_claims_of_one_open_shift_on_postgresql_have_one_winner_and_no_server_error(postgres_server):
    assert_one_winner(claims(postgres_server))


def test_twenty_approvals_of_one_leave_request_on_postgresql_have_one_winner_and_no_server_error(postgres_server):
    assert_one_winner(approvals(postgres_server))


def get(url: str, path: str) -> http.client.HTTPResponse:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_a_write_lock_held_past_the_busy_timeout_is_a_503_with_retry_after(impatient_sqlite_server):
    server = impatient_sqlite_server
    holder = sqlite3.connect(server.db_path, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, and taking its time
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=30)
        conn.request("POST", f"/api/open-shifts/{server.data['open_shift']}/claim/", body="{}",
                     headers={"Authorization": f"Token {server.data['nurse_tokens'][0]}",
                              "Content-Type": "application/json"})
        api = conn.getresponse()
        body = json.loads(api.read())
        conn.close()
        assert api.status == 503 and api.headers["Retry-After"].isdigit(), (api.status, body)
        assert "try again" in body["detail"]
        assert time.monotonic() - started >= 0.9  # it waited for the lock first
        page = get(server.url, "/login/")
        assert page.status == 503 and page.headers["Retry-After"].isdigit()
        assert page.headers["Content-Type"].startswith("text/html")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert get(server.url, "/login/").status == 200
    assert races.post(server.url, f"/api/open-shifts/{server.data['open_shift']}/claim/",
                      server.data["nurse_tokens"][0]) == 200

