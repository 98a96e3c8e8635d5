from __future__ import annotations

import logging

import pytest

from graphs.registry import GraphLoadError, GraphSpec, Registry
from graphs.schemas import (
    GraphDrawingUnsupported,
    graph_context_schema,
    graph_drawing,
    graph_mermaid,
    graph_schemas,
    graph_subgraphs,
)

SCHEMA_KEYS = ["input_schema", "output_schema", "state_schema", "config_schema", "context_schema"]


# -- the five schemas --------------------------------------------------------------------------


def test_schemas_have_the_five_keys_of_langgraph_server(agent: GraphSpec) -> None:
    assert list(graph_schemas(agent)) == SCHEMA_KEYS


def test_dataclass_context_schema_keeps_the_prompt_hint_and_recovers_the_llm_hint(
    agent: GraphSpec,
) -> None:
    context = graph_schemas(agent)["context_schema"]
    assert context["title"] == "Context"
    assert context["description"] == "The context for the agent."
    assert context["properties"]["system_prompt"] == {
        "default": "You are a helpful AI assistant.",
        "description": "The system prompt to use.",
        "langgraph_nodes": ["call_model"],
        "langgraph_type": "prompt",
        "title": "System Prompt",
        "type": "string",
    }
    assert context["properties"]["model"] == {
        "default": "anthropic/claude-sonnet-4-5",
        "description": "provider/model-name.",
        "title": "Model",
        "type": "string",
        "x-template-kind": "llm",
    }
    assert context["properties"]["temperature"] == {
        "default": 0.7,
        "maximum": 2,
        "minimum": 0,
        "title": "Temperature",
        "type": "number",
    }
    assert context["properties"]["style"]["enum"] == ["blog", "tweet"]
    assert "x-template-kind" not in context["properties"]["system_prompt"]


def test_config_schema_equals_context_schema(agent: GraphSpec, pydantic_graph: GraphSpec) -> None:
    for spec in (agent, pydantic_graph):
        schemas = graph_schemas(spec)
        assert schemas["config_schema"] == schemas["context_schema"]
        assert schemas["config_schema"] is not schemas["context_schema"]


def test_typeddict_context_schema_marks_required_fields_and_template_kinds(
    typed: GraphSpec,
) -> None:
    context = graph_schemas(typed)["context_schema"]
    assert context["title"] == "Context"
    assert context["required"] == ["model_name", "model", "temperature"]
    assert context["properties"]["model_name"]["enum"] == ["anthropic", "openai"]
    assert context["properties"]["model"]["x-template-kind"] == "llm"
    assert context["properties"]["embeddings"]["x-template-kind"] == "embeddings"
    assert "x-template-kind" not in context["properties"]["temperature"]


