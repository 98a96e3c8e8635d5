"""Input and output serializers, named after LangGraph's wire objects.

Input serializers refuse fields they do not know (422 naming them) and values of the wrong JSON
type. The response objects are defined once, as the output serializers
(:class:`AssistantSerializer`, :class:`AssistantVersionSerializer`): their declared fields, in
LangGraph's key order, are the OpenAPI schema, the columns the selectors read
(:data:`ASSISTANT_FIELDS`, :data:`VERSION_FIELDS`), the keys ``select`` may name, and the keys
:func:`assistant_data` / :func:`version_data` write. Those two build plain dicts rather than run
DRF's ``to_representation`` field by field, because they run for every row of every response.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from rest_framework import serializers

from assistants.api.fields import (
    RESERVED_CONTEXT_KEYS,
    RESERVED_METADATA_KEYS,
    ConfigField,
    JSONObjectField,
    LowercaseChoiceField,
    MetadataFilterField,
    StrictCharField,
    StrictIntegerField,
)
from assistants.models import Assistant, AssistantVersion

SORT_FIELDS = ("assistant_id", "graph_id", "name", "created_at", "updated_at")
MAX_LIMIT = 1000
#: Larger offsets cannot be a real page and would overflow SQLite's 64-bit integers.
MAX_OFFSET = 2**62
#: Versions are PositiveIntegerField (a 32-bit column on PostgreSQL).
MAX_VERSION = 2**31 - 1


# -- output ----------------------------------------------------------------------------------------
# Some wire names (``context``, ``data``, ``source``, ``errors``) are also Serializer attributes.
# DRF's metaclass moves declared fields off the class, so nothing is shadowed at run time; the
# ``type: ignore`` comments only quiet the stubs, which cannot know that.


def iso(value: datetime) -> str:
    """RFC 3339 with microseconds and an offset, as LangGraph's orjson output: ``...29.380073+00:00``."""
    return value.isoformat(timespec="microseconds")


Writers = tuple[tuple[str, Callable[[Any], Any] | None], ...]


def _writers(serializer: type[serializers.Serializer]) -> Writers:
    """Each declared key with how a stored value is written on the wire (None: as it is)."""
    writers: list[tuple[str, Callable[[Any], Any] | None]] = []
    for name, field in serializer._declared_fields.items():
        if isinstance(field, serializers.UUIDField):
            writers.append((name, str))
        elif isinstance(field, serializers.DateTimeField):
            writers.append((name, iso))
        else:
            writers.append((name, None))
    return tuple(writers)


def _render(writers: Writers, obj: Any, keys: Iterable[str] | None = None) -> dict[str, Any]:
    # A model instance's values by attribute name, or a ``.values()`` row as it is.
    row: Mapping[str, Any] = obj if isinstance(obj, Mapping) else obj.__dict__
    if keys is not None:
        wanted = set(keys)
        writers = tuple(writer for writer in writers if writer[0] in wanted)
    return {name: row[name] if write is None else write(row[name]) for name, write in writers}


class AssistantSerializer(serializers.Serializer):
    """An assistant, showing its latest (published) version."""

    assistant_id = serializers.UUIDField()
    graph_id = serializers.CharField()
    config = serializers.DictField(
        help_text="A RunnableConfig (`tags`, `recursion_limit`, `configurable`, ...)."
    )
    context = serializers.DictField()  # type: ignore[assignment]
    metadata = serializers.DictField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    description = serializers.CharField(allow_null=True)

    def to_representation(self, instance: Assistant) -> dict[str, Any]:
        return assistant_data(instance)


