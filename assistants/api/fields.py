"""Strict serializer fields for the wire format.

LangGraph Server checks request bodies with JSON Schema, so ``"10"`` is not an integer and ``5`` is
not a string there. DRF's stock fields coerce both; these refuse them, so a client that works here
also works against LangGraph Server.
"""

from __future__ import annotations

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
    "find_nul",
    "strip_reserved",
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


def find_nul(value: Any) -> list[str | int] | None:
    """The path of the first key or string holding a NUL character, or None.

    PostgreSQL cannot store ``\\u0000`` in ``jsonb`` or ``text``; refusing it up front gives a 422
    on every database instead of a 500 on one of them. Iterative, so any depth the JSON parser
    accepted is fine here too.
    """
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if not isinstance(value, dict | list):
        return None
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(key, str) and "\x00" in key:
                return [*path, key]
            # Strings are looked at here and only containers are stacked: a path is built for
            # each container, not for each of a long list's numbers.
            if isinstance(child, str):
                if "\x00" in child:
                    return [*path, key]
            elif isinstance(child, dict | list):
                stack.append(([*path, key], child))
    return None


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField turns ``5`` into ``"5"``)."""

    default_error_messages = {"invalid": "Must be a string."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
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
    """A JSON object (a dict), with no NUL characters anywhere in it."""

    default_error_messages = {
        "invalid": "Must be an object.",
        "nul": "Must not contain NUL (\\u0000) characters (at {where}).",
    }

    def __init__(self, **kwargs: Any) -> None:
        self.reserved: frozenset[str] = kwargs.pop("reserved", frozenset())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("invalid")
        where = find_nul(data)
        if where is not None:
            self.fail("nul", where=".".join(str(p) for p in where) or "a key")
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
