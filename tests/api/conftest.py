"""API test fixtures: the small test graphs and clients that check every response against OpenAPI.

Users, keys (``keys``) and assistants (``make_assistant``) come from ``tests/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.api.openapi_check import check_response
from tests.factories import TEST_GRAPHS, reload, stamp

__all__ = [
    "FIXTURES",
    "stopped_both_ways",
    "TINY_DEFAULT",
    "FACTORY_DEFAULT",
    "BROKEN_DEFAULT",
    "reload",
    "stamp",
]

FIXTURES = TEST_GRAPHS.parent

#: uuid5(6ba7b821-9dad-11d1-80b4-00c04fd430c8, graph_id): LangGraph's default assistant ids.
TINY_DEFAULT = "3330969d-1bd6-5dfc-80e9-91e7dbf68c4e"
FACTORY_DEFAULT = "7f7e503e-a375-52fe-bcf4-0893f0e102e6"
BROKEN_DEFAULT = "0e2c357f-f554-5a10-8b5a-ffb04b690d9d"


class CheckedClient(APIClient):
    """An APIClient whose every response must match the OpenAPI document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_format = "json"

    def request(self, **kwargs: Any) -> Any:
        response = super().request(**kwargs)
        check_response(kwargs["REQUEST_METHOD"], kwargs["PATH_INFO"], response)
        return response


@pytest.fixture
def graphs_file() -> Path:
    """The API tests run against the small graphs of ``fixtures/langgraph.json``."""
    return TEST_GRAPHS


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
def api_client_for() -> Callable[..., CheckedClient]:
    """``api_client_for(key)``: an OpenAPI-checked client sending ``key`` (None: no key)."""
    return _client


@pytest.fixture
def statements_of() -> Callable[[Callable[[], Any]], list[str]]:
    """``statements_of(call)``: the first word of each SQL statement ``call()`` sends (a 200),
    savepoints left out (the test's own transaction turns the services' into savepoints)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(call: Callable[[], Any]) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = call()
        assert response.status_code == 200, response.content
        words = [q["sql"].split()[0].upper() for q in queries.captured_queries]
        return [word for word in words if word not in ("SAVEPOINT", "RELEASE")]

    return statements


def stopped_both_ways(send: Callable[[bool], tuple[Any, ...]], limit_ms: int) -> tuple[Any, ...]:
    """``send(fast)`` with the fast path on, then off: both must be the views' 503 for a statement
    past the time limit of ``limit_ms``. ``send`` returns (status, body, ...). The limit is taken
    off the connection afterwards (a page request does that)."""
    try:
        fast = send(True)
        view = send(False)
    finally:
        Client().get("/accounts/login/")
    assert fast == view
    assert fast[0] == 503
    assert json.loads(fast[1])["detail"].startswith(
        f"The request needed a database statement longer than {limit_ms} ms"
    )
    return fast
