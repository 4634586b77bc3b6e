"""The OpenAPI schema (/api/schema/) agrees with every response the API gives.

schemathesis generates requests for every operation in the schema, as a nurse and as a
unit manager, sends them to the Django application in-process and checks each response:
never a server error, and its status code, content type, headers and body all as the
schema documents them (errors included). The examples are bounded and derandomized, so
a run is reproducible and takes a few minutes at most.
"""

from __future__ import annotations

import datetime as dt
import json
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
from schemathesis.core import NotSet
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
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}
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
                    f"body={None if isinstance(case.body, NotSet) else case.body!r} -> {response.status_code} "
                    f"{response.text[:300]}",
                )

    try:
        check()
    except Unsatisfiable:
        # Nothing in this operation's request can be made invalid (no constrained
        # parameter): the positive examples cover it.
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
    # Discarding a draft comes before publishing one (the operations run in the order of
    # their addresses): it gets a draft of its own, of the week after.
    records["/api/rosters/{id}/discard/"] = roster_create(
        actor=manager, unit=world.icu, start_date=monday + dt.timedelta(days=7),
        end_date=monday + dt.timedelta(days=13),
    ).pk
    user = nurse.user if role == "nurse" else manager
    notification = m.Notification.objects.filter(recipient=user).first()
    if notification is not None:
        records["notifications"] = notification.pk
    return records


def _negatable(operation: Any) -> bool:
    """Whether the operation takes anything a request could get wrong (parameters, a body)."""
    return bool(list(operation.iter_parameters()) or list(operation.body))


def _record_for(path: str, records: dict[str, int]) -> int | None:
    """The record for an operation on one record (``/api/{name}/{id}/...``): the one
    kept for this operation, or else the collection's."""
    if path.count("{") != 1 or not path.startswith("/api/"):
        return None
    return records.get(path, records.get(path[len("/api/"):].split("/", 1)[0]))


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
            if mode is GenerationMode.NEGATIVE and not _negatable(operation):
                continue
            _run(operation, mode, headers, tally)
        record = _record_for(operation.path, records)
        if record is not None:
            name = re.search(r"\{([^}]+)\}", operation.path).group(1)  # type: ignore[union-attr]
            _run(operation, GenerationMode.POSITIVE, headers, tally, path_parameters={name: record})
    print(tally.summary(role))
    assert not tally.failures, tally.summary(role) + "\n" + "\n".join(
        f"{key}: {detail}" for key, detail in sorted(tally.failures.items())
    )


# --- the disagreements schemathesis found, one by one ------------------------------

def _schema(world: Any) -> dict[str, Any]:
    response = world.client_for(world.manager).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_every_operation_documents_its_error_responses_and_their_bodies(world: Any) -> None:
    schema = _schema(world)
    publish = schema["paths"]["/api/rosters/{id}/publish/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "503"} <= set(publish)
    assert publish["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    field_errors = schema["components"]["schemas"]["FieldErrors"]
    assert "min_rest" in field_errors["properties"]["rules"]["items"]["enum"]
    assert publish["503"]["headers"]["Retry-After"]["required"] is True
    assert "429" in schema["paths"]["/api/token/"]["post"]["responses"]
    assert "429" not in publish


def test_a_colleagues_private_fields_are_not_required_in_a_staff_answer(world: Any) -> None:
    schema = _schema(world)
    answer = schema["components"]["schemas"]["Staff"]
    assert not {"email", "phone", "employee_number", "contract"} & set(answer["required"])
    # …but a request that creates a person still names their employee number.
    assert "employee_number" in schema["components"]["schemas"]["StaffRequest"]["required"]
    listed = world.client_for(world.nurse.user).get("/api/staff/").json()["results"]
    colleague = next(row for row in listed if row["id"] == world.colleague.pk)
    assert "email" not in colleague


def test_times_of_day_are_documented_as_the_api_writes_them(world: Any) -> None:
    start_time = _schema(world)["components"]["schemas"]["ShiftType"]["properties"]["start_time"]
    assert "format" not in start_time
    written = world.client_for(world.manager).get(f"/api/shift-types/{world.day.pk}/").json()["start_time"]
    assert re.fullmatch(start_time["pattern"], written), written


def test_a_created_or_published_roster_answers_with_its_assignment_count(world: Any) -> None:
    client = world.client_for(world.manager)
    monday = timezone.localdate() + dt.timedelta(days=14 - timezone.localdate().weekday())
    created = client.post(
        "/api/rosters/", {"unit": world.icu.pk, "start_date": str(monday),
                          "end_date": str(monday + dt.timedelta(days=6))}, format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["assignment_count"] == 0
    assignment_create(actor=world.manager, roster=m.Roster.objects.get(pk=created.json()["id"]),
                      staff=world.nurse, shift_type=world.day, day=monday)
    published = client.post(f"/api/rosters/{created.json()['id']}/publish/", {}, format="json")
    assert published.status_code == 200, published.content
    assert published.json()["assignment_count"] == 1


def test_an_unknown_api_address_is_a_json_404(world: Any) -> None:
    client = world.client_for(world.manager)
    for address in ("/api/rosters/1.5/publish/", "/api/no-such-thing/"):
        response = client.post(address, {}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    # An address without its final slash is still sent to the one with it.
    assert client.get("/api/units").status_code == 301


def test_a_search_term_the_api_cannot_use_is_refused_by_its_name(world: Any) -> None:
    response = world.client_for(world.manager).get("/api/staff/", {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}
