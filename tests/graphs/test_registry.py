from __future__ import annotations

import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from graphs.registry import (
    DEFAULT_ASSISTANT_NAMESPACE,
    GraphLoadError,
    GraphNotFound,
    GraphSpec,
    Registry,
    default_assistant_id,
    get_registry,
    reset_registry,
)

from .conftest import FIXTURE_GRAPHS_FILE


def _module_of(spec: GraphSpec):
    return sys.modules[spec.load_target().__module__]


# -- ids -----------------------------------------------------------------------------------------


def test_default_assistant_id_matches_langgraph_server() -> None:
    namespace = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
    assert namespace == DEFAULT_ASSISTANT_NAMESPACE
    assert default_assistant_id("agent") == uuid.UUID("fe096781-5601-53d2-b2f6-0d3403f7e9ca")
    assert default_assistant_id("factory") == uuid.UUID("7f7e503e-a375-52fe-bcf4-0893f0e102e6")
    assert default_assistant_id("plain") == uuid.UUID("8b184351-3358-5cdd-b03b-9a70de2251e5")


# -- reading langgraph.json ------------------------------------------------------------------------


def test_graph_ids_keep_the_file_order(registry: Registry) -> None:
    assert registry.graph_ids() == [
        "agent",
        "typed",
        "plain_factory",
        "config_factory",
        "cm_factory",
        "async_factory",
        "bad_factory",
        "optional_factory",
        "greedy_factory",
        "failing_factory",
        "pydantic",
        "nested",
        "unschemable",
        "undrawable",
        "broken",
        "not_a_graph",
        "missing_attr",
        "dotted",
    ]
    assert [spec.graph_id for spec in registry.specs()] == registry.graph_ids()


def test_string_and_object_entries_are_both_read(registry: Registry) -> None:
    agent = registry.get("agent")
    assert agent.path == "./fx_compiled_dataclass.py:graph"
    assert agent.description == "A compiled graph with a dataclass context."
    assert agent.base_dir == FIXTURE_GRAPHS_FILE.parent.resolve()
    assert registry.get("typed").description is None
    assert registry.get("config_factory").description is None


def test_registry_knows_which_graphs_it_has(registry: Registry) -> None:
    assert "agent" in registry
    assert "nobody" not in registry


def test_unknown_graph_raises_graph_not_found_listing_the_sorted_ids(tmp_path: Path) -> None:
    path = tmp_path / "langgraph.json"
    path.write_text('{"graphs": {"b": "./b.py:graph", "a": "./a.py:graph"}}')
    registry = Registry.from_file(path)
    with pytest.raises(GraphNotFound) as caught:
        registry.get("x")
    assert str(caught.value) == "Graph 'x' not found. Expected one of: ['a', 'b']"
    assert isinstance(caught.value, LookupError)


def test_reading_the_registry_imports_no_graph_module(write_graphs_file, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "lazy.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('yes')\n"
        "from langgraph.graph import StateGraph\n"
        "from typing_extensions import TypedDict\n"
        "class S(TypedDict):\n    x: int\n"
        "builder = StateGraph(S)\nbuilder.add_node('n', lambda s: {})\n"
        "builder.add_edge('__start__', 'n')\n"
    )
    path = write_graphs_file({"graphs": {"lazy": "./lazy.py:builder"}})
    with override_settings(STUDIO_GRAPHS_FILE=path):
        registry = get_registry()
        assert registry.graph_ids() == ["lazy"]
        assert registry.get("lazy").description is None
        assert not marker.exists()
        assert registry.get("lazy").kind == "builder"
    assert marker.exists()


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"dependencies": ["."]}', '"graphs" object'),
        ('{"graphs": []}', '"graphs" object'),
        ('{"graphs": {}}', "registers no graphs"),
        ('{"graphs": {"a": 3}}', "graph 'a' must be"),
        ('{"graphs": {"a": {"description": "no path"}}}', "graph 'a' must be"),
        ('{"graphs": {"a": "./a.py"}}', "expected './file.py:attribute'"),
        ('{"graphs": {"a": {"path": "./a.py:g", "description": 5}}}', "description"),
    ],
)
def test_malformed_graphs_file_raises_improperly_configured_naming_the_file(
    write_graphs_file, content: str, complaint: str
) -> None:
    path = write_graphs_file(content)
    with pytest.raises(ImproperlyConfigured) as caught:
        Registry.from_file(path)
    assert str(path.resolve()) in str(caught.value)
    assert complaint in str(caught.value)


