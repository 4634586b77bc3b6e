"""The redeployment and mutual-aid API agrees with its schema for a site coordinator (the
role that acts on it; the suite's schema test covers nurses and unit managers): never a
server error, every status, header and body as documented."""

from __future__ import annotations

from typing import Any

import schemathesis
from rest_framework.authtoken.models import Token

from tests.roster.test_api_schema import (  # noqa: F401
    EXAMPLES,
    GenerationMode,
    Tally,
    _negatable,
    _run,
    app,
)


def test_every_redeployment_and_mutual_aid_response_agrees_with_the_schema(world: Any, app) -> None:  # noqa: F811
    headers = {"Authorization": f"Token {Token.objects.create(user=world.coordinator).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(("/api/redeployment/", "/api/mutual-aid/")):
            continue
        tally.operations += 1
        for mode in EXAMPLES:
            if mode is GenerationMode.NEGATIVE and not _negatable(operation):
                continue
            _run(operation, mode, headers, tally)
    print(tally.summary("coordinator"))
    assert tally.operations >= 15
    assert not tally.failures, "\n".join(f"{k}: {v}" for k, v in sorted(tally.failures.items()))
