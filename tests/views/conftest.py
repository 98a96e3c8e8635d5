"""Fixtures for the page tests: signed-in clients per role, the Blog writer with some history,
and an HTMX flavour of the test client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant

FIXTURES = Path(__file__).resolve().parent / "fixtures"

PROMPT_V1 = "You are a thoughtful blog writer.\nWrite a {style} post about {topic}."
PROMPT_V2 = (
    "You are an expert blog writer.\nWrite a {style} post about {topic}.\nEnd with a takeaway."
)
PROMPT_V3 = PROMPT_V2 + "\nAdd a title."

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _page_settings(settings) -> None:
    # Tests run with DEBUG off: the manifest storage would need collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Default assistants would be created on the first request: keep tables as the test made them.
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STUDIO_GRAPHS_FILE = FIXTURES / "langgraph.json"


@pytest.fixture
def client_for(db) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def viewer_client(client_for, viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def editor_client(client_for, editor) -> Client:
    return client_for(editor)


@pytest.fixture
def publisher_client(client_for, publisher) -> Client:
    return client_for(publisher)


@pytest.fixture
def nobody_client(client_for, make_user) -> Client:
    """Signed in, but in no role."""
    return client_for(make_user("nora"))


@pytest.fixture
def anonymous_client(db) -> Client:
    return Client()


def make_writer(name: str = "Blog writer", **context: Any) -> Assistant:
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(
        actor=actor,
        graph_id="writer",
        name=name,
        description="Writes blog posts.",
        context={
            "system_prompt": PROMPT_V1,
            "model": "anthropic/claude-sonnet-4-5",
            "temperature": 0.7,
            **context,
        },
        note="First draft",
    )
    return assistant


@pytest.fixture
def blog(db) -> Assistant:
    """Three versions: v1, v2 (published), v3 (the draft)."""
    actor = Actor.system_actor()
    assistant = make_writer()
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        note="Developer audience",
        publish=True,
        context={
            "system_prompt": PROMPT_V2,
            "model": "anthropic/claude-sonnet-4-5",
            "temperature": 0.6,
        },
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        base_version=2,
        note="Try GPT-4o",
        context={"system_prompt": PROMPT_V3, "model": "openai/gpt-4o", "temperature": 0.5},
    )
    assistant.refresh_from_db()
    return assistant


def edit_data(assistant: Assistant, **overrides: Any) -> dict[str, Any]:
    """The edit form of a writer assistant as the browser sends it back, untouched.

    Values the newest version does not set show (and come back) as the schema's defaults.
    """
    from graphs.registry import get_registry
    from graphs.schemas import graph_context_schema

    newest = assistant.versions.get(version=assistant.latest_version_number)
    defaults = {
        key: prop.get("default")
        for key, prop in graph_context_schema(get_registry().get("writer"))["properties"].items()
    }
    ctx = {**defaults, **newest.context}
    data: dict[str, Any] = {
        "name": newest.name,
        "description": newest.description or "",
        "note": "",
        "base_version": assistant.latest_version_number,
        "ctx-system_prompt": ctx["system_prompt"],
        "ctx-model": ctx["model"],
        "ctx-model_other": "",
        "ctx-temperature": ctx["temperature"],
        "ctx-style": ctx["style"],
        "ctx-max_length": ctx["max_length"],
    }
    data.update(overrides)
    return data
