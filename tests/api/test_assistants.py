"""POST /assistants, GET/PATCH/DELETE /assistants/{id}: whole responses against literal dicts."""

from __future__ import annotations

import re

import pytest

from assistants.models import Assistant, AssistantVersion, AuditEntry
from tests.api.conftest import TINY_DEFAULT, reload, stamp

pytestmark = pytest.mark.django_db

NEW_ID = "11111111-1111-1111-1111-111111111111"


# -- create ----------------------------------------------------------------------------------------


def test_create_returns_the_assistant_at_version_one_with_context_mirrored_into_config(api):
    response = api.post(
        "/assistants",
        {
            "assistant_id": NEW_ID,
            "graph_id": "tiny",
            "context": {"model": "openai/gpt-4o"},
            "metadata": {"team": "x", "nested": {"a": 1, "b": 2}},
            "name": "My bot",
            "description": "d1",
        },
    )

    stored = Assistant.objects.get(pk=NEW_ID)
    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": NEW_ID,
        "graph_id": "tiny",
        "config": {"configurable": {"model": "openai/gpt-4o"}},
        "context": {"model": "openai/gpt-4o"},
        "metadata": {"team": "x", "nested": {"a": 1, "b": 2}},
        "name": "My bot",
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "version": 1,
        "description": "d1",
    }


