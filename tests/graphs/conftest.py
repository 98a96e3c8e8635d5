"""Fixtures for the graphs app: a registry over tests/graphs/fixtures/langgraph.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from graphs.registry import GraphSpec, Registry, get_registry, reset_registry
from tests.factories import DEMO_GRAPHS

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_GRAPHS_FILE = FIXTURES / "langgraph.json"


@pytest.fixture
def registry() -> Iterator[Registry]:
    """The registry of the fixture graphs, installed as ``STUDIO_GRAPHS_FILE``."""
    with override_settings(STUDIO_GRAPHS_FILE=FIXTURE_GRAPHS_FILE):
        reset_registry()
        yield get_registry()
    reset_registry()


@pytest.fixture
def demo_registry() -> Iterator[Registry]:
    """The project's own langgraph.json (the demo graphs), whatever the environment says."""
    with override_settings(STUDIO_GRAPHS_FILE=DEMO_GRAPHS):
        reset_registry()
        yield get_registry()
    reset_registry()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure the demo graphs use their offline chat model."""
    monkeypatch.setenv("STUDIO_DEMO_FAKE_LLM", "1")


@pytest.fixture
def agent(registry: Registry) -> GraphSpec:
    return registry.get("agent")


@pytest.fixture
def pydantic_graph(registry: Registry) -> GraphSpec:
    return registry.get("pydantic")


@pytest.fixture
def typed(registry: Registry) -> GraphSpec:
    return registry.get("typed")


@pytest.fixture
def nested(registry: Registry) -> GraphSpec:
    return registry.get("nested")


@pytest.fixture
def write_graphs_file(tmp_path: Path):
    """Write a langgraph.json (text or dict) into a temporary directory and return its path."""
    import json

    def write(content: str | dict, name: str = "langgraph.json") -> Path:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    return write
