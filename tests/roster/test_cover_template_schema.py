"""The cover template API agrees with its OpenAPI schema (schemathesis, as in
test_api_schema.py, on these operations only and more examples each): never a server
error, every refusal documented, as a nurse and as a manager, also on an existing line."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from roster import cover_templates as ct
from roster.models import RatioRule
from tests.roster.test_api_schema import Tally, _run, app  # noqa: F401 (app is a fixture)


@pytest.mark.parametrize("role", ["nurse", "manager"])
def test_the_cover_template_api_agrees_with_the_schema(world: Any, app: WSGIHandler, role: str) -> None:  # noqa: F811
    user = world.nurse.user if role == "nurse" else world.manager
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=4)
    [line] = ct.template_set(actor=world.manager, unit=world.icu, weekdays=[0], shift_type=world.day,
                             need=ct.Need(role="RN"), minimum=2, preferred=2, maximum=4)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/cover-templates/"):
            continue
        tally.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, headers, tally)
        if "{" in operation.path:
            name = re.search(r"\{([^}]+)\}", operation.path).group(1)  # type: ignore[union-attr]
            _run(operation, GenerationMode.POSITIVE, headers, tally, path_parameters={name: line.pk})
    assert tally.operations == 8  # list, create, retrieve, update, partial update, delete, apply, derive
    assert not tally.failures, tally.summary(role) + "\n" + "\n".join(
        f"{key}: {detail}" for key, detail in sorted(tally.failures.items())
    )