def test_create_emits_keys_in_langgraph_order_and_datetimes_with_microseconds(api):
    response = api.post("/assistants", {"graph_id": "tiny"})

    body = response.json()
    assert list(body) == [
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
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", body["created_at"])


def test_create_with_only_a_graph_id_uses_the_defaults(api):
    response = api.post("/assistants", {"graph_id": "tiny"})

    body = response.json()
    stored = Assistant.objects.get(pk=body["assistant_id"])
    assert body == {
        "assistant_id": str(stored.assistant_id),
        "graph_id": "tiny",
        "config": {},
        "context": {},
        "metadata": {},
        "name": "Untitled",
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "version": 1,
        "description": None,
    }
    assert stored.versions.count() == 1


def test_create_copies_config_configurable_into_context(api):
    response = api.post(
        "/assistants",
        {"graph_id": "tiny", "config": {"tags": ["a"], "configurable": {"style": "tweet"}}},
    )

    body = response.json()
    assert (body["config"], body["context"]) == (
        {"tags": ["a"], "configurable": {"style": "tweet"}},
        {"style": "tweet"},
    )


def test_create_with_both_configurable_and_context_is_a_400(api):
    response = api.post(
        "/assistants",
        {
            "graph_id": "tiny",
            "config": {"configurable": {"style": "tweet"}},
            "context": {"style": "blog"},
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cannot specify both configurable and context. Prefer setting context alone. "
        "Context was introduced in LangGraph 0.6.0 and is the long term planned replacement "
        "for configurable."
    }
    assert not Assistant.objects.filter(graph_id="tiny", name="Untitled").exists()


def test_create_with_an_unknown_graph_is_a_404_listing_the_graphs(api):
    response = api.post("/assistants", {"graph_id": "nope"})

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Graph 'nope' not found. Expected one of: ['broken', 'factory', 'tiny']"
    }


def test_create_with_an_existing_id_is_a_409(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.post("/assistants", {"graph_id": "tiny", "assistant_id": NEW_ID})

    assert response.status_code == 409
    assert response.json() == {"detail": f"Assistant {NEW_ID} already exists"}


def test_create_with_if_exists_do_nothing_returns_the_existing_assistant_unchanged(
    api, make_assistant
):
    existing = make_assistant(assistant_id=NEW_ID, name="first", metadata={"k": 1})

    response = api.post(
        "/assistants",
        {"graph_id": "tiny", "assistant_id": NEW_ID, "name": "other", "if_exists": "do_nothing"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": NEW_ID,
        "graph_id": "tiny",
        "config": {},
        "context": {},
        "metadata": {"k": 1},
        "name": "first",
        "created_at": stamp(existing.created_at),
        "updated_at": stamp(existing.updated_at),
        "version": 1,
        "description": None,
    }
    assert reload(existing).latest_version_number == 1


def test_create_with_a_context_that_breaks_the_schema_is_a_422_naming_the_field(api):
    response = api.post(
        "/assistants", {"graph_id": "tiny", "context": {"temperature": 5, "style": "poem"}}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: context.temperature: Must be at most 1 (got 5).; "
        "context.style: Must be one of: 'blog', 'tweet'.",
        "errors": [
            {"loc": ["context", "temperature"], "msg": "Must be at most 1 (got 5)."},
            {"loc": ["context", "style"], "msg": "Must be one of: 'blog', 'tweet'."},
        ],
    }
    assert not Assistant.objects.filter(graph_id="tiny").exclude(pk=TINY_DEFAULT).exists()


def test_create_reports_configurable_errors_where_the_client_put_them(api):
    response = api.post(
        "/assistants", {"graph_id": "tiny", "config": {"configurable": {"temperature": "hot"}}}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: config.configurable.temperature: Must be a number.",
        "errors": [{"loc": ["config", "configurable", "temperature"], "msg": "Must be a number."}],
    }


def test_create_strips_reserved_keys_from_context_configurable_and_metadata(api):
    response = api.post(
        "/assistants",
        {
            "graph_id": "tiny",
            "config": {
                "configurable": {"style": "tweet", "langgraph_auth_user": "x"},
                "metadata": {"thread_id": "t", "keep": 1},
            },
            "metadata": {"run_id": "r", "assistant_id": "a", "team": "x"},
        },
    )

    body = response.json()
    assert (body["config"], body["context"], body["metadata"]) == (
        {"configurable": {"style": "tweet"}, "metadata": {"keep": 1}},
        {"style": "tweet"},
        {"team": "x"},
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"loc": ["graph_id"], "msg": "This field is required."}]),
        ({"graph_id": 5}, [{"loc": ["graph_id"], "msg": "Must be a string."}]),
        (
            {"graph_id": "tiny", "metadata": "x"},
            [{"loc": ["metadata"], "msg": "Must be an object."}],
        ),
        ({"graph_id": "tiny", "context": []}, [{"loc": ["context"], "msg": "Must be an object."}]),
        (
            {"graph_id": "tiny", "assistant_id": "nope"},
            [{"loc": ["assistant_id"], "msg": "Must be a valid UUID."}],
        ),
        (
            {"graph_id": "tiny", "assistant_id": 5},
            [{"loc": ["assistant_id"], "msg": "Must be a valid UUID."}],
        ),
        (
            {"graph_id": "tiny", "if_exists": "ignore"},
            [{"loc": ["if_exists"], "msg": '"ignore" is not a valid choice.'}],
        ),
        (
            {"graph_id": "tiny", "config": {"tags": "a"}},
            [{"loc": ["config"], "msg": "config.tags must be a list of strings."}],
        ),
        (
            {"graph_id": "tiny", "config": {"recursion_limit": "5"}},
            [{"loc": ["config"], "msg": "config.recursion_limit must be an integer."}],
        ),
        (
            {"graph_id": "tiny", "name": "x" * 256},
            [{"loc": ["name"], "msg": "Ensure this field has no more than 255 characters."}],
        ),
        (
            {"graph_id": "tiny", "color": "red", "size": 2},
            [
                {"loc": ["color"], "msg": "Unknown field."},
                {"loc": ["size"], "msg": "Unknown field."},
            ],
        ),
        (
            {"graph_id": "tiny", "context": {"style\u0000": "blog"}},
            [
                {
                    "loc": ["context"],
                    "msg": "Must not contain NUL (\\u0000) characters (at style\u0000).",
                }
            ],
        ),
    ],
)
def test_create_with_an_invalid_body_is_a_422_locating_each_problem(api, body, errors):
    response = api.post("/assistants", body)

    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert response.json()["detail"].startswith("Invalid request: ")


def test_create_of_a_graph_that_fails_to_load_with_a_context_is_a_424(api):
    response = api.post("/assistants", {"graph_id": "broken", "context": {"a": 1}})

    assert response.status_code == 424
    assert response.json() == {
        "detail": "Graph 'broken' failed to load: RuntimeError: this graph is broken on purpose "
        "Fix the graph before saving configurations for it."
    }


def test_create_records_the_api_key_as_the_actor(api):
    response = api.post("/assistants", {"graph_id": "tiny"})

    entry = AuditEntry.objects.get(
        action="assistant.created", assistant_id=response.json()["assistant_id"]
    )
    assert entry.actor.startswith("api-key:integration (sk-studio-")


# -- get -------------------------------------------------------------------------------------------