def test_missing_graphs_file_raises_improperly_configured(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "langgraph.json"
    with (
        override_settings(STUDIO_GRAPHS_FILE=missing),
        pytest.raises(ImproperlyConfigured) as caught,
    ):
        get_registry()
    assert str(missing) in str(caught.value)
    assert "does not exist" in str(caught.value)


# -- the cached registry --------------------------------------------------------------------------


def test_get_registry_is_cached_per_graphs_file(registry: Registry, write_graphs_file) -> None:
    assert get_registry() is registry
    other = write_graphs_file({"graphs": {"solo": "./solo.py:graph"}})
    with override_settings(STUDIO_GRAPHS_FILE=other):
        assert get_registry().graph_ids() == ["solo"]
    assert get_registry() is registry


def test_reset_registry_reads_the_file_again(registry: Registry) -> None:
    reset_registry()
    fresh = get_registry()
    assert fresh is not registry
    assert fresh.graph_ids() == registry.graph_ids()


def test_get_registry_gives_every_thread_the_same_registry(registry: Registry) -> None:
    reset_registry()
    seen: list[Registry] = []

    def read() -> None:
        seen.append(get_registry())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(r is seen[0] for r in seen)


def test_project_graphs_file_registers_the_demo_graphs(demo_registry: Registry) -> None:
    assert demo_registry.graph_ids() == ["writer", "researcher"]
    writer = demo_registry.get("writer")
    assert writer.description == "Writes blog posts and tweets in a chosen style."
    assert demo_registry.get("researcher").description is None


# -- kinds and building ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph_id", "kind"),
    [
        ("agent", "compiled"),
        ("typed", "builder"),
        ("plain_factory", "factory"),
        ("config_factory", "factory"),
        ("cm_factory", "factory"),
        ("async_factory", "factory"),
        ("pydantic", "compiled"),
        ("dotted", "compiled"),
    ],
)
def test_registry_loads_each_kind_of_graph(registry: Registry, graph_id: str, kind: str) -> None:
    spec = registry.get(graph_id)
    assert spec.kind == kind
    assert isinstance(spec.build(), Pregel)
    assert spec.error is None


def test_a_compiled_graph_is_used_as_it_is(agent: GraphSpec) -> None:
    assert agent.build() is agent.load_target()
    assert agent.build({"configurable": {"x": 1}}) is agent.build()


def test_a_builder_is_compiled_once(typed: GraphSpec) -> None:
    assert isinstance(typed.load_target(), StateGraph)
    first = typed.build()
    assert isinstance(first, Pregel)
    assert typed.build() is first


def test_the_target_is_imported_once(agent: GraphSpec) -> None:
    assert agent.load_target() is agent.load_target()


def test_a_file_graph_module_is_registered_in_sys_modules(agent: GraphSpec) -> None:
    file = str(FIXTURE_GRAPHS_FILE.parent.resolve() / "fx_compiled_dataclass.py")
    graph = agent.load_target()
    names = [
        name
        for name, module in list(sys.modules.items())
        if getattr(module, "__file__", None) == file and getattr(module, "graph", None) is graph
    ]
    assert len(names) == 1
    assert names[0].startswith("studio_graphs.agent")
    # dataclasses and typing resolve the module's names through sys.modules
    assert agent.build().context_schema.__module__ == names[0]


def test_a_dotted_path_is_imported_from_the_graphs_file_directory(registry: Registry) -> None:
    spec = registry.get("dotted")
    assert spec.build().name == "Dotted"
    assert sys.modules["studio_fixture_graphs.dotted"].graph is spec.load_target()


def test_a_factory_is_called_on_every_build(registry: Registry) -> None:
    spec = registry.get("plain_factory")
    calls = _module_of(spec).CALLS
    before = len(calls)
    first, second = spec.build(), spec.build()
    assert len(calls) == before + 2
    assert first is not second
    assert calls[-1] is None  # called without arguments
    assert "plain_node" in first.nodes  # the returned StateGraph was compiled


def test_a_one_argument_factory_receives_the_config(registry: Registry) -> None:
    spec = registry.get("config_factory")
    calls = _module_of(spec).CALLS
    openai = spec.build({"configurable": {"model_name": "openai"}})
    assert calls[-1] == {"configurable": {"model_name": "openai"}}
    assert "node_openai" in openai.nodes
    default = spec.build()
    assert calls[-1] == {}
    assert "node_anthropic" in default.nodes