def test_pydantic_context_schema_has_hints_at_every_level(pydantic_graph: GraphSpec) -> None:
    context = graph_schemas(pydantic_graph)["context_schema"]
    props = context["properties"]
    assert context["title"] == "Settings"
    assert context["additionalProperties"] is False
    assert props["prompt"]["langgraph_type"] == "prompt"
    assert props["prompt"]["langgraph_nodes"] == ["answer"]
    assert props["model"]["x-template-kind"] == "llm"
    assert props["fallback_model"]["x-template-kind"] == "llm"
    assert props["fallback_model"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert props["max_items"]["minimum"] == 1 and props["max_items"]["maximum"] == 50
    assert props["tone"]["$ref"] == "#/$defs/Tone"
    tone = context["$defs"]["Tone"]
    assert tone["properties"]["reviewer_model"]["x-template-kind"] == "llm"
    assert "x-template-kind" not in tone["properties"]["voice"]


def test_a_graph_without_context_has_no_context_schema_and_an_empty_config_schema(
    nested: GraphSpec,
) -> None:
    schemas = graph_schemas(nested)
    assert schemas["context_schema"] is None
    assert schemas["config_schema"] == {}


def test_input_and_output_schemas_come_from_the_graph(agent: GraphSpec) -> None:
    schemas = graph_schemas(agent)
    assert schemas["input_schema"] == {
        "properties": {
            "messages": {"items": {"type": "string"}, "title": "Messages", "type": "array"}
        },
        "required": ["messages"],
        "title": "InputState",
        "type": "object",
    }
    assert schemas["output_schema"]["title"] == "State"
    assert schemas["output_schema"]["required"] == ["messages", "count"]


def test_state_schema_has_one_nullable_field_per_channel_named_after_the_graph(
    agent: GraphSpec, nested: GraphSpec
) -> None:
    assert graph_schemas(agent)["state_schema"] == {
        "properties": {
            "messages": {
                "default": None,
                "items": {"type": "string"},
                "title": "Messages",
                "type": "array",
            },
            "count": {"default": None, "title": "Count", "type": "integer"},
        },
        "title": "Demo AgentState",
        "type": "object",
    }
    # an unnamed graph is named after its graph id, lower-case names get "_state"
    assert graph_schemas(nested)["state_schema"]["title"] == "nested_state"


def test_a_schema_that_cannot_be_made_is_none_and_logged(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="graphs.schemas"):
        schemas = graph_schemas(registry.get("unschemable"))
    assert schemas["input_schema"] is None
    assert schemas["output_schema"] is None
    assert schemas["state_schema"] is None
    assert schemas["context_schema"] is None
    assert schemas["config_schema"] == {}
    assert "Cannot compute the input_schema of graph unschemable" in caplog.text


def test_a_factory_is_built_with_the_given_config(registry: Registry) -> None:
    spec = registry.get("config_factory")
    schemas = graph_schemas(spec, {"configurable": {"model_name": "openai"}})
    assert schemas["state_schema"]["title"] == "config_factory_state"
    assert schemas["context_schema"] is None


def test_schemas_of_a_broken_graph_raise_graph_load_error(registry: Registry) -> None:
    with pytest.raises(GraphLoadError, match="Graph 'broken' failed to load"):
        graph_schemas(registry.get("broken"))


def test_graph_context_schema_is_the_context_schema_alone(
    agent: GraphSpec, nested: GraphSpec
) -> None:
    # plus the run-time rule for unknown keys: a dataclass context takes only its fields
    closed = {**graph_schemas(agent)["context_schema"], "additionalProperties": False}
    assert graph_context_schema(agent) == closed
    assert graph_context_schema(nested) is None


def test_schemas_are_fresh_copies_each_time(agent: GraphSpec) -> None:
    first = graph_schemas(agent)
    first["context_schema"]["properties"].clear()
    assert graph_schemas(agent)["context_schema"]["properties"]


# -- drawings -----------------------------------------------------------------------------------


def test_drawing_has_nodes_and_edges_without_data_id(nested: GraphSpec) -> None:
    assert graph_drawing(nested) == {
        "nodes": [
            {"id": "__start__", "type": "runnable", "data": {"name": "__start__"}},
            {"id": "call_model", "type": "runnable", "data": {"name": "call_model"}},
            {"id": "child", "type": "runnable", "data": {"name": "child"}},
            {"id": "__end__"},
        ],
        "edges": [
            {"source": "__start__", "target": "call_model"},
            {"source": "call_model", "target": "child"},
            {"source": "child", "target": "__end__"},
        ],
    }


def test_xray_expands_subgraphs_into_colon_joined_nodes(nested: GraphSpec) -> None:
    one_level = {node["id"] for node in graph_drawing(nested, xray=1)["nodes"]}
    assert {"child:sub_node", "child:grandchild"} <= one_level
    assert "child" not in one_level
    all_levels = {node["id"] for node in graph_drawing(nested, xray=True)["nodes"]}
    assert "child:grandchild:deep_node" in all_levels
    for node in graph_drawing(nested, xray=True)["nodes"]:
        assert "id" not in node.get("data", {})


def test_a_factory_is_drawn_with_the_assistant_config(registry: Registry) -> None:
    spec = registry.get("config_factory")
    default = {node["id"] for node in graph_drawing(spec)["nodes"]}
    openai = {
        node["id"]
        for node in graph_drawing(spec, {"configurable": {"model_name": "openai"}})["nodes"]
    }
    assert "node_anthropic" in default
    assert "node_openai" in openai


def test_mermaid_text_names_the_nodes(nested: GraphSpec) -> None:
    text = graph_mermaid(nested)
    assert "graph TD;" in text
    assert "call_model(call_model)" in text
    assert "child(child)" in text
    expanded = graph_mermaid(nested, xray=1)
    assert "subgraph child" in expanded
    assert "sub_node" in expanded


def test_a_graph_that_cannot_be_drawn_raises_graph_drawing_unsupported(registry: Registry) -> None:
    spec = registry.get("undrawable")
    with pytest.raises(GraphDrawingUnsupported):
        graph_drawing(spec)
    with pytest.raises(GraphDrawingUnsupported):
        graph_mermaid(spec)


def test_drawing_a_broken_graph_raises_graph_load_error(registry: Registry) -> None:
    with pytest.raises(GraphLoadError):
        graph_drawing(registry.get("broken"))


# -- subgraphs ----------------------------------------------------------------------------------


def test_subgraphs_are_keyed_by_node_name_with_their_schemas(nested: GraphSpec) -> None:
    subgraphs = graph_subgraphs(nested)
    assert list(subgraphs) == ["child"]
    child = subgraphs["child"]
    assert list(child) == SCHEMA_KEYS
    assert child["state_schema"]["title"] == "LangGraphState"
    assert child["config_schema"] == {}
    assert child["context_schema"] is None


def test_recursive_subgraphs_are_joined_with_a_pipe(nested: GraphSpec) -> None:
    assert list(graph_subgraphs(nested, recurse=True)) == ["child", "child|grandchild"]


def test_subgraphs_can_be_filtered_by_namespace(nested: GraphSpec) -> None:
    assert list(graph_subgraphs(nested, namespace="child")) == ["child"]
    assert list(graph_subgraphs(nested, namespace="child|grandchild", recurse=True)) == [
        "child|grandchild"
    ]


def test_an_unknown_namespace_gives_no_subgraphs(nested: GraphSpec, agent: GraphSpec) -> None:
    assert graph_subgraphs(nested, namespace="nobody") == {}
    assert graph_subgraphs(agent) == {}