def test_get_returns_the_assistant(api, make_assistant):
    assistant = make_assistant(
        assistant_id=NEW_ID,
        name="Blog",
        description="d",
        config={"tags": ["t"]},
        context={"style": "tweet"},
    )

    response = api.get(f"/assistants/{NEW_ID}")

    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": NEW_ID,
        "graph_id": "tiny",
        "config": {"tags": ["t"], "configurable": {"style": "tweet"}},
        "context": {"style": "tweet"},
        "metadata": {},
        "name": "Blog",
        "created_at": stamp(assistant.created_at),
        "updated_at": stamp(assistant.updated_at),
        "version": 1,
        "description": "d",
    }


def test_get_accepts_a_graph_id_for_its_default_assistant(api):
    response = api.get("/assistants/tiny")

    stored = Assistant.objects.get(pk=TINY_DEFAULT)
    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": TINY_DEFAULT,
        "graph_id": "tiny",
        "config": {},
        "context": {},
        "metadata": {"created_by": "system"},
        "name": "Tiny Agent",
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "version": 1,
        "description": "A small compiled graph with a subgraph.",
    }


def test_get_of_an_unknown_assistant_is_a_404(api):
    response = api.get(f"/assistants/{NEW_ID}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_get_of_an_id_that_is_neither_uuid_nor_graph_is_a_422(api):
    response = api.get("/assistants/not-a-graph")

    assert response.status_code == 422
    assert response.json() == {"detail": "Invalid assistant ID: must be a UUID"}


def test_get_of_an_assistant_whose_graph_is_no_longer_registered_is_a_404(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)
    Assistant.objects.filter(pk=NEW_ID).update(graph_id="retired")

    response = api.get(f"/assistants/{NEW_ID}")

    assert response.status_code == 404


# -- update ----------------------------------------------------------------------------------------


def test_patch_writes_a_new_version_merges_metadata_and_keeps_the_rest(api, make_assistant):
    make_assistant(
        assistant_id=NEW_ID,
        name="Blog",
        description="d",
        metadata={"team": "x", "nested": {"a": 1}},
        config={"tags": ["t"], "recursion_limit": 5},
        context={"style": "tweet"},
    )

    response = api.patch(f"/assistants/{NEW_ID}", {"metadata": {"team": "y", "extra": True}})

    stored = Assistant.objects.get(pk=NEW_ID)
    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": NEW_ID,
        "graph_id": "tiny",
        "config": {"tags": ["t"], "recursion_limit": 5, "configurable": {"style": "tweet"}},
        "context": {"style": "tweet"},
        "metadata": {"team": "y", "nested": {"a": 1}, "extra": True},
        "name": "Blog",
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "version": 2,
        "description": "d",
    }
    assert stored.updated_at > stored.created_at


def test_patch_with_only_context_keeps_tags_and_recursion_limit(api, make_assistant):
    make_assistant(
        assistant_id=NEW_ID,
        config={"tags": ["t"], "recursion_limit": 5},
        context={"style": "tweet"},
    )

    response = api.patch(f"/assistants/{NEW_ID}", {"context": {"model": "a/b"}})

    body = response.json()
    assert (body["config"], body["context"], body["version"]) == (
        {"tags": ["t"], "recursion_limit": 5, "configurable": {"model": "a/b"}},
        {"model": "a/b"},
        2,
    )


def test_patch_with_a_config_replaces_the_whole_config(api, make_assistant):
    make_assistant(assistant_id=NEW_ID, config={"tags": ["t"], "recursion_limit": 5})

    response = api.patch(f"/assistants/{NEW_ID}", {"config": {"tags": ["a"]}})

    assert response.json()["config"] == {"tags": ["a"]}


