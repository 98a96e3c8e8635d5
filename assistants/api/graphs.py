"""Schemas, drawings and subgraphs of an assistant's graph, cached where that is safe.

A compiled graph (or a builder) is the same for every assistant, so its introspection is kept in
the graph's one cache (:meth:`graphs.registry.GraphSpec.cached`) and reused. A factory is built per
assistant config, as LangGraph Server does, so nothing is cached for it. Cached values are shared:
callers must not mutate them.
"""

from __future__ import annotations

from typing import Any

from graphs.registry import get_registry
from graphs.schemas import graph_drawing, graph_schemas, graph_subgraphs


def schemas(graph_id: str, config: dict[str, Any]) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return spec.cached(("schemas",), lambda: graph_schemas(spec, config))


def drawing(graph_id: str, config: dict[str, Any], xray: bool | int) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return spec.cached(
        ("drawing", type(xray).__name__, xray), lambda: graph_drawing(spec, config, xray=xray)
    )


def subgraphs(
    graph_id: str, config: dict[str, Any], namespace: str | None, recurse: bool
) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return spec.cached(
        ("subgraphs", namespace, recurse),
        lambda: graph_subgraphs(spec, config, namespace=namespace, recurse=recurse),
    )
