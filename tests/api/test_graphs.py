"""GET /assistants/{id}/schemas, /graph and /subgraphs[/{namespace}]."""

from __future__ import annotations

import pytest

from assistants.models import Assistant

pytestmark = pytest.mark.django_db

TOPIC_STATE = {
    "properties": {"topic": {"title": "Topic", "type": "string"}},
    "required": ["topic"],
    "title": "State",
    "type": "object",
}
TINY_CONTEXT = {
    "description": "Tiny settings.",
    "properties": {
        "model": {"default": "fake/model", "title": "Model", "type": "string"},
        "temperature": {
            "default": 0.5,
            "maximum": 1,
            "minimum": 0,
            "title": "Temperature",
            "type": "number",
        },
        "style": {"default": "blog", "enum": ["blog", "tweet"], "title": "Style", "type": "string"},
    },
    "title": "Context",
    "type": "object",
}
FACTORY_CONTEXT = {
    "properties": {
        "model_name": {"enum": ["anthropic", "openai"], "title": "Model Name", "type": "string"}
    },
    "title": "Settings",
    "type": "object",
}
SUBGRAPH_SCHEMAS = {
    "input_schema": TOPIC_STATE,
    "output_schema": TOPIC_STATE,
    "state_schema": {
        "properties": {"topic": {"default": None, "title": "Topic", "type": "string"}},
        "title": "LangGraphState",
        "type": "object",
    },
    "config_schema": {},
    "context_schema": None,
}


def node(name: str) -> dict:
    return {"id": name, "type": "runnable", "data": {"name": name}}


# -- schemas ---------------------------------------------------------------------------------------


def test_schemas_of_a_compiled_graph(api):
    response = api.get("/assistants/tiny/schemas")

    assert response.status_code == 200
    assert response.json() == {
        "graph_id": "tiny",
        "input_schema": TOPIC_STATE,
        "output_schema": TOPIC_STATE,
        "state_schema": {
            "properties": {"topic": {"default": None, "title": "Topic", "type": "string"}},
            "title": "Tiny AgentState",
            "type": "object",
        },
        "config_schema": TINY_CONTEXT,
        "context_schema": TINY_CONTEXT,
    }


def test_schemas_of_a_factory_graph_are_built_from_the_assistants_config(api, make_assistant):
    assistant = make_assistant(graph_id="factory", context={"model_name": "openai"})

    response = api.get(f"/assistants/{assistant.pk}/schemas")

    assert response.json() == {
        "graph_id": "factory",
        "input_schema": {
            "properties": {"x": {"title": "X", "type": "integer"}},
            "required": ["x"],
            "title": "State",
            "type": "object",
        },
        "output_schema": {
            "properties": {"x": {"title": "X", "type": "integer"}},
            "required": ["x"],
            "title": "State",
            "type": "object",
        },
        "state_schema": {
            "properties": {"x": {"default": None, "title": "X", "type": "integer"}},
            "title": "factory_state",
            "type": "object",
        },
        "config_schema": FACTORY_CONTEXT,
        "context_schema": FACTORY_CONTEXT,
    }


def test_schemas_of_a_graph_that_fails_to_load_is_a_424(api):
    response = api.get("/assistants/broken/schemas")

    assert response.status_code == 424
    assert response.json() == {
        "detail": "Graph 'broken' failed to load: RuntimeError: this graph is broken on purpose"
    }


def test_schemas_of_an_unknown_assistant_is_a_404(api):
    response = api.get("/assistants/44444444-4444-4444-4444-444444444444/schemas")

    assert response.status_code == 404
    assert response.json() == {"detail": "Assistant 44444444-4444-4444-4444-444444444444 not found"}


def test_schemas_of_a_non_uuid_id_is_a_422(api):
    response = api.get("/assistants/nope/schemas")

    assert (response.status_code, response.json()) == (
        422,
        {"detail": "Invalid assistant ID: must be a UUID"},
    )


def test_schemas_are_computed_once_per_compiled_graph(api, monkeypatch):
    from assistants.api import graphs

    calls = []
    original = graphs.graph_schemas
    monkeypatch.setattr(
        graphs, "graph_schemas", lambda *a, **k: calls.append(a) or original(*a, **k)
    )

    first = api.get("/assistants/tiny/schemas").json()
    second = api.get("/assistants/tiny/schemas").json()

    assert first == second
    assert len(calls) == 1


# -- graph -----------------------------------------------------------------------------------------


