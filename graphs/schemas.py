"""JSON Schemas and drawings of a registered graph, as LangGraph Server's read endpoints give them.

``graph_schemas`` mirrors ``GET /assistants/{id}/schemas`` (reference §1.4.9), ``graph_drawing``
mirrors ``GET /assistants/{id}/graph`` (§1.4.8) and ``graph_subgraphs`` mirrors
``GET /assistants/{id}/subgraphs`` (§1.4.10). One addition: model fields declared as
``Annotated[str, {"__template_metadata__": {"kind": "llm"}}]``, which pydantic drops from the JSON
Schema, are marked with ``"x-template-kind": "llm"`` so forms can offer a model picker.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import types
import typing
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, cast, get_args, get_origin

import typing_extensions
from langchain_core.runnables import RunnableConfig
from langgraph.channels.base import BaseChannel
from langgraph.warnings import LangGraphDeprecationWarning
from pydantic import BaseModel, create_model

from graphs.context_keys import key_policy
from graphs.jsonschema import follow_ref
from graphs.registry import UNNAMED_GRAPH, GraphLoadError, GraphSpec

__all__ = [
    "TEMPLATE_KIND_KEY",
    "GraphDrawingUnsupported",
    "GraphLoadError",
    "graph_context_schema",
    "graph_drawing",
    "graph_mermaid",
    "graph_schemas",
    "graph_subgraphs",
    "schemas_of_graph",
]

logger = logging.getLogger(__name__)

#: JSON Schema extension key carrying ``__template_metadata__["kind"]`` ("llm", "embeddings", ...).
TEMPLATE_KIND_KEY = "x-template-kind"

SCHEMA_KEYS = ("input_schema", "output_schema", "state_schema", "config_schema", "context_schema")


class GraphDrawingUnsupported(Exception):
    """The graph raised NotImplementedError when asked for its drawing."""


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LangGraphDeprecationWarning)
        yield


def _graph_name(graph: Any, fallback: str | None) -> str | None:
    """The name LangGraph Server uses: an unnamed top-level graph is renamed to its graph id."""
    name = getattr(graph, "name", None)
    if fallback and (not name or name == UNNAMED_GRAPH):
        return fallback
    return name


# -- schemas -----------------------------------------------------------------------------------


def graph_schemas(spec: GraphSpec, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"input_schema", "output_schema", "state_schema", "config_schema", "context_schema"}``.

    The graph is built with ``config`` (factories are called with it). Raises GraphLoadError if
    the graph cannot be built; a schema that fails on its own is logged and comes back as None.
    """
    graph = spec.build(config)
    return schemas_of_graph(graph, name=spec.graph_id)


def schemas_of_graph(graph: Any, *, name: str | None = None) -> dict[str, Any]:
    """The five schemas of an already built graph (also used for subgraphs).

    ``name`` replaces the default graph name "LangGraph" in the state schema's title, as the
    server does for registered graphs (it does not rename subgraphs).
    """
    label = _graph_name(graph, name) or "graph"
    producers: dict[str, Callable[[], Any]] = {
        "input_schema": graph.get_input_jsonschema,
        "output_schema": graph.get_output_jsonschema,
        "state_schema": lambda: _state_jsonschema(graph, name),
        "context_schema": lambda: _context_jsonschema(graph),
    }
    result: dict[str, Any] = {}
    with _quiet():
        for key, produce in producers.items():
            try:
                result[key] = produce()
            except Exception:
                logger.warning("Cannot compute the %s of graph %s", key, label, exc_info=True)
                result[key] = None
    context = result.pop("context_schema")
    result["config_schema"] = copy.deepcopy(context) if context is not None else {}
    result["context_schema"] = context
    return result


def graph_context_schema(spec: GraphSpec, config: dict[str, Any] | None = None) -> dict | None:
    """The context schema the studio validates and edits with; None when there is none.

    It is the schema :func:`graph_schemas` gives plus ``additionalProperties: false`` wherever
    the context class cannot take unknown keys at run time (a dataclass, a TypedDict, a Pydantic
    model that does not allow extras: see graphs.context_keys). Raises GraphLoadError if the
    graph cannot be built, and whatever the context schema raises.
    """
    graph = spec.build(config)
    with _quiet():
        schema = _context_jsonschema(graph)
    cls = _context_class(graph)
    if schema is None or cls is None:
        return schema
    schema = copy.deepcopy(schema)
    try:
        _close(cls, schema)
    except Exception:  # type hints that cannot be read: judge by the schema alone
        logger.warning("Cannot read the context keys of %s", cls.__name__, exc_info=True)
    return schema


