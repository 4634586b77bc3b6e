"""API request parsers with bounds: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, or JSON
nested deeper than JSON_MAX_DEPTH, is a 400 naming the problem.

DRF's own parsers read the request stream directly, past Django's size check (which
guards only ``request.body`` and form parsing), and its JSON parser lets the
RecursionError of a deeply nested body through as a 500.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser


def _declared_length(parser_context: Mapping[str, Any] | None) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def _too_large() -> ParseError:
    return ParseError(
        f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the most accepted."
    )


def read_bounded(stream: IO[bytes], parser_context: Mapping[str, Any] | None) -> bytes:
    """The whole body, refused before reading when its declared length is over the limit
    and after reading one byte more than the limit otherwise."""
    limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if _declared_length(parser_context) > limit:
        raise _too_large()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


def nesting_depth(value: Any, limit: int) -> int:
    """The depth of nested lists and objects in ``value``, counted without recursion and
    given up as soon as it passes ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((child, depth) for child in children)
    return deepest


class BoundedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: IO[bytes], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        body = read_bounded(stream, parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit: int = settings.JSON_MAX_DEPTH
        try:
            data = json.loads(body.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            # The C decoder gives up near the interpreter's recursion limit, far past ours.
            raise ParseError(f"The JSON is nested more than {limit} levels deep.") from None
        except ValueError as exc:  # includes UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth(data, limit) > limit:
            raise ParseError(f"The JSON is nested more than {limit} levels deep.")
        return data


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; DRF's parser refuses them too.
    raise ValueError(f"{name} is not valid JSON")


class BoundedFormParser(FormParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        return super().parse(io.BytesIO(read_bounded(stream, parser_context)), media_type, parser_context)


class BoundedMultiPartParser(MultiPartParser):
    """Django's multipart parser bounds the fields itself; the declared length bounds files."""

    def parse(self, stream: IO[bytes], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        if _declared_length(parser_context) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise _too_large()
        return super().parse(stream, media_type, parser_context)