def test_graph_draws_the_nodes_and_edges_without_data_ids(api):
    response = api.get("/assistants/tiny/graph")

    assert response.status_code == 200
    assert response.json() == {
        "nodes": [node("__start__"), node("write"), node("child"), {"id": "__end__"}],
        "edges": [
            {"source": "__start__", "target": "write"},
            {"source": "write", "target": "child"},
            {"source": "child", "target": "__end__"},
        ],
    }


def test_graph_with_xray_1_expands_one_level_and_true_expands_all(api):
    one = api.get("/assistants/tiny/graph?xray=1").json()
    every = api.get("/assistants/tiny/graph?xray=true").json()

    assert one == {
        "nodes": [
            node("__start__"),
            node("write"),
            {"id": "__end__"},
            node("child:inner"),
            node("child:deep"),
        ],
        "edges": [
            {"source": "__start__", "target": "write"},
            {"source": "write", "target": "child:inner"},
            {"source": "child:deep", "target": "__end__"},
            {"source": "child:inner", "target": "child:deep"},
        ],
    }
    assert every == {
        "nodes": [
            node("__start__"),
            node("write"),
            {"id": "__end__"},
            node("child:inner"),
            node("child:deep:leaf"),
        ],
        "edges": [
            {"source": "__start__", "target": "write"},
            {"source": "write", "target": "child:inner"},
            {"source": "child:deep:leaf", "target": "__end__"},
            {"source": "child:inner", "target": "child:deep:leaf"},
        ],
    }


@pytest.mark.parametrize("xray", ["false", "False"])
def test_graph_with_xray_false_is_the_plain_drawing(api, xray):
    assert [n["id"] for n in api.get(f"/assistants/tiny/graph?xray={xray}").json()["nodes"]] == [
        "__start__",
        "write",
        "child",
        "__end__",
    ]


@pytest.mark.parametrize("xray", ["0", "-1", "maybe"])
def test_graph_with_an_invalid_xray_is_a_422(api, xray):
    response = api.get(f"/assistants/tiny/graph?xray={xray}")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: xray: Invalid xray value",
        "errors": [{"loc": ["xray"], "msg": "Invalid xray value"}],
    }


def test_graph_of_a_factory_is_drawn_per_assistant(api, make_assistant):
    openai = make_assistant(graph_id="factory", context={"model_name": "openai"})

    default = api.get("/assistants/factory/graph").json()
    custom = api.get(f"/assistants/{openai.pk}/graph").json()

    assert [n["id"] for n in default["nodes"]] == ["__start__", "node_anthropic", "__end__"]
    assert [n["id"] for n in custom["nodes"]] == ["__start__", "node_openai", "__end__"]


def test_graph_of_an_unknown_assistant_is_a_404(api):
    assert api.get("/assistants/44444444-4444-4444-4444-444444444444/graph").status_code == 404


def test_graph_of_a_deleted_default_assistant_is_a_404(api):
    api.get("/assistants/tiny")  # the first request creates the default assistants
    Assistant.objects.filter(graph_id="tiny").delete()

    response = api.get("/assistants/tiny/graph")

    assert response.status_code == 404


# -- subgraphs -------------------------------------------------------------------------------------


def test_subgraphs_lists_the_direct_subgraphs(api):
    response = api.get("/assistants/tiny/subgraphs")

    assert (response.status_code, response.json()) == (200, {"child": SUBGRAPH_SCHEMAS})


def test_subgraphs_with_recurse_lists_nested_ones_joined_with_a_pipe(api):
    response = api.get("/assistants/tiny/subgraphs?recurse=true")

    assert response.json() == {"child": SUBGRAPH_SCHEMAS, "child|deep": SUBGRAPH_SCHEMAS}


def test_subgraphs_of_one_namespace(api):
    assert api.get("/assistants/tiny/subgraphs/child").json() == {"child": SUBGRAPH_SCHEMAS}


def test_subgraphs_of_an_unknown_namespace_is_an_empty_object(api):
    response = api.get("/assistants/tiny/subgraphs/nope")

    assert (response.status_code, response.json()) == (200, {})


def test_subgraphs_of_a_graph_without_any_is_an_empty_object(api):
    assert api.get("/assistants/factory/subgraphs").json() == {}


def test_subgraphs_of_an_unknown_assistant_is_a_404(api):
    assert (
        api.get("/assistants/44444444-4444-4444-4444-444444444444/subgraphs/child").status_code
        == 404
    )