def _state_jsonschema(graph: Any, name: str | None) -> dict[str, Any]:
    channels = graph.channels
    fields: dict[str, Any] = {}
    for key in graph.stream_channels_list:
        channel = channels.get(key)
        if not isinstance(channel, BaseChannel):
            continue
        try:
            fields[key] = (channel.UpdateType, None)
        except Exception:  # some channel types cannot tell their update type
            continue
    model = create_model(graph.get_name("State", name=_graph_name(graph, name)), **fields)
    return model.model_json_schema()


def _context_class(graph: Any) -> type | None:
    schema = getattr(graph, "context_schema", None)
    if schema is None:
        builder = getattr(graph, "builder", None)
        schema = getattr(builder, "context_schema", None)
    return schema if isinstance(schema, type) else None


def _context_jsonschema(graph: Any) -> dict[str, Any] | None:
    schema = graph.get_context_jsonschema()
    if schema is None:
        return None
    cls = _context_class(graph)
    if cls is not None:
        try:
            _add_template_kinds(cls, schema, schema)
        except Exception:
            logger.warning("Cannot read the template hints of %s", cls.__name__, exc_info=True)
    return schema


# -- __template_metadata__ recovery --------------------------------------------------------------


def _template_kind(hint: Any) -> str | None:
    """The ``kind`` of a ``{"__template_metadata__": {...}}`` dict in Annotated metadata."""
    if get_origin(hint) is Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, dict) and isinstance(meta.get("__template_metadata__"), dict):
                kind = meta["__template_metadata__"].get("kind")
                if isinstance(kind, str):
                    return kind
        return _template_kind(get_args(hint)[0])
    if _is_wrapper(hint):
        for arg in get_args(hint):
            if (kind := _template_kind(arg)) is not None:
                return kind
    return None


def _is_wrapper(hint: Any) -> bool:
    """Optional / Union / Required / NotRequired / ReadOnly: look through them."""
    origin = get_origin(hint)
    wrappers = {typing.Union, types.UnionType, typing.Required, typing.NotRequired}
    if hasattr(typing, "ReadOnly"):
        wrappers.add(typing.ReadOnly)
    return origin in wrappers


def _nested_classes(hint: Any) -> Iterator[type]:
    """Structured classes (models, dataclasses, TypedDicts) a field's type refers to."""
    if get_origin(hint) is Annotated:
        yield from _nested_classes(get_args(hint)[0])
        return
    if isinstance(hint, type) and _is_structured(hint):
        yield hint
        return
    for arg in get_args(hint):
        yield from _nested_classes(arg)


def _is_structured(cls: type) -> bool:
    return (
        dataclasses.is_dataclass(cls)
        or issubclass(cls, BaseModel)
        or typing_extensions.is_typeddict(cls)
    )


def _property_names(cls: type) -> dict[str, str]:
    """Python attribute name -> JSON property name (pydantic aliases)."""
    names: dict[str, str] = {}
    if issubclass(cls, BaseModel):
        for attr, info in cls.model_fields.items():
            names[attr] = info.serialization_alias or info.alias or attr
    return names


