"""A JSON body parser that enforces ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

DRF's parser reads the request stream directly, which skips Django's body-size check (that
check only runs on ``request.body``), so an oversized body would be read in full. This one reads
at most one byte past the limit and answers 413.
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from assistants.api.exceptions import PayloadTooLarge


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        # 1e400 parses to infinity, which no database stores as JSON.
        raise ValueError(f"{text} is out of range for a JSON number")
    return value


class LimitedJSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
            return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            raise ParseError("Invalid JSON in request body") from exc
