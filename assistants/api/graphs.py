"""Schemas, drawings and subgraphs of an assistant's graph, cached where that is safe.

A compiled graph (or a builder) is the same for every assistant, so its introspection is computed
once per :class:`~graphs.registry.GraphSpec` and reused (the specs are replaced when the registry
is reloaded, and the cache goes with them). A factory is built per assistant config, as LangGraph
Server does, so nothing is cached for it. Cached values are shared: callers must not mutate them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from graphs.registry import GraphSpec, get_registry
from graphs.schemas import graph_drawing, graph_schemas, graph_subgraphs

#: Per graph; keys come from query parameters, so the number kept is bounded.
MAX_ENTRIES_PER_GRAPH = 64

_cache: weakref.WeakKeyDictionary[GraphSpec, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cached(spec: GraphSpec, key: Hashable, compute: Callable[[], Any]) -> Any:
    if spec.kind == "factory":
        return compute()
    with _lock:
        entries = _cache.setdefault(spec, {})
        if key in entries:
            return entries[key]
    value = compute()
    with _lock:
        if len(entries) < MAX_ENTRIES_PER_GRAPH:
            entries[key] = value
    return value


def schemas(graph_id: str, config: dict[str, Any]) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return _cached(spec, ("schemas",), lambda: graph_schemas(spec, config))


def drawing(graph_id: str, config: dict[str, Any], xray: bool | int) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return _cached(
        spec, ("drawing", type(xray).__name__, xray), lambda: graph_drawing(spec, config, xray=xray)
    )


def subgraphs(
    graph_id: str, config: dict[str, Any], namespace: str | None, recurse: bool
) -> dict[str, Any]:
    spec = get_registry().get(graph_id)
    return _cached(
        spec,
        ("subgraphs", namespace, recurse),
        lambda: graph_subgraphs(spec, config, namespace=namespace, recurse=recurse),
    )