class AssistantSelectedSerializer(AssistantSerializer):
    """An Assistant in a search result: every field is there unless ``select`` left it out."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class AssistantVersionSerializer(serializers.Serializer):
    """One immutable version of an assistant."""

    assistant_id = serializers.UUIDField()
    version = serializers.IntegerField()
    graph_id = serializers.CharField()
    config = serializers.DictField()
    context = serializers.DictField()  # type: ignore[assignment]
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)

    def to_representation(self, instance: AssistantVersion) -> dict[str, Any]:
        return version_data(instance)


_ASSISTANT_WRITERS = _writers(AssistantSerializer)
_VERSION_WRITERS = _writers(AssistantVersionSerializer)
#: Assistant keys in the order LangGraph Server emits them.
ASSISTANT_FIELDS = tuple(name for name, _ in _ASSISTANT_WRITERS)
#: AssistantVersion keys in the order LangGraph Server emits them.
VERSION_FIELDS = tuple(name for name, _ in _VERSION_WRITERS)


def assistant_data(
    assistant: Assistant | Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """The wire form of an assistant (an instance, or a ``.values()`` row), maybe only ``fields``."""
    return _render(_ASSISTANT_WRITERS, assistant, fields)


def version_data(version: AssistantVersion | Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a version (an instance, or a ``.values(*VERSION_FIELDS)`` row)."""
    return _render(_VERSION_WRITERS, version)


# -- input -------------------------------------------------------------------------------------


class StrictUUIDField(serializers.UUIDField):
    default_error_messages = {"invalid": "Must be a valid UUID."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


#: Field kinds whose instances hold only their settings (no fields, no per-request state).
_SHALLOW_COPIED = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.UUIDField,
    serializers.ChoiceField,
    JSONObjectField,
)


def _shallow_copy_is_enough(field: serializers.Field) -> bool:
    if isinstance(field, serializers.MultipleChoiceField) or not isinstance(field, _SHALLOW_COPIED):
        return False
    return not isinstance(field.default, dict | list | set)  # a mutable default stays per copy


class InputSerializer(serializers.Serializer):
    # Refuses keys it does not declare, naming them (LangGraph's request schemas are closed too).

    def get_fields(self) -> dict[str, serializers.Field]:
        """Each instance's own fields, copied from the declared ones.

        DRF deep-copies every declared field for every instance, re-running each field's
        ``__init__`` (about two thirds of validating a small body). A scalar field holds no state
        of a request until it is bound, and binding sets attributes on the copy, so a shallow copy
        is enough for the kinds in :data:`_SHALLOW_COPIED` with an immutable default. Any other
        field (one holding fields, like ``ListField``'s ``child``) is deep-copied as DRF does.
        """
        return {
            name: copy.copy(field) if _shallow_copy_is_enough(field) else copy.deepcopy(field)
            for name, field in self._declared_fields.items()
        }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)

    def validated(self) -> dict[str, Any]:
        """The given fields, with explicit nulls dropped (null means "not given" here)."""
        self.is_valid(raise_exception=True)
        return {key: value for key, value in self.validated_data.items() if value is not None}


class AssistantCreateSerializer(InputSerializer):
    """Body of `POST /assistants`."""

    assistant_id = StrictUUIDField(
        required=False, allow_null=True, help_text="The id to use; a new UUID when absent."
    )
    graph_id = StrictCharField(help_text="A graph id registered in langgraph.json.")
    config = ConfigField(required=False, allow_null=True, help_text="A RunnableConfig.")
    context = JSONObjectField(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        reserved=RESERVED_CONTEXT_KEYS,
        help_text="Static runtime context; validated against the graph's context schema.",
    )
    metadata = JSONObjectField(required=False, allow_null=True, reserved=RESERVED_METADATA_KEYS)
    if_exists = serializers.ChoiceField(
        choices=["raise", "do_nothing"],
        required=False,
        default="raise",
        help_text="`do_nothing` returns the existing assistant unchanged instead of a 409.",
    )
    name = StrictCharField(
        required=False, allow_null=True, max_length=255, help_text='Defaults to "Untitled".'
    )
    description = StrictCharField(required=False, allow_null=True)


class AssistantPatchSerializer(InputSerializer):
    """Body of `PATCH /assistants/{assistant_id}`; every field is optional."""

    graph_id = StrictCharField(required=False, allow_null=True)
    config = ConfigField(
        required=False, allow_null=True, help_text="Replaces the whole config when not empty."
    )
    context = JSONObjectField(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        reserved=RESERVED_CONTEXT_KEYS,
        help_text="Replaces the context; the rest of the config (tags, ...) is kept.",
    )
    metadata = JSONObjectField(
        required=False,
        allow_null=True,
        reserved=RESERVED_METADATA_KEYS,
        help_text="Merged into the current metadata (shallow).",
    )
    name = StrictCharField(required=False, allow_null=True, max_length=255)
    description = StrictCharField(required=False, allow_null=True)