def test_a_context_manager_factory_gives_its_graph_and_is_exited(registry: Registry) -> None:
    spec = registry.get("cm_factory")
    exited = _module_of(spec).EXITED
    before = len(exited)
    graph = spec.build()
    assert "cm_node" in graph.nodes
    assert len(exited) == before + 1


def test_a_coroutine_factory_is_awaited(registry: Registry) -> None:
    graph = registry.get("async_factory").build({"configurable": {"a": 1}})
    assert "async_node" in graph.nodes


def test_a_factory_with_an_optional_parameter_receives_the_config(registry: Registry) -> None:
    spec = registry.get("optional_factory")
    calls = _module_of(spec).CALLS
    spec.build({"configurable": {"k": "v"}})
    assert calls[-1] == {"configurable": {"k": "v"}}


def test_a_factory_wanting_two_arguments_is_not_valid(registry: Registry) -> None:
    error = registry.get("greedy_factory").error
    assert error == (
        "Graph 'greedy_factory' is not valid: a factory takes no argument or one (the config), "
        "'make_with_two_arguments' takes 2."
    )


def test_a_factory_that_raises_is_a_load_error(registry: Registry) -> None:
    spec = registry.get("failing_factory")
    with pytest.raises(GraphLoadError) as caught:
        spec.build()
    assert str(caught.value) == (
        "Graph 'failing_factory' failed to load: RuntimeError: no API key for the vector store"
    )
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert spec.error == str(caught.value)
    assert spec.kind == "factory"  # importing worked; only building fails


def test_a_factory_returning_something_else_is_not_valid(registry: Registry) -> None:
    spec = registry.get("bad_factory")
    with pytest.raises(GraphLoadError, match=r"^Graph 'bad_factory' is not valid: .*got int"):
        spec.build()
    assert spec.error.startswith("Graph 'bad_factory' is not valid")


def test_an_attribute_that_is_no_graph_is_not_valid(registry: Registry) -> None:
    spec = registry.get("not_a_graph")
    with pytest.raises(GraphLoadError, match=r"^Graph 'not_a_graph' is not valid: .*got int"):
        _ = spec.kind
    assert spec.error is not None and "is not valid" in spec.error


def test_a_broken_module_reports_its_error_and_other_graphs_still_load(registry: Registry) -> None:
    broken = registry.get("broken")
    assert (
        broken.error == "Graph 'broken' failed to load: ModuleNotFoundError: No module named 'nope'"
    )
    with pytest.raises(GraphLoadError) as caught:
        broken.build()
    assert str(caught.value) == broken.error
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)
    assert caught.value.graph_id == "broken"
    # the failure is remembered, not retried by re-executing the module
    with pytest.raises(GraphLoadError):
        broken.load_target()
    assert registry.get("agent").error is None
    assert registry.get("agent").build().name == "Demo Agent"


def test_a_missing_attribute_is_a_load_error(registry: Registry) -> None:
    error = registry.get("missing_attr").error
    assert error is not None
    assert error.startswith("Graph 'missing_attr' failed to load:")
    assert "no_such_attribute" in error


def test_a_missing_file_is_a_load_error(write_graphs_file) -> None:
    registry = Registry.from_file(write_graphs_file({"graphs": {"ghost": "./ghost.py:graph"}}))
    assert registry.get("ghost").error.startswith(
        "Graph 'ghost' failed to load: FileNotFoundError: No such file:"
    )


def test_error_is_none_for_graphs_that_build(registry: Registry) -> None:
    assert registry.get("typed").error is None
    assert registry.get("nested").error is None


# -- default names ----------------------------------------------------------------------------------


def test_default_name_is_the_compiled_graph_name_when_it_was_given_one(registry: Registry) -> None:
    assert registry.get("agent").default_name == "Demo Agent"
    assert registry.get("dotted").default_name == "Dotted"


def test_default_name_falls_back_to_the_graph_id(registry: Registry) -> None:
    assert registry.get("nested").default_name == "nested"  # compiled, name "LangGraph"
    assert registry.get("typed").default_name == "typed"  # builder
    assert registry.get("broken").default_name == "broken"


def test_default_name_of_a_factory_does_not_call_it(registry: Registry) -> None:
    spec = registry.get("config_factory")
    calls = _module_of(spec).CALLS
    before = len(calls)
    assert spec.default_name == "config_factory"
    assert len(calls) == before
