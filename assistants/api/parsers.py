"""The JSON body parser every API request goes through: size, syntax, and what may be stored.

DRF's parser reads the request stream directly, which skips Django's body-size check (that
check only runs on ``request.body``), so an oversized body would be read in full. This one reads
at most one byte past the limit and answers 413. A body that parses is then checked once, for
every endpoint and field alike (:func:`studio.jsonsafety.json_problems`): a lone UTF-16
surrogate or nesting past ``STUDIO_MAX_JSON_DEPTH`` anywhere (keys included) is a 422 naming
where it is, before any field, validator or the database sees it.
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from assistants.api.exceptions import BodyInvalid, PayloadTooLarge
from studio.jsonsafety import brackets_balance, depth_message, json_problems, max_depth


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


def parse_json(text: str) -> Any:
    """JSON as the API reads it: no ``NaN`` or ``Infinity``, no number out of a float's range.

    Raises ValueError (not JSON) or RecursionError (nested too deep for the parser).
    """
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


def parse_body(raw: bytes, encoding: str) -> Any:
    """A request body as every API request reads it: ``ParseError`` when it is not JSON,
    ``BodyInvalid`` (a 422 naming where) for nesting past the limit or a lone surrogate."""
    try:
        text = raw.decode(encoding)
        data = parse_json(text)
    except RecursionError as exc:
        # Too deep for json's recursion (about a thousand levels): past any depth limit if
        # the brackets close, otherwise not JSON at all.
        if not brackets_balance(text):
            raise ParseError("Invalid JSON in request body") from exc
        raise BodyInvalid([{"loc": [], "msg": depth_message(max_depth())}]) from exc
    except ValueError as exc:
        raise ParseError("Invalid JSON in request body") from exc
    # NUL characters are left to the fields, which already refuse them in every string and
    # object (DRF's CharField, JSONObjectField) with their own, pinned, error shape.
    problems = json_problems(data, nul=False)
    if problems:
        raise BodyInvalid([problem.as_error() for problem in problems])
    return data


class LimitedJSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        return parse_body(raw, encoding)
