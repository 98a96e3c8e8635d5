"""Unknown context keys through the API: a 422 naming them, for every kind of context class.

The graphs are ``tests/graphs/fixtures/context_keys`` (one per kind of context class). Runs on
SQLite and, with ``DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistants.models import Assistant, AssistantVersion

KEYS_FILE = (
    Path(__file__).resolve().parents[1] / "graphs" / "fixtures" / "context_keys" / "langgraph.json"
)
NEW_ID = "22222222-2222-2222-2222-222222222222"
UNKNOWN = "Not a field of this graph's schema."


@pytest.fixture(autouse=True)
def context_key_graphs(settings, test_graphs, no_default_assistants) -> Path:
    settings.STUDIO_GRAPHS_FILE = KEYS_FILE
    return KEYS_FILE


def unknown(*keys: str) -> dict:
    return {
        "detail": "Invalid request: " + "; ".join(f"context.{key}: {UNKNOWN}" for key in keys),
        "errors": [{"loc": ["context", *key.split(".")], "msg": UNKNOWN} for key in keys],
    }


@pytest.mark.parametrize(
    ("graph_id", "context", "fields"),
    [
        ("dataclass", {"temprature": 0.2}, ["temprature"]),
        (
            "pydantic_ignore",
            {"temprature": 0.2, "nested": {"depht": 2}},
            ["nested.depht", "temprature"],
        ),
        ("pydantic_alias", {"prompt": "Hi"}, ["prompt"]),
        ("typeddict", {"temperature": 0.2, "temprature": 0.2}, ["temprature"]),
    ],
)
def test_create_with_a_key_the_graph_cannot_take_is_a_422_naming_it(api, graph_id, context, fields):
    response = api.post("/assistants", {"graph_id": graph_id, "context": context})

    assert response.status_code == 422
    assert response.json() == unknown(*fields)
    assert not Assistant.objects.exists()


@pytest.mark.parametrize(
    ("graph_id", "context"),
    [
        ("dataclass", {"temperature": 0.2}),
        ("pydantic_allow", {"temprature": 0.2}),
        ("pydantic_alias", {"system_prompt": "Hi"}),
        ("typeddict_open", {"temprature": "x"}),
        ("no_context", {"anything": [1]}),
    ],
)
def test_create_with_keys_the_graph_takes_is_accepted(api, graph_id, context):
    response = api.post("/assistants", {"graph_id": graph_id, "context": context})

    assert response.status_code == 200
    assert response.json()["context"] == context


def test_patch_with_a_misspelt_key_is_a_422_and_stores_nothing(api):
    api.post("/assistants", {"assistant_id": NEW_ID, "graph_id": "dataclass"})

    response = api.patch(f"/assistants/{NEW_ID}", {"context": {"temprature": 0.2}})

    assert response.status_code == 422
    assert response.json() == unknown("temprature")
    assert AssistantVersion.objects.filter(assistant_id=NEW_ID).count() == 1


def test_patch_to_a_graph_that_cannot_take_the_old_keys_is_a_422_naming_them(api):
    created = api.post(
        "/assistants",
        {"assistant_id": NEW_ID, "graph_id": "pydantic_allow", "context": {"tone": "dry"}},
    )
    assert created.status_code == 200

    response = api.patch(f"/assistants/{NEW_ID}", {"graph_id": "dataclass"})

    assert response.status_code == 422
    assert response.json() == unknown("tone")
    assistant = Assistant.objects.get(pk=NEW_ID)
    assert (assistant.graph_id, assistant.context) == ("pydantic_allow", {"tone": "dry"})
    assert AssistantVersion.objects.filter(assistant_id=NEW_ID).count() == 1


def test_patch_to_another_graph_with_a_context_it_takes_is_accepted(api):
    api.post(
        "/assistants",
        {"assistant_id": NEW_ID, "graph_id": "pydantic_allow", "context": {"tone": "dry"}},
    )

    response = api.patch(
        f"/assistants/{NEW_ID}", {"graph_id": "dataclass", "context": {"temperature": 0.1}}
    )

    assert response.status_code == 200
    assert (response.json()["graph_id"], response.json()["context"]) == (
        "dataclass",
        {"temperature": 0.1},
    )
