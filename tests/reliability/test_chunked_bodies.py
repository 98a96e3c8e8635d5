"""Chunked request bodies (``Transfer-Encoding: chunked``, no ``Content-Length``) through gunicorn.

Django sized bodies by ``Content-Length`` only, so these were read as empty: a PATCH answered 200
and published a version without the change, a chunked search returned everything. Now the body
is read (within ``STUDIO_MAX_BODY_BYTES``) or refused; never acted on as empty.
"""

from __future__ import annotations

import http.client
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.reliability.conftest import SERVED_BODY_LIMIT, Served

pytestmark = [pytest.mark.slow_server]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send_chunked(
    served: Served,
    method: str,
    path: str,
    body: bytes,
    *,
    chunk_size: int = 7,
    content_type: str = "application/json",
    transfer_encoding: str = "chunked",
) -> Answer:
    """One request whose body goes out in chunks of ``chunk_size`` bytes, as a raw HTTP/1.1 client."""
    parts = urlsplit(served.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("X-Api-Key", served.api_key)
        conn.putheader("Content-Type", content_type)
        conn.putheader("Transfer-Encoding", transfer_encoding)
        conn.endheaders()
        for start in range(0, len(body), chunk_size):
            piece = body[start : start + chunk_size]
            conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def send(served: Served, method: str, path: str, payload: Any = None) -> Answer:
    """An ordinary request (``Content-Length``), to set up and check."""
    parts = urlsplit(served.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"X-Api-Key": served.api_key, "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


@pytest.fixture
def served(served_on_either_database: Served) -> Served:
    return served_on_either_database


@pytest.fixture
def blog(served: Served) -> str:
    created = send(
        served,
        "POST",
        "/assistants",
        {"graph_id": "writer", "name": "Blog", "metadata": {"team": "blue"}},
    )
    assert created.status, created.body
    return str(created.json()["assistant_id"])


def test_a_chunked_patch_applies_the_change_it_carries(served, blog):
    body = json.dumps({"name": "Renamed", "context": {"temperature": 0.3}}).encode()

    patched = send_chunked(served, "PATCH", f"/assistants/{blog}", body)

    assert patched.status == 200, patched.body
    assert (patched.json()["name"], patched.json()["context"]) == ("Renamed", {"temperature": 0.3})
    got = send(served, "GET", f"/assistants/{blog}").json()
    assert (got["name"], got["version"], got["context"]) == ("Renamed", 2, {"temperature": 0.3})


def test_a_chunked_search_applies_its_filter(served):
    run = uuid.uuid4().hex  # the server is shared by this module's tests
    made = [
        send(
            served, "POST", "/assistants", {"graph_id": "writer", "metadata": {"run": run, "n": n}}
        )
        for n in range(3)
    ]
    body = json.dumps({"metadata": {"run": run, "n": 1}, "limit": 50}).encode()

    found = send_chunked(served, "POST", "/assistants/search", body, chunk_size=3)

    assert found.status == 200, found.body
    assert [a["assistant_id"] for a in found.json()] == [made[1].json()["assistant_id"]]
    counted = send_chunked(
        served, "POST", "/assistants/count", json.dumps({"metadata": {"run": run}}).encode()
    )
    assert (counted.status, counted.json()) == (200, 3)


def test_a_chunked_create_stores_what_it_carries(served):
    body = json.dumps({"graph_id": "writer", "name": "Chunky", "metadata": {"k": "é😀"}}).encode()

    created = send_chunked(served, "POST", "/assistants", body, chunk_size=1)

    assert created.status == 200, created.body
    got = send(served, "GET", f"/assistants/{created.json()['assistant_id']}").json()
    assert (got["name"], got["metadata"]) == ("Chunky", {"k": "é😀"})


def test_a_chunked_body_over_the_limit_is_a_413_and_nothing_changes(served, blog):
    body = json.dumps({"name": "x" * SERVED_BODY_LIMIT}).encode()

    refused = send_chunked(served, "PATCH", f"/assistants/{blog}", body, chunk_size=8192)

    assert refused.status == 413
    assert refused.json() == {"detail": "Request body is too large."}
    assert send(served, "GET", f"/assistants/{blog}").json()["version"] == 1


def test_a_chunked_body_just_under_the_limit_is_read_whole(served, blog):
    name = "n" * 200
    padding = SERVED_BODY_LIMIT - len(json.dumps({"name": name, "metadata": {"pad": ""}})) - 10
    body = json.dumps({"name": name, "metadata": {"pad": "p" * padding}}).encode()
    assert SERVED_BODY_LIMIT - 20 < len(body) <= SERVED_BODY_LIMIT

    patched = send_chunked(served, "PATCH", f"/assistants/{blog}", body, chunk_size=4000)

    assert patched.status == 200, patched.body[:300]
    assert patched.json()["metadata"]["pad"] == "p" * padding


def test_a_chunked_body_is_judged_like_any_other(served, blog):
    broken = send_chunked(served, "PATCH", f"/assistants/{blog}", b'{"name": ')
    assert (broken.status, broken.json()) == (422, {"detail": "Invalid JSON in request body"})
    surrogate = send_chunked(served, "PATCH", f"/assistants/{blog}", b'{"name": "\\ud83d"}')
    assert surrogate.status == 422 and surrogate.json()["errors"][0]["loc"] == ["name"]
    deep = send_chunked(served, "POST", "/assistants/search", b'{"metadata": ' + b"[" * 900)
    assert deep.status == 422
    assert send(served, "GET", f"/assistants/{blog}").json()["version"] == 1


def test_a_compressed_transfer_coding_is_refused(served, blog):
    body = json.dumps({"name": "Zipped"}).encode()

    refused = send_chunked(
        served, "PATCH", f"/assistants/{blog}", body, transfer_encoding="gzip, chunked"
    )

    assert refused.status in (400, 501), refused.body
    assert send(served, "GET", f"/assistants/{blog}").json()["name"] == "Blog"


# -- a server that does not end chunked input (no wsgi.input_terminated): 411 --------------------


@pytest.mark.django_db
def test_without_a_server_that_ends_chunked_input_the_answer_is_411(client: Client):
    # Django's test client is such a server: it passes the body as is, without a length.
    response = client.generic(
        "POST",
        "/assistants/search",
        b"{}",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
    )

    assert response.status_code == 411
    assert response.json() == {
        "detail": "Chunked request bodies are not supported here; send Content-Length."
    }