class AssistantCountSerializer(InputSerializer):
    """Body of `POST /assistants/count`."""

    metadata = MetadataFilterField(
        required=False, allow_null=True, help_text="Containment filter (JSONB `@>`)."
    )
    graph_id = StrictCharField(required=False, allow_null=True)
    name = StrictCharField(
        required=False, allow_null=True, help_text="Case-insensitive substring of the name."
    )


class AssistantSearchSerializer(AssistantCountSerializer):
    """Body of `POST /assistants/search`."""

    limit = StrictIntegerField(required=False, default=10, min_value=1, max_value=MAX_LIMIT)
    offset = StrictIntegerField(required=False, default=0, min_value=0, max_value=MAX_OFFSET)
    sort_by = serializers.ChoiceField(
        choices=SORT_FIELDS, required=False, allow_null=True, help_text="Default `created_at`."
    )
    sort_order = LowercaseChoiceField(
        choices=["asc", "desc"], required=False, allow_null=True, help_text="Default `desc`."
    )
    select = serializers.ListField(
        child=serializers.ChoiceField(choices=ASSISTANT_FIELDS),
        required=False,
        allow_null=True,
        help_text="Return only these fields of each assistant.",
    )


class AssistantVersionsSearchSerializer(InputSerializer):
    """Body of `POST /assistants/{assistant_id}/versions`."""

    metadata = MetadataFilterField(
        required=False, allow_null=True, help_text="Containment filter on each version's metadata."
    )
    limit = StrictIntegerField(required=False, default=10, min_value=1, max_value=MAX_LIMIT)
    offset = StrictIntegerField(required=False, default=0, min_value=0, max_value=MAX_OFFSET)


class AssistantLatestSerializer(InputSerializer):
    """Body of `POST /assistants/{assistant_id}/latest`."""

    version = StrictIntegerField(min_value=-MAX_VERSION, max_value=MAX_VERSION)


class NullableObjectField(serializers.DictField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class GraphSchemaSerializer(serializers.Serializer):
    """The JSON Schemas of a graph (null where the graph has none)."""

    graph_id = serializers.CharField()
    input_schema = NullableObjectField(help_text="JSON Schema of the graph's input.")
    output_schema = NullableObjectField(help_text="JSON Schema of the graph's output.")
    state_schema = NullableObjectField(help_text="JSON Schema of the graph's state.")
    config_schema = NullableObjectField(
        help_text="The configurable part; `{}` when the graph has no context schema."
    )
    context_schema = NullableObjectField(help_text="JSON Schema of the runtime context, or null.")


_SCHEMA_KEYS = tuple(name for name in GraphSchemaSerializer._declared_fields if name != "graph_id")

#: ``{namespace: GraphSchemaNoId}`` (OpenAPI 3.1 schema, written out: DRF has no map-of-serializer).
SUBGRAPHS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {key: {"type": ["object", "null"]} for key in _SCHEMA_KEYS},
        "required": list(_SCHEMA_KEYS),
    },
}


class GraphNodeSerializer(serializers.Serializer):
    """A node of a graph drawing (`__end__` has only `id`)."""

    id = serializers.CharField()
    type = serializers.CharField(required=False, help_text="`runnable`, `schema` or `unknown`.")
    data = serializers.JSONField(required=False)  # type: ignore[assignment]
    metadata = serializers.DictField(required=False)


class GraphEdgeSerializer(serializers.Serializer):
    """An edge of a graph drawing."""

    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    data = serializers.JSONField(required=False)  # type: ignore[assignment]
    conditional = serializers.BooleanField(required=False)


class GraphDrawingSerializer(serializers.Serializer):
    """A graph drawing, as LangGraph's `Graph.to_json()` without node `data.id`."""

    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class ErrorLocationSerializer(serializers.Serializer):
    """Where a validation error is, and what it is."""

    loc = serializers.ListField(
        child=serializers.JSONField(), help_text="Path of the field at fault."
    )
    msg = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response."""

    detail = serializers.CharField()
    errors = ErrorLocationSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="Present on validation failures (422)."
    )
