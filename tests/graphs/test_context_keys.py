"""Unknown context keys: refused when the graph's context class cannot take them at run time.

Each case is checked twice: what the studio's one validator says, and what LangGraph does with
the same context when it runs the graph (a TypeError, the key dropped, or the key kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from graphs.context_keys import KeyPolicy, key_policy
from graphs.registry import Registry, get_registry, reset_registry
from graphs.schemas import graph_context_schema, graph_schemas
from graphs.validation import validate_context

KEYS_FILE = Path(__file__).parent / "fixtures" / "context_keys" / "langgraph.json"
UNKNOWN = ["Not a field of this graph's schema."]


@pytest.fixture
def keys_registry() -> Iterator[Registry]:
    with override_settings(STUDIO_GRAPHS_FILE=KEYS_FILE):
        reset_registry()
        yield get_registry()
    reset_registry()


def studio_errors(registry: Registry, graph_id: str, context: dict[str, Any]) -> dict[str, Any]:
    try:
        validate_context(registry.get(graph_id), context)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def run(registry: Registry, graph_id: str, context: dict[str, Any]) -> list[str]:
    """The context keys the graph's node received (raises what LangGraph raises)."""
    graph = registry.get(graph_id).build()
    return graph.invoke({"question": "q"}, context=context)["seen"]


def test_a_dataclass_context_refuses_a_misspelt_key_that_would_fail_every_run(
    keys_registry: Registry,
) -> None:
    context = {"temprature": 0.2}
    assert studio_errors(keys_registry, "dataclass", context) == {"temprature": UNKNOWN}
    with pytest.raises(TypeError, match="temprature"):
        run(keys_registry, "dataclass", context)
    assert studio_errors(keys_registry, "dataclass", {"temperature": 0.2}) == {}
    assert "temperature" in run(keys_registry, "dataclass", {"temperature": 0.2})


def test_a_pydantic_context_refuses_keys_it_would_silently_drop(keys_registry: Registry) -> None:
    context = {"temprature": 0.2, "nested": {"depht": 2}}
    assert studio_errors(keys_registry, "pydantic_ignore", context) == {
        "temprature": UNKNOWN,
        "nested.depht": UNKNOWN,
    }
    assert run(keys_registry, "pydantic_ignore", context) == ["nested"]  # temprature: gone


def test_a_pydantic_context_that_allows_extras_keeps_them(keys_registry: Registry) -> None:
    context = {"temprature": 0.2}
    assert studio_errors(keys_registry, "pydantic_allow", context) == {}
    assert run(keys_registry, "pydantic_allow", context) == ["temprature"]


def test_a_pydantic_field_is_taken_by_alias_and_by_name_when_the_model_says_so(
    keys_registry: Registry,
) -> None:
    for context in ({"systemPrompt": "Hi"}, {"system_prompt": "Hi"}):
        assert studio_errors(keys_registry, "pydantic_alias", context) == {}
        assert run(keys_registry, "pydantic_alias", context) == ["system_prompt"]
    assert studio_errors(keys_registry, "pydantic_alias", {"prompt": "Hi"}) == {"prompt": UNKNOWN}


def test_a_typeddict_context_takes_its_declared_keys_only(keys_registry: Registry) -> None:
    # LangGraph hands the dict over as it is, but the graph reads it through its type: a key the
    # TypedDict does not declare is never read (and a type checker rejects it).
    assert studio_errors(keys_registry, "typeddict", {"temprature": 0.2}) == {"temprature": UNKNOWN}
    assert studio_errors(keys_registry, "typeddict", {"temperature": 0.2, "model": "a/b"}) == {}


def test_a_typeddict_that_declares_extra_items_keeps_them(keys_registry: Registry) -> None:
    assert studio_errors(keys_registry, "typeddict_open", {"temprature": "x"}) == {}
    assert run(keys_registry, "typeddict_open", {"temprature": "x"}) == ["temprature"]


def test_a_graph_without_a_context_class_takes_any_key(keys_registry: Registry) -> None:
    assert studio_errors(keys_registry, "no_context", {"anything": 1}) == {}


def test_the_wire_schema_stays_as_langgraph_gives_it(keys_registry: Registry) -> None:
    spec = keys_registry.get("dataclass")
    wire = graph_schemas(spec)["context_schema"]
    assert "additionalProperties" not in wire
    assert graph_context_schema(spec) == {**wire, "additionalProperties": False}


def test_key_policy_reads_each_kind_of_class() -> None:
    import sys

    sys.path.insert(0, str(KEYS_FILE.parent))
    try:
        import fx_context_keys as fx
    finally:
        sys.path.remove(str(KEYS_FILE.parent))
    assert key_policy(fx.DataclassContext) == KeyPolicy(
        open=False, names=frozenset({"temperature", "model", "tags"})
    )
    assert key_policy(fx.AllowContext).open
    assert key_policy(fx.AliasContext).names == {"systemPrompt", "system_prompt"}
    assert key_policy(fx.TypedContext).names == {"temperature", "model"}
    assert key_policy(fx.OpenTypedContext).open
    assert key_policy(dict).open