def test_an_empty_patch_still_writes_a_new_version(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(f"/assistants/{NEW_ID}", {})

    assert response.json()["version"] == 2
    assert AssistantVersion.objects.filter(assistant_id=NEW_ID).count() == 2


def test_patch_replaces_name_and_description_only_when_given(api, make_assistant):
    make_assistant(assistant_id=NEW_ID, name="Blog", description="d")

    renamed = api.patch(f"/assistants/{NEW_ID}", {"name": "Tweets"}).json()
    described = api.patch(f"/assistants/{NEW_ID}", {"description": "new"}).json()
    kept = api.patch(f"/assistants/{NEW_ID}", {"description": None}).json()

    assert [(b["name"], b["description"], b["version"]) for b in (renamed, described, kept)] == [
        ("Tweets", "d", 2),
        ("Tweets", "new", 3),
        ("Tweets", "new", 4),
    ]


def test_patch_can_move_an_assistant_to_another_graph(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(f"/assistants/{NEW_ID}", {"graph_id": "factory"})

    assert response.json()["graph_id"] == "factory"


def test_patch_with_an_invalid_context_is_a_422_and_stores_nothing(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(f"/assistants/{NEW_ID}", {"context": {"temperature": -1}})

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: context.temperature: Must be at least 0 (got -1).",
        "errors": [{"loc": ["context", "temperature"], "msg": "Must be at least 0 (got -1)."}],
    }
    assert AssistantVersion.objects.filter(assistant_id=NEW_ID).count() == 1


def test_patch_with_both_configurable_and_context_is_a_400(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(
        f"/assistants/{NEW_ID}",
        {"config": {"configurable": {"style": "blog"}}, "context": {"style": "tweet"}},
    )

    assert response.status_code == 400


def test_patch_of_an_unknown_assistant_is_a_404(api):
    response = api.patch(f"/assistants/{NEW_ID}", {"name": "x"})

    assert response.status_code == 404
    assert response.json() == {"detail": f"Assistant {NEW_ID} not found"}


def test_patch_to_an_unknown_graph_is_a_404(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(f"/assistants/{NEW_ID}", {"graph_id": "nope"})

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Graph 'nope' not found. Expected one of: ['broken', 'factory', 'tiny']"
    }


def test_patch_with_an_unknown_field_is_a_422_naming_it(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)

    response = api.patch(f"/assistants/{NEW_ID}", {"if_exists": "raise"})

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: if_exists: Unknown field.",
        "errors": [{"loc": ["if_exists"], "msg": "Unknown field."}],
    }


def test_patch_accepts_a_graph_id_for_the_default_assistant(api):
    response = api.patch("/assistants/tiny", {"metadata": {"note": "edited"}})

    assert response.json()["metadata"] == {"created_by": "system", "note": "edited"}
    assert response.json()["assistant_id"] == TINY_DEFAULT


# -- delete ----------------------------------------------------------------------------------------


def test_delete_answers_204_with_no_body_and_removes_every_version(api, make_assistant):
    make_assistant(assistant_id=NEW_ID)
    api.patch(f"/assistants/{NEW_ID}", {})

    response = api.delete(f"/assistants/{NEW_ID}?delete_threads=true")

    assert response.status_code == 204
    assert response.content == b""
    assert not Assistant.objects.filter(pk=NEW_ID).exists()
    assert not AssistantVersion.objects.filter(assistant_id=NEW_ID).exists()


def test_delete_of_an_unknown_assistant_is_a_404(api):
    response = api.delete(f"/assistants/{NEW_ID}")

    assert response.status_code == 404
    assert response.json() == {"detail": f"Assistant with ID {NEW_ID} not found"}


def test_delete_accepts_a_graph_id_for_the_default_assistant(api):
    response = api.delete("/assistants/tiny")

    assert response.status_code == 204
    assert not Assistant.objects.filter(pk=TINY_DEFAULT).exists()


def test_an_assistant_whose_graph_is_no_longer_registered_is_hidden_from_every_read(
    api, make_assistant
):
    # One visibility rule (AssistantQuerySet.visible) for get, search, count and versions.
    make_assistant(assistant_id=NEW_ID)
    Assistant.objects.filter(pk=NEW_ID).update(graph_id="retired")

    assert api.post(f"/assistants/{NEW_ID}/versions", {}).status_code == 404
    found = [a["assistant_id"] for a in api.post("/assistants/search", {"limit": 100}).json()]
    assert NEW_ID not in found
    assert api.post("/assistants/count", {}).json() == len(found)


@pytest.mark.parametrize(
    "body",
    [{"graph_id": "broken"}, {"graph_id": "broken", "name": "n", "metadata": {"a": 1}}],
)
def test_create_of_a_graph_that_fails_to_load_without_a_context_is_the_same_424(api, body):
    response = api.post("/assistants", body)

    assert response.status_code == 424
    assert response.json() == {
        "detail": "Graph 'broken' failed to load: RuntimeError: this graph is broken on purpose "
        "Fix the graph before saving configurations for it."
    }
    assert not Assistant.objects.filter(name="n").exists()


def test_patch_of_an_assistant_whose_graph_fails_to_load_is_a_424_whatever_it_changes(
    api, make_assistant
):
    make_assistant(assistant_id=NEW_ID)
    Assistant.objects.filter(pk=NEW_ID).update(graph_id="broken")

    response = api.patch(f"/assistants/{NEW_ID}", {"name": "renamed"})

    assert response.status_code == 424
    assert Assistant.objects.get(pk=NEW_ID).latest_version_number == 1
