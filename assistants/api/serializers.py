"""Input and output serializers, named after LangGraph's wire objects.

Input serializers refuse fields they do not know (422 naming them) and values of the wrong JSON
type. Output serializers describe the objects for the OpenAPI document; the actual rendering is
done by :func:`assistant_data` / :func:`version_data`, plain dict building in the wire's key order,
because it runs for every row of every response.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

#: Assistant keys in the order LangGraph Server emits them.
ASSISTANT_FIELDS = (
    "assistant_id",
    "graph_id",
    "config",
    "context",
    "metadata",
    "name",
    "created_at",
    "updated_at",
    "version",
    "description",
)
#: AssistantVersion keys in the order LangGraph Server emits them.
VERSION_FIELDS = (
    "assistant_id",
    "version",
    "graph_id",
    "config",
    "context",
    "metadata",
    "created_at",
    "name",
    "description",
)
SORT_FIELDS = ("assistant_id", "graph_id", "name", "created_at", "updated_at")
SELECT_FIELDS = (
    "assistant_id",
    "graph_id",
    "name",
    "description",
    "config",
    "context",
    "created_at",
    "updated_at",
    "metadata",
    "version",
)
MAX_LIMIT = 1000
#: Larger offsets cannot be a real page and would overflow SQLite's 64-bit integers.
MAX_OFFSET = 2**62
#: Versions are PositiveIntegerField (a 32-bit column on PostgreSQL).
MAX_VERSION = 2**31 - 1


def iso(value: datetime) -> str:
    """RFC 3339 with microseconds and an offset, as LangGraph's orjson output: ``...29.380073+00:00``."""
    return value.isoformat(timespec="microseconds")


def _row(obj: Any) -> Mapping[str, Any]:
    """A model instance's field values by attribute name, or a ``.values()`` row as is."""
    return obj if isinstance(obj, Mapping) else obj.__dict__


def assistant_data(
    assistant: Assistant | Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """The wire form of an assistant (an instance, or a ``.values(*ASSISTANT_COLUMNS)`` row)."""
    row = _row(assistant)
    if fields is not None:
        wanted = set(fields)
        return {key: _wire(key, row[key]) for key in ASSISTANT_FIELDS if key in wanted}
    return {
        "assistant_id": str(row["assistant_id"]),
        "graph_id": row["graph_id"],
        "config": row["config"],
        "context": row["context"],
        "metadata": row["metadata"],
        "name": row["name"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "version": row["version"],
        "description": row["description"],
    }


def _wire(key: str, value: Any) -> Any:
    if key == "assistant_id":
        return str(value)
    if key in ("created_at", "updated_at"):
        return iso(value)
    return value


def version_data(version: AssistantVersion | Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a version (an instance, or a ``.values(*VERSION_FIELDS)`` row)."""
    row = _row(version)
    return {
        "assistant_id": str(row["assistant_id"]),
        "version": row["version"],
        "graph_id": row["graph_id"],
        "config": row["config"],
        "context": row["context"],
        "metadata": row["metadata"],
        "created_at": iso(row["created_at"]),
        "name": row["name"],
        "description": row["description"],
    }


# -- input -------------------------------------------------------------------------------------


class StrictUUIDField(serializers.UUIDField):
    default_error_messages = {"invalid": "Must be a valid UUID."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class InputSerializer(serializers.Serializer):
    # Refuses keys it does not declare, naming them (LangGraph's request schemas are closed too).

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
        child=serializers.ChoiceField(choices=SELECT_FIELDS),
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


# -- output (for the OpenAPI document) -----------------------------------------------------------
# Some wire names (``context``, ``data``, ``source``, ``errors``) are also Serializer attributes.
# DRF's metaclass moves declared fields off the class, so nothing is shadowed at run time; the
# ``type: ignore`` comments only quiet the stubs, which cannot know that.


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


_SCHEMA_KEYS = ("input_schema", "output_schema", "state_schema", "config_schema", "context_schema")

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
