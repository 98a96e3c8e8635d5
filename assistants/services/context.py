"""Checks a configuration must pass before it is stored: the graph exists and loads, and the
context fits the graph's context schema; plus LangGraph's rule tying ``config.configurable`` to
``context``."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError

from assistants.services.errors import ConfigContextConflict, GraphUnavailable
from graphs.registry import GraphLoadError, GraphSpec, get_registry
from graphs.validation import validate_context

__all__ = [
    "check_context",
    "check_graph",
    "consolidate_config_and_context",
    "context_schema",
    "graph_spec",
]


def graph_spec(graph_id: str) -> GraphSpec:
    """The registered graph; raises ``GraphNotFound`` (a 404) for an unknown id."""
    return get_registry().get(graph_id)


def context_schema(spec: GraphSpec, config: dict[str, Any]) -> dict[str, Any] | None:
    """The graph's context schema (None when it has none); ``GraphUnavailable`` if it cannot load."""
    from graphs.schemas import graph_context_schema

    def compute() -> dict[str, Any] | None:
        return graph_context_schema(spec, config if spec.kind == "factory" else None)

    try:
        # A compiled graph's schema is the same for every configuration: kept in the graph's
        # cache. A factory's depends on the configuration it is built with: never kept.
        return spec.cached(("context_schema",), compute)
    except GraphLoadError as exc:
        raise GraphUnavailable(f"{exc} Fix the graph before saving configurations for it.") from exc


def check_graph(*, graph_id: str, config: dict[str, Any] | None = None) -> GraphSpec:
    """The graph, provided it is registered (``GraphNotFound``) and loads (``GraphUnavailable``).

    Every write that stores a configuration for a graph passes here, whether or not it carries a
    context: a graph that fails to import gets the same 424 for all of them.
    """
    spec = graph_spec(graph_id)
    context_schema(spec, config or {})
    return spec


def check_context(
    *, graph_id: str, context: dict[str, Any], config: dict[str, Any] | None = None
) -> None:
    """Validate ``context`` against the graph's schema; raises ``ValidationError`` keyed by field.

    Values are an overlay on the graph's defaults (a run merges its own context on top), so
    required fields may be left out here; everything that is given must fit the schema.
    """
    spec = graph_spec(graph_id)
    if not isinstance(context, dict):
        raise ValidationError({"__all__": ["Context must be an object."]})
    if not context:
        return
    schema = context_schema(spec, config or {"configurable": context})
    if schema is None:
        return
    partial = dict(schema)
    partial.pop("required", None)
    validate_context(partial, context)


def consolidate_config_and_context(
    *,
    config: dict[str, Any] | None,
    context: dict[str, Any] | None,
    base_config: dict[str, Any],
    base_context: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep ``config.configurable`` and ``context`` in step (LangGraph's rule, §1.3).

    A given ``config.configurable`` becomes the context; a given context becomes
    ``config.configurable``; giving both is an error. Unlike LangGraph's dev server, a change of
    context alone keeps the rest of the old config (tags, recursion_limit, ...).
    """
    config = copy.deepcopy(config) if config else None
    configurable = (config or {}).get("configurable") or {}
    if configurable and context:
        raise ConfigContextConflict()
    if configurable:
        return config or {}, dict(configurable)
    if context is not None:
        new_config = config if config is not None else copy.deepcopy(base_config)
        new_config.pop("configurable", None)
        if context:
            new_config["configurable"] = copy.deepcopy(context)
        return new_config, copy.deepcopy(context)
    if config is not None:
        config.pop("configurable", None)
        if base_context:
            config["configurable"] = copy.deepcopy(base_context)
        return config, copy.deepcopy(base_context)
    return copy.deepcopy(base_config), copy.deepcopy(base_context)
