"""What the OpenAPI schema says beyond the serializers: the errors every operation may
answer, times of day as the API writes them, and the staff fields only some callers get.

``postprocess`` is a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS). The error
bodies are those of roster.api.exceptions and DRF:

* ``{"detail": "..."}`` (``ErrorDetail``): not signed in (401), not allowed (403), not
  found (404), a body type the operation does not take (415), too many requests (429), a
  busy database (503);
* ``{"<field>": ["message", ...], ...}`` (``FieldErrors``): input refused (400), a
  business rule that forbids the change (403, 409), a change that collides with the
  current state (409); the field is ``non_field_errors`` when no single input is at fault;
* a hard rule broken (409) adds ``"rules": ["min_rest", ...]``, the rulebook's codes.
"""

from __future__ import annotations

import re
from typing import Any

from roster import rulebook

from .serializers import StaffSerializer

REF = "#/components/schemas/"

# Times of day are wall-clock times at the site ("07:00", "19:30:00"): no UTC offset, so
# not JSON Schema's "time" format (RFC 3339's full-time, which requires one).
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"

ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "ErrorDetail": {
        "type": "object",
        "description": "A refusal that concerns the request as a whole.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": (
            "Messages by the name of the input at fault (`non_field_errors` when no single "
            "input is); a nested input's messages are nested the same way. A hard rule that "
            "forbids the change also lists the rulebook's codes under `rules`."
        ),
        "properties": {
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
            "rules": {"type": "array", "items": {"type": "string", "enum": sorted(rulebook.RULES)}},
        },
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"$ref": f"{REF}FieldErrors"}]}},
                {"$ref": f"{REF}FieldErrors"},
            ]
        },
    },
}

DETAIL = {"$ref": f"{REF}ErrorDetail"}
FIELDS = {"$ref": f"{REF}FieldErrors"}
DETAIL_OR_FIELDS = {"anyOf": [DETAIL, FIELDS]}
RETRY_AFTER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer"},
}


def _response(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _errors_of(method: str, operation: dict[str, Any], throttled: bool) -> dict[str, dict[str, Any]]:
    """The error responses `operation` may answer, by status code."""
    parameters = operation.get("parameters", [])
    query = [p for p in parameters if p.get("in") == "query"]
    in_path = any(p.get("in") == "path" for p in parameters)
    paged = any(p.get("name") == "page" for p in query)
    writes = method != "get"
    errors: dict[str, dict[str, Any]] = {}
    if writes or query:
        errors["400"] = _response(
            "The request was refused: the messages name the input at fault (a filter or "
            "page that cannot be used names the query parameter).",
            DETAIL_OR_FIELDS,
        )
    errors["401"] = _response(
        "Not signed in: no credentials, or a token that is unknown or has expired.",
        DETAIL,
        {"WWW-Authenticate": {"description": "How to authenticate: Token.", "schema": {"type": "string"},
                              "required": True}},
    )
    errors["403"] = _response("Signed in, but not allowed to do this.", DETAIL_OR_FIELDS)
    if in_path or paged or "requestBody" in operation:
        errors["404"] = _response(
            "No such record that the caller may see (named in the address or, for some "
            "operations, in the body), or no such page.",
            DETAIL_OR_FIELDS,
        )
    if writes:
        errors["409"] = _response(
            "The change collides with the current state (taken already, overlapping, "
            "changed since) or breaks a hard rule; `rules` lists the rules' codes.",
            FIELDS,
        )
    if "requestBody" in operation:
        errors["415"] = _response("The body is in a format this operation does not take.", DETAIL)
    if throttled:
        errors["429"] = _response("Too many requests from this address, or too many failed logins.", DETAIL,
                                  {"Retry-After": RETRY_AFTER})
    errors["503"] = _response(
        "The database was too busy to make the change in time; nothing was saved.",
        DETAIL,
        {"Retry-After": {**RETRY_AFTER, "required": True}},
    )
    return errors


def _shape(path: str) -> str:
    """A path with its parameters' names left out (``/api/units/{}/``)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _times_of_day(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_OF_DAY
            node.setdefault("example", "07:00:00")
        for value in node.values():
            _times_of_day(value)
    elif isinstance(node, list):
        for value in node:
            _times_of_day(value)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    throttled = {
        (_shape(path), method.lower())
        for path, _regex, method, callback in (generator.endpoints or [])
        if getattr(getattr(callback, "cls", None), "throttle_classes", None)
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in _errors_of(method, operation, (_shape(path), method) in throttled).items():
                operation["responses"].setdefault(code, response)

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in ERROR_COMPONENTS.items():
        schemas.setdefault(name, component)
    # Contact details and the like go to the person and their managers only: in
    # everyone else's answers these fields are left out.
    staff = schemas.get("Staff")
    if staff and "required" in staff:
        staff["required"] = [name for name in staff["required"] if name not in StaffSerializer.Meta.private]
    _times_of_day(result)
    return result
