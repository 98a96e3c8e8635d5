"""Strict serializer fields for the wire format.

LangGraph Server checks request bodies with JSON Schema, so ``"10"`` is not an integer and ``5`` is
not a string there. DRF's stock fields coerce both; these refuse them, so a client that works here
also works against LangGraph Server.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from studio.jsonsafety import json_size

__all__ = [
    "RESERVED_CONTEXT_KEYS",
    "RESERVED_METADATA_KEYS",
    "ConfigField",
    "JSONObjectField",
    "LowercaseChoiceField",
    "MetadataFilterField",
    "StrictCharField",
    "StrictIntegerField",
    "BAD_TEXT",
    "TEXT_PATTERN",
    "find_bad_text",
    "strip_reserved",
    "text_problem",
]

#: Removed without an error from ``config.configurable`` and ``context`` (reference §1.1).
RESERVED_CONTEXT_KEYS = frozenset(
    {
        "langgraph_auth_user",
        "langgraph_auth_user_id",
        "langgraph_auth_permissions",
        "langgraph_request_id",
        "__langsmith_project__",
        "__langsmith_example_id__",
        "__request_start_time_ms__",
        "__after_seconds__",
        "__otel_traceparent__",
        "__otel_tracestate__",
        "__dd_trace_headers__",
        "__pregel_node_finished",
        "__context_provided__",
    }
)

#: Removed without an error from ``metadata`` and ``config.metadata`` of write bodies.
RESERVED_METADATA_KEYS = frozenset(
    {"thread_id", "assistant_id", "run_id", "cron_id", "counters_since_delta_snapshot"}
)


def strip_reserved(value: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in keys}


#: What no stored string may hold: NUL (PostgreSQL cannot store it in ``jsonb`` or ``text``) and
#: lone UTF-16 surrogates (not Unicode: such a row breaks every read and export of it).
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
#: The rule as a JSON Schema ``pattern``, for the OpenAPI document. Only NUL is spelled out: a
#: lone surrogate is not a Unicode character, so no JSON Schema string (and no value a validator
#: or generator produces) holds one, and regex engines disagree on how to name them.
TEXT_PATTERN = "^[^\\u0000]*$"


def text_problem(text: str) -> str | None:
    """``"nul"`` or ``"surrogate"`` when ``text`` holds a character no stored string may hold."""
    match = BAD_TEXT.search(text)
    if match is None:
        return None
    return "nul" if match.group() == "\x00" else "surrogate"


def _shown(part: str | int) -> str:
    """A path part for a message: lone surrogates written as ``\\udXXX`` (they cannot be sent)."""
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", str(part))


def find_bad_text(value: Any) -> tuple[list[str | int], str] | None:
    """The path of the first key or string that :func:`text_problem` refuses, and the problem.

    Iterative, so any depth the JSON parser accepted is fine here too. Strings are looked at where
    they are found and only containers are stacked: a path is built for each container, not for
    each item of a long list.
    """
    if isinstance(value, str):
        problem = text_problem(value)
        return ([], problem) if problem else None
    if not isinstance(value, dict | list):
        return None
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(key, str) and (problem := text_problem(key)):
                return [*path, key], problem
            if isinstance(child, str):
                if problem := text_problem(child):
                    return [*path, key], problem
            elif isinstance(child, dict | list):
                stack.append(([*path, key], child))
    return None


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField turns ``5`` into ``"5"``), of valid Unicode."""

    default_error_messages = {
        "invalid": "Must be a string.",
        "surrogate": "Must be valid Unicode (no lone UTF-16 surrogates).",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if text_problem(data) == "surrogate":
            self.fail("surrogate")
        # NUL: DRF's own validator refuses it ("Null characters are not allowed.").
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not a string, not a boolean, not ``1.5`` (``2.0`` is accepted, as in JSON Schema)."""

    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if isinstance(data, float):
            if not data.is_integer():
                self.fail("invalid")
            data = int(data)
        return super().to_internal_value(data)


class LowercaseChoiceField(serializers.ChoiceField):
    """A choice compared case-insensitively (LangGraph reads ``sort_order`` that way)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data.lower())


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object (a dict), with no NUL characters or lone surrogates anywhere in it."""

    default_error_messages = {
        "invalid": "Must be an object.",
        "nul": "Must not contain NUL (\\u0000) characters (at {where}).",
        "surrogate": "Must be valid Unicode, with no lone UTF-16 surrogates (at {where}).",
    }

    def __init__(self, **kwargs: Any) -> None:
        self.reserved: frozenset[str] = kwargs.pop("reserved", frozenset())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("invalid")
        found = find_bad_text(data)
        if found is not None:
            where, problem = found
            self.fail(problem, where=".".join(_shown(p) for p in where) or "a key")
        return strip_reserved(data, self.reserved) if self.reserved else data

    def to_representation(self, value: Any) -> Any:
        return value


class MetadataFilterField(JSONObjectField):
    """A containment filter: an object of at most ``STUDIO_MAX_FILTER_SIZE`` keys and elements.

    Containment costs about (filter size x document size) per row, so an unbounded filter (60,000
    keys, 100,000 array elements) kept the database busy for tens of seconds.
    """

    default_error_messages = {
        **JSONObjectField.default_error_messages,
        "too_large": (
            "A filter may hold at most {limit} keys and array elements in all "
            "(STUDIO_MAX_FILTER_SIZE); this one holds more."
        ),
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        limit = settings.STUDIO_MAX_FILTER_SIZE
        if isinstance(data, dict) and json_size(data, stop_after=limit) > limit:
            self.fail("too_large", limit=limit)  # first: nothing else walks a huge filter
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}},
            "recursion_limit": {"type": "integer"},
            "configurable": {"type": "object", "additionalProperties": True},
        },
        "additionalProperties": True,
    }
)
class ConfigField(JSONObjectField):
    """A RunnableConfig: ``tags`` strings, ``recursion_limit`` an integer, ``configurable`` an object.

    Other keys are allowed, as in LangGraph's ``Config`` schema. Reserved keys are removed from
    ``configurable`` and from ``metadata``.
    """

    default_error_messages = {
        **JSONObjectField.default_error_messages,
        "tags": "config.tags must be a list of strings.",
        "recursion_limit": "config.recursion_limit must be an integer.",
        "configurable": "config.configurable must be an object.",
        "metadata": "config.metadata must be an object.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        config = dict(super().to_internal_value(data))
        tags = config.get("tags")
        if "tags" in config and not (
            isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)
        ):
            self.fail("tags")
        limit = config.get("recursion_limit")
        if "recursion_limit" in config and (isinstance(limit, bool) or not isinstance(limit, int)):
            self.fail("recursion_limit")
        for key, reserved in (
            ("configurable", RESERVED_CONTEXT_KEYS),
            ("metadata", RESERVED_METADATA_KEYS),
        ):
            if key in config:
                if not isinstance(config[key], dict):
                    self.fail(key)
                config[key] = strip_reserved(config[key], reserved)
        return config
