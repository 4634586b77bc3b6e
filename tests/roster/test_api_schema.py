"""The OpenAPI schema (/api/schema/) agrees with every response the API gives.

schemathesis generates requests for every operation in the schema, as a nurse and as a
unit manager, sends them to the Django application in-process and checks each response:
never a server error, and its status code, content type, headers and body all as the
schema documents them (errors included). The examples are bounded and derandomized, so
a run is reproducible and takes a few minutes at most.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from roster import models as m
from roster.editing import assignment_create
from roster.marketplace import open_shift_post
from roster.requests import leave_request, preference_create
from roster.rosters import roster_create, roster_publish
from roster.swaps import swap_offer
from tests import factories as f

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Examples per operation and generation mode: valid requests (positive) and requests the
# schema says are invalid (negative, which must be refused with a documented error).
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
# Valid examples on an existing record, for the operations on one record.
EXAMPLES_ON_RECORD = 3


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self, role: str) -> str:
        return (
            f"schemathesis as the {role}: {self.operations} operations, {self.examples} examples, "
            f"{len(self.failures)} failures"
        )


@pytest.fixture
def app(db: None) -> Iterator[WSGIHandler]:
    """Django's WSGI application, answering inside the test's transaction.

    A real request starts by closing a connection left in a transaction; here that
    transaction is the test's own, rolled back at its end (as Django's test client does).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(
    operation: Any, mode: GenerationMode, headers: dict[str, str], tally: Tally,
    path_parameters: dict[str, int] | None = None,
) -> None:
    """Send ``operation`` bounded examples in ``mode`` and check every answer; with
    ``path_parameters``, on that record (and fewer examples)."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES_ON_RECORD if path_parameters else EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        tally.examples += 1
        # Each request in a savepoint of its own: a refused login answers 400 and asks
        # for the request's transaction to be rolled back, which, on the token endpoint
        # (outside any request transaction), would otherwise be the test's.
        with transaction.atomic():
            response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                on = " [on a record]" if path_parameters else ""
                key = f"{operation.label} [{mode.value}]{on} {failure.title}"
                tally.failures.setdefault(
                    key,
                    f"{failure.message}\n  -> {case.method} {case.formatted_path} query={case.query!r} "
                    f"body={getattr(case, 'body', None)!r} -> {response.status_code} {response.text[:300]}",
                )

    try:
        check()
    except Unsatisfiable:
        # Nothing in this operation's request can be made invalid (no body, no
        # constrained parameter): the positive examples cover it.
        assert mode is GenerationMode.NEGATIVE, operation.label


def _records(world: Any, role: str) -> dict[str, int]:
    """A roster week with shifts, an open shift, a swap offer, leave, a preference and a
    certification; by collection address, the record of each the operations on one
    record (``/api/rosters/{id}/publish/``) are also tried on, besides random ids."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=14 - today.weekday())
    nurse, colleague, manager = world.nurse, world.colleague, world.manager
    published = roster_create(actor=manager, unit=world.icu, start_date=monday, end_date=monday + dt.timedelta(days=6))
    for offset, person in enumerate((nurse, colleague)):
        assignment_create(actor=manager, roster=published, staff=person, shift_type=world.day,
                          day=monday + dt.timedelta(days=offset))
    published = roster_publish(actor=manager, roster=published)
    live = m.Assignment.objects.get(roster=published, staff=nurse)
    draft = roster_create(actor=manager, unit=world.icu, start_date=monday, end_date=monday + dt.timedelta(days=6))
    records = {
        "sites": world.north.pk,
        "units": world.icu.pk,
        "shift-types": world.day.pk,
        "staff": colleague.pk,
        "rosters": (published if role == "nurse" else draft).pk,
        "assignments": (live if role == "nurse" else m.Assignment.objects.filter(roster=draft).first()).pk,
        "open-shifts": open_shift_post(actor=manager, roster=published, day=monday + dt.timedelta(days=2),
                                       shift_type=world.day).pk,
        "swaps": swap_offer(actor=nurse.user, assignment=live, recipient=colleague).pk,
        "leave": leave_request(actor=nurse.user, staff=nurse, kind=m.Leave.Kind.ANNUAL,
                               start_date=monday + dt.timedelta(days=21),
                               end_date=monday + dt.timedelta(days=22)).pk,
        "preferences": preference_create(actor=nurse.user, staff=nurse, day=monday + dt.timedelta(days=4),
                                         kind=m.Preference.Kind.OFF).pk,
        "certifications": f.CertificationFactory(staff=nurse).pk,
    }
    user = nurse.user if role == "nurse" else manager
    notification = m.Notification.objects.filter(recipient=user).first()
    if notification is not None:
        records["notifications"] = notification.pk
    return records


def _record_for(path: str, records: dict[str, int]) -> int | None:
    """The record for an operation on one record of a collection (``/api/{name}/{id}/...``)."""
    if path.count("{") != 1 or not path.startswith("/api/"):
        return None
    return records.get(path[len("/api/"):].split("/", 1)[0])


@pytest.mark.parametrize("role", ["nurse", "manager"])
def test_every_response_agrees_with_the_schema(world: Any, app: WSGIHandler, role: str) -> None:
    user = world.nurse.user if role == "nurse" else world.manager
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    records = _records(world, role)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        for mode in EXAMPLES:
            _run(operation, mode, headers, tally)
        record = _record_for(operation.path, records)
        if record is not None:
            name = re.search(r"\{([^}]+)\}", operation.path).group(1)  # type: ignore[union-attr]
            _run(operation, GenerationMode.POSITIVE, headers, tally, path_parameters={name: record})
    print(tally.summary(role))
    assert not tally.failures, tally.summary(role) + "\n" + "\n".join(
        f"{key}: {detail}" for key, detail in sorted(tally.failures.items())
    )
