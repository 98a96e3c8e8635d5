"""Every ``client.assistants`` method of the official langgraph-sdk, sync and async, on a live server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assistants.models import Assistant, AssistantVersion
from tests.api.conftest import TINY_DEFAULT, stamp
from tests.api.test_graphs import SUBGRAPH_SCHEMAS, TINY_CONTEXT, TOPIC_STATE

ID = "88888888-8888-8888-8888-888888888888"
OTHER = "99999999-9999-9999-9999-999999999999"
MISSING = "12345678-1234-1234-1234-123456789012"


def stored(assistant_id: str) -> Assistant:
    return Assistant.objects.get(pk=assistant_id)


def failure(call: Any, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    """The status and JSON body of the ``httpx.HTTPStatusError`` the SDK raises."""
    with pytest.raises(httpx.HTTPStatusError) as caught:
        call(*args, **kwargs)
    return caught.value.response.status_code, caught.value.response.json()


def whole(assistant_id: str, **fields: Any) -> dict[str, Any]:
    """The full Assistant of ``assistant_id`` as stored, in wire key order, with ``fields`` checked literally."""
    row = stored(assistant_id)
    return {
        "assistant_id": assistant_id,
        "graph_id": fields["graph_id"],
        "config": fields["config"],
        "context": fields["context"],
        "metadata": fields["metadata"],
        "name": fields["name"],
        "created_at": stamp(row.created_at),
        "updated_at": stamp(row.updated_at),
        "version": fields["version"],
        "description": fields["description"],
    }


@pytest.fixture
def blog(assistants) -> dict[str, Any]:
    return assistants.create(
        "tiny",
        config={"tags": ["demo"]},
        assistant_id=ID,
        name="Blog writer",
        metadata={"team": "x"},
        description="Writes posts.",
    )


# -- create ----------------------------------------------------------------------------------------


def test_create_returns_the_new_assistant(assistants):
    created = assistants.create(
        "tiny",
        context={"style": "tweet"},
        metadata={"team": "x", "nested": {"a": 1}},
        assistant_id=ID,
        name="Tweets",
        description="Short.",
    )

    assert created == whole(
        ID,
        graph_id="tiny",
        config={"configurable": {"style": "tweet"}},
        context={"style": "tweet"},
        metadata={"team": "x", "nested": {"a": 1}},
        name="Tweets",
        version=1,
        description="Short.",
    )
    assert list(created) == [
        "assistant_id",
        "graph_id",
        "config",
        "context",
        "metadata",
        "name",
        "created_at",
        "updated_at",
        "version",
        "description",
    ]


def test_create_with_if_exists(assistants, blog):
    kept = assistants.create("tiny", assistant_id=ID, name="other", if_exists="do_nothing")

    assert kept == blog
    assert failure(assistants.create, "tiny", assistant_id=ID, if_exists="raise") == (
        409,
        {"detail": f"Assistant {ID} already exists"},
    )


def test_create_errors(assistants):
    assert failure(assistants.create, "nope") == (
        404,
        {"detail": "Graph 'nope' not found. Expected one of: ['broken', 'factory', 'tiny']"},
    )
    assert failure(assistants.create, "tiny", context={"temperature": 3}) == (
        422,
        {
            "detail": "Invalid request: context.temperature: Must be at most 1 (got 3).",
            "errors": [{"loc": ["context", "temperature"], "msg": "Must be at most 1 (got 3)."}],
        },
    )
    assert (
        failure(
            assistants.create,
            "tiny",
            config={"configurable": {"style": "x"}},
            context={"style": "blog"},
        )[0]
        == 400
    )


# -- get -------------------------------------------------------------------------------------------


def test_get(assistants, blog):
    assert assistants.get(ID) == whole(
        ID,
        graph_id="tiny",
        config={"tags": ["demo"]},
        context={},
        metadata={"team": "x"},
        name="Blog writer",
        version=1,
        description="Writes posts.",
    )


def test_get_by_graph_id_gives_the_default_assistant(assistants):
    assert assistants.get("tiny") == whole(
        TINY_DEFAULT,
        graph_id="tiny",
        config={},
        context={},
        metadata={"created_by": "system"},
        name="Tiny Agent",
        version=1,
        description="A small compiled graph with a subgraph.",
    )


def test_get_errors(assistants):
    assert failure(assistants.get, MISSING) == (404, {"detail": "Not Found"})
    assert failure(assistants.get, "nope") == (
        422,
        {"detail": "Invalid assistant ID: must be a UUID"},
    )


# -- update ----------------------------------------------------------------------------------------


def test_update_writes_a_new_version(assistants, blog):
    updated = assistants.update(
        ID, context={"model": "a/b"}, metadata={"extra": True}, name="Renamed"
    )

    assert updated == whole(
        ID,
        graph_id="tiny",
        config={"tags": ["demo"], "configurable": {"model": "a/b"}},
        context={"model": "a/b"},
        metadata={"team": "x", "extra": True},
        name="Renamed",
        version=2,
        description="Writes posts.",
    )


def test_update_errors(assistants, blog):
    assert failure(assistants.update, MISSING, name="x") == (
        404,
        {"detail": f"Assistant {MISSING} not found"},
    )
    assert failure(assistants.update, ID, config={"configurable": {"temperature": -1}}) == (
        422,
        {
            "detail": "Invalid request: config.configurable.temperature: Must be at least 0 (got -1).",
            "errors": [
                {
                    "loc": ["config", "configurable", "temperature"],
                    "msg": "Must be at least 0 (got -1).",
                }
            ],
        },
    )
    assert AssistantVersion.objects.filter(assistant_id=ID).count() == 1


# -- delete ----------------------------------------------------------------------------------------


def test_delete(assistants, blog):
    assert assistants.delete(ID) is None
    assert not Assistant.objects.filter(pk=ID).exists()
    assert failure(assistants.delete, ID) == (404, {"detail": f"Assistant with ID {ID} not found"})


def test_delete_with_delete_threads(assistants, blog):
    assert assistants.delete(ID, delete_threads=True) is None
    assert failure(assistants.get, ID)[0] == 404


# -- search and count ------------------------------------------------------------------------------


@pytest.fixture
def two(assistants, blog):
    other = assistants.create("factory", assistant_id=OTHER, name="Other", metadata={"team": "y"})
    return blog, other


def test_search_returns_whole_assistants(assistants, two):
    blog, other = two

    found = assistants.search(metadata={"team": "x"})

    assert found == [
        whole(
            ID,
            graph_id="tiny",
            config={"tags": ["demo"]},
            context={},
            metadata={"team": "x"},
            name="Blog writer",
            version=1,
            description="Writes posts.",
        )
    ]


def test_search_as_an_object_reads_the_next_offset_header(assistants, two):
    blog, other = two

    first = assistants.search(limit=1, sort_by="name", sort_order="asc", response_format="object")
    last = assistants.search(
        limit=1, offset=4, sort_by="name", sort_order="asc", response_format="object"
    )

    assert first == {"assistants": [blog], "next": "1"}
    assert last == {"assistants": [stored_default("tiny")], "next": None}


def stored_default(graph_id: str) -> dict[str, Any]:
    row = Assistant.objects.get(graph_id=graph_id, metadata__created_by="system")
    return whole(
        str(row.assistant_id),
        graph_id=graph_id,
        config={},
        context={},
        metadata={"created_by": "system"},
        name=row.name,
        version=1,
        description=row.description,
    )


def test_search_with_select_filters_and_sort(assistants, two):
    found = assistants.search(
        graph_id="factory",
        name="OTH",
        select=["assistant_id", "name", "metadata"],
        sort_by="created_at",
    )

    assert found == [{"assistant_id": OTHER, "metadata": {"team": "y"}, "name": "Other"}]


def test_search_errors(assistants):
    assert failure(assistants.search, graph_id="nope")[0] == 404
    assert failure(assistants.search, limit=0) == (
        422,
        {
            "detail": "Invalid request: limit: Ensure this value is greater than or equal to 1.",
            "errors": [
                {"loc": ["limit"], "msg": "Ensure this value is greater than or equal to 1."}
            ],
        },
    )


def test_count(assistants, two):
    assert assistants.count() == 5
    assert assistants.count(metadata={"team": "y"}) == 1
    assert assistants.count(graph_id="tiny", name="blog") == 1
    assert failure(assistants.count, graph_id="nope")[0] == 404


# -- versions --------------------------------------------------------------------------------------


def test_get_versions(assistants, blog):
    assistants.update(ID, metadata={"stage": "two"})

    versions = assistants.get_versions(ID)

    rows = {v.version: v for v in AssistantVersion.objects.filter(assistant_id=ID)}
    base = {"assistant_id": ID, "graph_id": "tiny", "config": {"tags": ["demo"]}, "context": {}}
    assert versions == [
        {
            **base,
            "version": 2,
            "metadata": {"team": "x", "stage": "two"},
            "created_at": stamp(rows[2].created_at),
            "name": "Blog writer",
            "description": "Writes posts.",
        },
        {
            **base,
            "version": 1,
            "metadata": {"team": "x"},
            "created_at": stamp(rows[1].created_at),
            "name": "Blog writer",
            "description": "Writes posts.",
        },
    ]
    assert [v["version"] for v in assistants.get_versions(ID, metadata={"stage": "two"})] == [2]
    assert [v["version"] for v in assistants.get_versions(ID, limit=1, offset=1)] == [1]
    assert assistants.get_versions(ID, metadata={"stage": "none"}) == []


def test_get_versions_of_a_missing_assistant(assistants):
    assert failure(assistants.get_versions, MISSING) == (
        404,
        {"detail": f"Assistant {MISSING} not found"},
    )


def test_set_latest(assistants, blog):
    assistants.update(ID, context={"style": "tweet"}, name="Tweets")

    restored = assistants.set_latest(ID, 1)

    assert restored == whole(
        ID,
        graph_id="tiny",
        config={"tags": ["demo"]},
        context={},
        metadata={"team": "x"},
        name="Blog writer",
        version=1,
        description="Writes posts.",
    )
    assert failure(assistants.set_latest, ID, 7) == (
        404,
        {"detail": f"Version 7 not found for assistant {ID}"},
    )


# -- graph introspection ---------------------------------------------------------------------------


def test_get_schemas(assistants):
    assert assistants.get_schemas("tiny") == {
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
    assert failure(assistants.get_schemas, MISSING)[0] == 404


def test_get_graph_with_and_without_xray(assistants):
    def node(name: str) -> dict[str, Any]:
        return {"id": name, "type": "runnable", "data": {"name": name}}

    assert assistants.get_graph("tiny") == {
        "nodes": [node("__start__"), node("write"), node("child"), {"id": "__end__"}],
        "edges": [
            {"source": "__start__", "target": "write"},
            {"source": "write", "target": "child"},
            {"source": "child", "target": "__end__"},
        ],
    }
    assert [n["id"] for n in assistants.get_graph("tiny", xray=True)["nodes"]] == [
        "__start__",
        "write",
        "__end__",
        "child:inner",
        "child:deep:leaf",
    ]
    assert [n["id"] for n in assistants.get_graph("tiny", xray=1)["nodes"]] == [
        "__start__",
        "write",
        "__end__",
        "child:inner",
        "child:deep",
    ]


def test_get_subgraphs(assistants):
    assert assistants.get_subgraphs("tiny") == {"child": SUBGRAPH_SCHEMAS}
    assert assistants.get_subgraphs("tiny", recurse=True) == {
        "child": SUBGRAPH_SCHEMAS,
        "child|deep": SUBGRAPH_SCHEMAS,
    }
    assert assistants.get_subgraphs("tiny", namespace="child") == {"child": SUBGRAPH_SCHEMAS}
    assert assistants.get_subgraphs("tiny", namespace="nope") == {}


# -- authentication --------------------------------------------------------------------------------


def test_without_a_key_the_sdk_gets_a_401(sdk_factory, make_key, monkeypatch):
    for name in ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    anonymous = sdk_factory(None)

    assert failure(anonymous.search) == (
        401,
        {"detail": "Authentication required: send a valid API key in the X-Api-Key header."},
    )


def test_a_read_only_key_may_search_but_not_create(sdk_factory, make_key):
    reader = sdk_factory(make_key("reader", read_only=True))

    assert len(reader.search()) == 3
    assert reader.count() == 3
    assert failure(reader.create, "tiny") == (403, {"detail": "This API key is read-only."})


# -- the fast path -------------------------------------------------------------------------------


def test_the_sdks_reads_are_answered_by_the_fast_path(assistants, two, monkeypatch):
    """The bodies and headers the SDK sends are plain: its reads skip DRF (assistants/api/fastpath/)."""
    from assistants.api.fastpath import reads

    answered: list[str] = []

    def spy(name: str) -> Any:
        real = getattr(reads, name)

        def call(request: Any, *args: Any, **kwargs: Any) -> Any:
            response = real(request, *args, **kwargs)
            if response is not None:
                answered.append(name)
            return response

        return call

    for name in ("read", "search", "versions"):
        monkeypatch.setattr(reads, name, spy(name))
    assistants.get(ID)  # the key's first use may need recording: the view does that
    answered.clear()

    assert assistants.get(ID)["assistant_id"] == ID
    found = assistants.search(metadata={"team": "x"}, limit=5, sort_by="name", sort_order="asc")
    assert [a["assistant_id"] for a in found] == [ID]
    page = assistants.search(limit=1, select=["assistant_id"], response_format="object")
    assert (len(page["assistants"]), page["next"]) == (1, "1")
    assert [v["version"] for v in assistants.get_versions(ID, limit=5)] == [1]

    assert answered == ["read", "search", "search", "versions"]
