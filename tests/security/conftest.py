"""Security test fixtures: an assistant with history, API keys of each kind, a client per principal.

A *principal* is whoever sends a request: nobody, a signed-in user in a role, or an API key.
``client_as(name)`` gives a Django test client acting as that principal, so the matrices can
name principals in literal tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry, Publication

ROOT = Path(__file__).resolve().parents[2]

PASSWORD = "pw-for-tests-only"

PROMPT_V1 = "You are a careful blog writer.\nWrite a {style} post about {topic}."
PROMPT_V2 = PROMPT_V1 + "\nKeep it short."
PROMPT_V3 = PROMPT_V2 + "\nAdd a title."


@pytest.fixture(autouse=True)
def _security_settings(settings) -> None:
    """The demo graphs, plain static files, and only the rows each test makes."""
    settings.STUDIO_GRAPHS_FILE = ROOT / "langgraph.json"
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# -- data ------------------------------------------------------------------------------------------


@pytest.fixture
def blog(db) -> Assistant:
    """The Blog writer: v1, v2 (published) and v3 (a draft)."""
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(
        actor=actor,
        graph_id="writer",
        name="Blog writer",
        description="Writes blog posts.",
        context={"system_prompt": PROMPT_V1, "temperature": 0.7},
        note="First draft",
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        context={"system_prompt": PROMPT_V2, "temperature": 0.6},
        note="Shorter",
        publish=True,
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        base_version=2,
        context={"system_prompt": PROMPT_V3, "temperature": 0.5},
        note="With a title",
    )
    assistant.refresh_from_db()
    return assistant


@dataclass(frozen=True)
class Keys:
    """Raw API keys, as an integration would hold them."""

    read: str
    write: str
    revoked: str
    unknown: str = "sk-studio-this-key-was-never-issued-0000000000000"


@pytest.fixture
def keys(db) -> Keys:
    system = Actor.system_actor()
    _, read = services.api_key_create(actor=system, name="dashboard", read_only=True)
    _, write = services.api_key_create(actor=system, name="integration")
    old, revoked = services.api_key_create(actor=system, name="old integration")
    services.api_key_revoke(actor=system, keys=[old])
    return Keys(read=read, write=write, revoked=revoked)


def db_snapshot() -> dict[str, Any]:
    """Everything a write could change: compare before and after a refused request."""
    return {
        "assistants": sorted(
            Assistant.objects.values_list(
                "assistant_id", "name", "version", "latest_version_number", "published_version_id"
            )
        ),
        "versions": AssistantVersion.objects.count(),
        "publications": Publication.objects.count(),
        "audit": AuditEntry.objects.count(),
        "revoked_keys": ApiKey.objects.filter(revoked_at__isnull=False).count(),
    }


# -- principals --------------------------------------------------------------------------------------

SESSION_ROLES = {
    "norole": (),
    "viewer": ("viewer",),
    "editor": ("editor",),
    "publisher": ("publisher",),
}
KEY_PRINCIPALS = {
    "read_key": "read",
    "write_key": "write",
    "revoked_key": "revoked",
    "unknown_key": "unknown",
}


@pytest.fixture
def client_as(db, make_user, keys) -> Callable[..., Client]:
    """``client_as("editor")``: a client for a principal of the matrices.

    Session principals are users signed in with a role (``norole``: signed in, in no group);
    key principals send ``X-Api-Key`` and have no session; ``viewer_and_write_key`` is a signed-in
    viewer whose browser also sends a read-write key (a key must not add page rights).
    """
    users: dict[str, Any] = {}

    def user(role: str) -> Any:
        if role not in users:
            users[role] = make_user(f"{role}-user", *SESSION_ROLES[role], password=PASSWORD)
        return users[role]

    def make(principal: str, **client_kwargs: Any) -> Client:
        headers: dict[str, str] = {}
        session_role: str | None = None
        if principal in SESSION_ROLES:
            session_role = principal
        elif principal in KEY_PRINCIPALS:
            headers["X-Api-Key"] = getattr(keys, KEY_PRINCIPALS[principal])
        elif principal == "viewer_and_write_key":
            session_role = "viewer"
            headers["X-Api-Key"] = keys.write
        elif principal != "anonymous":
            raise ValueError(f"Unknown principal {principal!r}")
        client = Client(headers=headers, **client_kwargs)
        if session_role is not None:
            client.force_login(user(session_role))
        return client

    return make


@pytest.fixture
def superuser(django_user_model, db) -> Any:
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def admin_client_(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


# -- form data -----------------------------------------------------------------------------------


def writer_defaults() -> dict[str, Any]:
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
    data = {
        "graph_id": "writer",
        "name": "Made in a test",
        "description": "",
        **context_fields({}),
    }
    data.update(overrides)
    return data


def edit_form(assistant: Assistant, **overrides: Any) -> dict[str, Any]:
    """The edit form of ``assistant`` sent back untouched (based on its newest version)."""
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


# -- HTML scanning -----------------------------------------------------------------------------------


@dataclass
class ScriptAudit:
    """What in a page could run code: script elements and event-handler attributes."""

    inline_scripts: list[str]  # <script> elements without src (data blocks excluded)
    handlers: list[tuple[str, str, str]]  # (tag, attribute, value) for on*= and hx-on*=
    images: list[dict[str, str | None]]  # every <img>, to spot an injected one


#: ``<script type="application/json">`` (Django's json_script) is data the browser never runs.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def audit_html(html: str) -> ScriptAudit:
    from html.parser import HTMLParser

    audit = ScriptAudit(inline_scripts=[], handlers=[], images=[])

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self._open_script: dict[str, str | None] | None = None
            self._script_text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            for name, value in attrs:
                if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                    audit.handlers.append((tag, name, value or ""))
            if tag == "img":
                audit.images.append(values)
            if tag == "script":
                self._open_script = values
                self._script_text = []

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.handle_starttag(tag, attrs)
            if tag == "script":
                self.handle_endtag(tag)

        def handle_data(self, data: str) -> None:
            if self._open_script is not None:
                self._script_text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "script" and self._open_script is not None:
                attrs, self._open_script = self._open_script, None
                kind = (attrs.get("type") or "").lower()
                if not attrs.get("src") and kind not in DATA_SCRIPT_TYPES:
                    audit.inline_scripts.append("".join(self._script_text))

    parser = Parser()
    parser.feed(html)
    parser.close()
    return audit
