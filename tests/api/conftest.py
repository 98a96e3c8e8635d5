"""API test fixtures: small test graphs, API keys, clients that check every response against OpenAPI."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.openapi_check import check_response

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: uuid5(6ba7b821-9dad-11d1-80b4-00c04fd430c8, graph_id): LangGraph's default assistant ids.
TINY_DEFAULT = "3330969d-1bd6-5dfc-80e9-91e7dbf68c4e"
FACTORY_DEFAULT = "7f7e503e-a375-52fe-bcf4-0893f0e102e6"
BROKEN_DEFAULT = "0e2c357f-f554-5a10-8b5a-ffb04b690d9d"


def stamp(value: datetime) -> str:
    """A stored datetime as the API must render it."""
    return value.isoformat(timespec="microseconds")


class CheckedClient(APIClient):
    """An APIClient whose every response must match the OpenAPI document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_format = "json"

    def request(self, **kwargs: Any) -> Any:
        response = super().request(**kwargs)
        check_response(kwargs["REQUEST_METHOD"], kwargs["PATH_INFO"], response)
        return response


@pytest.fixture(autouse=True)
def test_graphs(settings) -> Path:
    """The API tests run against the small graphs of ``fixtures/langgraph.json``."""
    settings.STUDIO_GRAPHS_FILE = FIXTURES / "langgraph.json"
    return settings.STUDIO_GRAPHS_FILE


@dataclass
class Keys:
    write: str
    read: str
    revoked: str


@pytest.fixture
def keys(db) -> Keys:
    from assistants.actors import Actor
    from assistants.services import api_key_create, api_key_revoke

    system = Actor.system_actor()
    _, write = api_key_create(actor=system, name="integration")
    _, read = api_key_create(actor=system, name="dashboard", read_only=True)
    revoked_key, revoked = api_key_create(actor=system, name="old")
    api_key_revoke(actor=system, keys=[revoked_key])
    return Keys(write=write, read=read, revoked=revoked)


def _client(key: str | None = None, **kwargs: Any) -> CheckedClient:
    client = CheckedClient(**kwargs)
    if key is not None:
        client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def api(keys) -> CheckedClient:
    """A client with a read-write API key."""
    return _client(keys.write)


@pytest.fixture
def read_only_api(keys) -> CheckedClient:
    return _client(keys.read)


@pytest.fixture
def anonymous_api(db) -> CheckedClient:
    return _client()


@pytest.fixture
def client_for() -> Callable[..., CheckedClient]:
    return _client


@pytest.fixture
def make_assistant(db) -> Callable[..., Any]:
    """Create an assistant through the service, as a fixture of the database state."""
    from assistants.actors import Actor
    from assistants.services import assistant_create

    def make(graph_id: str = "tiny", **fields: Any) -> Any:
        fields.setdefault("assistant_id", uuid.uuid4())
        assistant, _ = assistant_create(actor=Actor.system_actor(), graph_id=graph_id, **fields)
        return assistant

    return make


@pytest.fixture
def no_default_assistants(settings) -> Iterator[None]:
    """Keep the table to what the test creates (no per-graph default assistants)."""
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    yield


def reload(assistant: Any) -> Any:
    from assistants.models import Assistant

    return Assistant.objects.get(pk=assistant.pk)