def _object_target(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema ``node`` is or refers to (the ``$defs`` entry itself, to mark in place)."""
    target = follow_ref(root, node["$ref"]) if "$ref" in node else node
    return target if isinstance(target, dict) and "properties" in target else None


def _object_schemas(root: dict[str, Any], prop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Object schemas reachable from a property (direct, via $ref, or in anyOf/items)."""
    if (target := _object_target(root, prop)) is not None:
        yield target
    for key in ("anyOf", "oneOf", "allOf"):
        for member in prop.get(key, []):
            if isinstance(member, dict):
                yield from _object_schemas(root, member)
    items = prop.get("items")
    if isinstance(items, dict):
        yield from _object_schemas(root, items)
    additional = prop.get("additionalProperties")
    if isinstance(additional, dict):
        yield from _object_schemas(root, additional)


def _class_nodes(
    cls: type, root: dict[str, Any], node: dict[str, Any], *, seen: set[int]
) -> Iterator[tuple[type, dict[str, Any]]]:
    """``(class, its object schema)`` for ``cls`` and every structured class nested in it.

    Nested models/dataclasses/TypedDicts are found through ``$defs`` (by title when a field's type
    names several).
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    yield cls, node
    properties = node.get("properties")
    if not isinstance(properties, dict):
        return
    hints = typing.get_type_hints(cls, include_extras=True)
    aliases = _property_names(cls)
    for attr, hint in hints.items():
        prop = properties.get(aliases.get(attr, attr))
        nested = list(_nested_classes(hint)) if isinstance(prop, dict) else []
        if not nested or not isinstance(prop, dict):
            continue
        targets = list(_object_schemas(root, prop))
        for nested_cls in nested:
            for target in targets:
                if target.get("title") == nested_cls.__name__ or len(nested) == 1:
                    yield from _class_nodes(nested_cls, root, target, seen=seen)


def _add_template_kinds(cls: type, root: dict[str, Any], node: dict[str, Any]) -> None:
    """Mark the properties of ``node`` (the schema of ``cls``) and nested ones with their kind."""
    for owner, schema in _class_nodes(cls, root, node, seen=set()):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            continue
        aliases = _property_names(owner)
        for attr, hint in typing.get_type_hints(owner, include_extras=True).items():
            prop = properties.get(aliases.get(attr, attr))
            if isinstance(prop, dict) and (kind := _template_kind(hint)) is not None:
                prop[TEMPLATE_KIND_KEY] = kind


def _close(cls: type, root: dict[str, Any]) -> None:
    """Refuse, in the schema itself, the keys the context classes cannot take at run time.

    Sets ``additionalProperties: false`` on the object schema of every structured class that does
    not keep unknown keys (see graphs.context_keys), so the one validator names them. Keys a class
    takes beyond its schema's properties (a Pydantic field by name and by alias) stay allowed.
    """
    for owner, schema in _class_nodes(cls, root, root, seen=set()):
        policy = key_policy(owner)
        if policy.open or "additionalProperties" in schema:
            continue
        schema["additionalProperties"] = False
        declared = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        others = sorted(policy.names - set(declared or {}))
        if others:
            pattern = "^(?:" + "|".join(re.escape(name) for name in others) + ")$"
            schema.setdefault("patternProperties", {})[pattern] = {}


# -- drawings and subgraphs --------------------------------------------------------------------


def _drawable(spec: GraphSpec, config: dict[str, Any] | None, xray: bool | int) -> Any:
    graph = spec.build(config)
    try:
        with _quiet():
            return graph.get_graph(cast(RunnableConfig | None, config), xray=xray)
    except NotImplementedError as exc:
        raise GraphDrawingUnsupported(
            f"Graph '{spec.graph_id}' does not support visualization"
        ) from exc


def graph_drawing(
    spec: GraphSpec, config: dict[str, Any] | None = None, xray: bool | int = False
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}`` with ``data.id`` removed from every node.

    ``xray=True`` expands every subgraph, ``xray=n`` expands n levels. Raises GraphLoadError if
    the graph cannot be built and GraphDrawingUnsupported if it cannot be drawn.
    """
    drawing = _drawable(spec, config, xray).to_json()
    for node in drawing.get("nodes", []):
        data = node.get("data")
        if isinstance(data, dict):
            data.pop("id", None)
    return drawing


def graph_mermaid(
    spec: GraphSpec, config: dict[str, Any] | None = None, xray: bool | int = False
) -> str:
    """The graph as Mermaid flowchart text (rendered locally, no network)."""
    return _drawable(spec, config, xray).draw_mermaid()


def graph_subgraphs(
    spec: GraphSpec,
    config: dict[str, Any] | None = None,
    namespace: str | None = None,
    recurse: bool = False,
) -> dict[str, dict[str, Any]]:
    """``{namespace: schemas}`` for the graph's subgraphs; nested namespaces are ``a|b``.

    An unknown namespace gives ``{}``.
    """
    graph = spec.build(config)
    with _quiet():
        found = list(graph.get_subgraphs(namespace=namespace, recurse=recurse))
    return {ns: schemas_of_graph(subgraph) for ns, subgraph in found}
