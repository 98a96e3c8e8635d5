"""The one test world: graph files, the standard assistants, API keys and the forms a browser posts.

Plain functions and constants, so tests and fixtures share them; ``tests/conftest.py`` turns
them into fixtures (``blog``, ``keys``, ``client_for`` ...). Everything is made through the
services, as real data would be.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

#: The project's own graphs (writer, researcher), as a developer runs them.
DEMO_GRAPHS = ROOT / "langgraph.json"
#: The demo writer and researcher plus a graph that fails to import (the page tests).
WRITER_GRAPHS = TESTS / "views" / "fixtures" / "langgraph.json"
#: Small graphs for the API: ``tiny`` (with a subgraph), ``factory`` and ``broken``.
TEST_GRAPHS = TESTS / "api" / "fixtures" / "langgraph.json"

PASSWORD = "pw-for-tests-only"

#: The header HTMX sends with its requests.
HTMX = {"HTTP_HX_REQUEST": "true"}

#: Plain static files: tests run with DEBUG off, the manifest storage would need collectstatic.
PLAIN_STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# -- roles -------------------------------------------------------------------------------------


def role(name: str) -> Any:
    """The role's group. A data migration makes the groups; a transactional test's flush removes
    them, so a later test gets them back here, with the migration's permissions."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    group, created = Group.objects.get_or_create(name=name)
    if created:
        roles = importlib.import_module("assistants.migrations.0002_roles_and_metadata_index").ROLES
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="assistants", codename__in=roles[name]
            )
        )
    return group


# -- the standard assistants -------------------------------------------------------------------

PROMPT_V1 = "You are a thoughtful blog writer.\nWrite a {style} post about {topic}."
PROMPT_V2 = (
    "You are an expert blog writer.\nWrite a {style} post about {topic}.\nEnd with a takeaway."
)
PROMPT_V3 = PROMPT_V2 + "\nAdd a title."


def _system() -> Any:
    from assistants.actors import Actor

    return Actor.system_actor()


def make_writer(name: str = "Blog writer", **context: Any) -> Any:
    """A writer assistant with one published version (v1, "First draft")."""
    from assistants import services

    assistant, _ = services.assistant_create(
        actor=_system(),
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


def make_blog() -> Any:
    """The Blog writer with history: v1, v2 (published), v3 (the draft)."""
    from assistants import services

    actor = _system()
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


def make_blog_v1() -> Any:
    """A writer with a single published version, metadata and config (the service tests)."""
    from assistants import services

    assistant, _ = services.assistant_create(
        actor=_system(),
        graph_id="writer",
        name="Blog writer",
        metadata={"team": "marketing"},
        # the config's configurable cannot be given together with context, so tags come via config
        config={"tags": ["demo"], "recursion_limit": 10},
        context={"system_prompt": "Write about {topic}.", "temperature": 0.5},
    )
    return assistant


def make_assistant(graph_id: str = "tiny", **fields: Any) -> Any:
    """Any assistant, through the service (a fresh id unless one is given)."""
    from assistants import services

    fields.setdefault("assistant_id", uuid.uuid4())
    assistant, _ = services.assistant_create(actor=_system(), graph_id=graph_id, **fields)
    return assistant


def reload(assistant: Any) -> Any:
    """The assistant's row as stored now."""
    from assistants.models import Assistant

    return Assistant.objects.get(pk=assistant.pk)


def versions_snapshot(assistant_id: Any) -> list[dict[str, Any]]:
    """Every stored version of an assistant, to compare before and after a refused write."""
    from assistants.models import AssistantVersion

    return list(
        AssistantVersion.objects.filter(assistant_id=assistant_id).order_by("version").values()
    )


def stamp(value: datetime) -> str:
    """A stored datetime as the API must render it."""
    return value.isoformat(timespec="microseconds")


# -- API keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """Raw API keys, as an integration would hold them."""

    write: str
    read: str
    revoked: str
    unknown: str = "sk-studio-this-key-was-never-issued-0000000000000"


def make_key(name: str = "integration", *, read_only: bool = False) -> str:
    """A fresh raw API key (read-write unless ``read_only``)."""
    from assistants.services import api_key_create

    return api_key_create(actor=_system(), name=name, read_only=read_only)[1]


def make_keys() -> Keys:
    """One key of each kind: read-write, read-only and revoked (plus one never issued)."""
    from assistants.services import api_key_create, api_key_revoke

    system = _system()
    write = make_key("integration")
    read = make_key("dashboard", read_only=True)
    old, revoked = api_key_create(actor=system, name="old integration")
    api_key_revoke(actor=system, keys=[old])
    return Keys(write=write, read=read, revoked=revoked)


# -- form data ---------------------------------------------------------------------------------


def writer_defaults() -> dict[str, Any]:
    """The writer's context schema defaults (what an untouched form shows)."""
    from graphs.registry import get_registry
    from graphs.schemas import graph_context_schema

    schema = graph_context_schema(get_registry().get("writer")) or {}
    return {key: prop.get("default") for key, prop in schema["properties"].items()}


def context_fields(context: dict[str, Any]) -> dict[str, Any]:
    """The writer's context form fields as a browser posts them."""
    values = {**writer_defaults(), **context}
    return {
        "ctx-system_prompt": values["system_prompt"],
        "ctx-model": values["model"],
        "ctx-model_other": "",
        "ctx-temperature": values["temperature"],
        "ctx-style": values["style"],
        "ctx-max_length": values["max_length"],
    }


def create_form(**overrides: Any) -> dict[str, Any]:
    """The create form for a writer assistant, with the schema's defaults."""
    data = {
        "graph_id": "writer",
        "name": "Made in a test",
        "description": "",
        **context_fields({}),
    }
    data.update(overrides)
    return data


def edit_form(assistant: Any, **overrides: Any) -> dict[str, Any]:
    """The edit form of a writer assistant as the browser sends it back, untouched.

    It is based on the newest version; values that version does not set show (and come back)
    as the schema's defaults.
    """
    newest = assistant.versions.get(version=assistant.latest_version_number)
    data = {
        "name": newest.name,
        "description": newest.description or "",
        "note": "",
        "base_version": newest.version,
        **context_fields(newest.context),
    }
    data.update(overrides)
    return data
