"""The official ``langgraph-sdk`` against a live server, through its sync and its async client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client, get_sync_client

from tests import factories


@pytest.fixture
def graphs_file() -> Path:
    """The API's small test graphs."""
    return factories.TEST_GRAPHS


@pytest.fixture
def make_key(transactional_db) -> Callable[..., str]:
    """``make_key(name, read_only=...)``: a raw key, committed for the live server to see."""

    def make(name: str = "sdk", read_only: bool = False) -> str:
        return factories.make_key(name, read_only=read_only)

    return make


class AsyncAssistants:
    """``client.assistants`` of the async client, each call run with ``asyncio.run``.

    A fresh client per call: an httpx AsyncClient belongs to the event loop it was first used on.
    """

    def __init__(self, url: str, api_key: str | None) -> None:
        self.url = url
        self.api_key = api_key

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            async def run() -> Any:
                async with get_client(url=self.url, api_key=self.api_key) as client:
                    return await getattr(client.assistants, name)(*args, **kwargs)

            return asyncio.run(run())

        return call


@pytest.fixture(params=["sync", "async"])
def sdk_factory(request, live_server) -> Callable[[str | None], Any]:
    """Build ``client.assistants`` for a key, with the sync or the async client."""
    clients: list[Any] = []

    def make(api_key: str | None) -> Any:
        if request.param == "async":
            return AsyncAssistants(live_server.url, api_key)
        client = get_sync_client(url=live_server.url, api_key=api_key)
        clients.append(client)
        return client.assistants

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def assistants(sdk_factory, make_key) -> Any:
    """``client.assistants`` with a read-write key."""
    return sdk_factory(make_key())
