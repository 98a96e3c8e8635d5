"""GraphSpec.cached: the one per-graph cache of what is derived from a graph (schemas, ...)."""

from __future__ import annotations

import pytest

from graphs.registry import MAX_CACHED_PER_GRAPH, GraphSpec, Registry


def test_a_value_is_computed_once_per_graph_and_key(agent: GraphSpec, typed: GraphSpec) -> None:
    calls: list[str] = []

    def compute(name: str) -> dict[str, str]:
        calls.append(name)
        return {"name": name}

    first = agent.cached(("schema",), lambda: compute("agent"))
    assert agent.cached(("schema",), lambda: compute("again")) is first
    assert agent.cached(("other",), lambda: compute("other")) == {"name": "other"}
    assert typed.cached(("schema",), lambda: compute("typed")) == {"name": "typed"}
    assert calls == ["agent", "other", "typed"]


def test_nothing_is_kept_for_a_factory_or_a_failure(registry: Registry, agent: GraphSpec) -> None:
    factory = registry.get("plain_factory")
    values = iter([1, 2])
    assert factory.cached(("k",), lambda: next(values)) == 1
    assert factory.cached(("k",), lambda: next(values)) == 2  # built per config: computed again
    # Unless the value is computed without a config (the factory built with none).
    assert factory.cached(("free",), lambda: "first", config_free=True) == "first"
    assert factory.cached(("free",), lambda: "again", config_free=True) == "first"

    def fail() -> int:
        raise ValueError("schema bug")

    with pytest.raises(ValueError):
        agent.cached(("failing",), fail)
    assert agent.cached(("failing",), lambda: 3) == 3


def test_the_cache_is_bounded_and_a_reloaded_registry_starts_empty(agent: GraphSpec) -> None:
    for n in range(MAX_CACHED_PER_GRAPH + 10):
        assert agent.cached(("n", n), lambda n=n: n) == n
    assert agent.cached(("n", MAX_CACHED_PER_GRAPH + 5), lambda: "fresh") == "fresh"
    fresh = GraphSpec(agent.graph_id, agent.path, base_dir=agent.base_dir)
    assert fresh.cached(("n", 0), lambda: "new spec") == "new spec"
