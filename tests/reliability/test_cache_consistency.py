"""The shared cache (Redis) never serves a stale value: writes and reads on different workers.

gunicorn runs several worker processes with ``REDIS_URL`` set; writes and reads go over separate
connections (so, most of the time, to different workers). Every read that starts after a write's
response must see that write, and a revoked key must be refused on the very next request.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
import redis
from django.db import connection

from assistants import services
from assistants.actors import Actor
from tests.reliability.conftest import _database_url, reading_meanwhile, running_gunicorn

pytestmark = [pytest.mark.postgres]

REDIS_URL = os.environ.get("STUDIO_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
WORKERS = 3


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return client


def _serve(redis_url: str) -> AbstractContextManager[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.test_settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": redis_url,
    }
    return running_gunicorn(env, workers=WORKERS)


@pytest.fixture
def cached_server(transactional_db, settings) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process server tests need PostgreSQL")
    client = _redis_or_skip()
    client.flushdb()
    # This process writes too (services, like a management command): same Redis, same rules.
    settings.CACHES = {**settings.CACHES, "shared": _shared(REDIS_URL)}
    settings.STUDIO_API_CACHE = "shared"
    try:
        with _serve(REDIS_URL) as url:
            yield url
    finally:
        connection.close()
        client.flushdb()


def _shared(url: str) -> dict[str, object]:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


@pytest.fixture
def key(transactional_db) -> str:
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="consistency")
    return raw


def _clients(url: str, key: str, count: int) -> list[httpx.Client]:
    return [
        httpx.Client(base_url=url, headers={"X-Api-Key": key}, timeout=30) for _ in range(count)
    ]


def test_every_read_after_a_write_sees_it_on_every_worker(cached_server, key):
    writer, *readers = _clients(cached_server, key, 1 + 2 * WORKERS)
    created = writer.post("/assistants", json={"graph_id": "writer", "metadata": {"n": 0}})
    assistant_id = created.json()["assistant_id"]
    etags: dict[int, str] = {}
    for n in range(1, 41):
        for reader in readers:  # warm every worker's view of the current value
            assert reader.get(f"/assistants/{assistant_id}").json()["metadata"]["n"] == n - 1
        patched = writer.patch(f"/assistants/{assistant_id}", json={"metadata": {"n": n}})
        assert patched.status_code == 200
        for reader in readers:
            seen = reader.get(f"/assistants/{assistant_id}")
            assert (seen.json()["metadata"]["n"], seen.json()["version"]) == (n, n + 1)
            etags.setdefault(n, seen.headers["ETag"])
            assert seen.headers["ETag"] == etags[n]
    stale = readers[0].get(f"/assistants/{assistant_id}", headers={"If-None-Match": etags[1]})
    assert stale.status_code == 200
    assert stale.json()["metadata"]["n"] == 40
    assert len(set(etags.values())) == 40
    # The values were served from Redis (the test would prove nothing otherwise).
    assert any(b"val:assistant:" in k for k in redis.Redis.from_url(REDIS_URL).keys("*"))


def test_concurrent_readers_never_see_a_value_older_than_a_finished_write(cached_server, key):
    writer, *readers = _clients(cached_server, key, 1 + 4)
    assistant_id = writer.post("/assistants", json={"graph_id": "writer"}).json()["assistant_id"]
    finished: list[tuple[float, int]] = []  # (when the response arrived, version it made)

    def version(client: httpx.Client) -> int:
        return int(client.get(f"/assistants/{assistant_id}").json()["version"])

    # (when the request started, version it saw)
    with reading_meanwhile(readers, version) as reads:
        for n in range(30):
            response = writer.patch(f"/assistants/{assistant_id}", json={"metadata": {"n": n}})
            finished.append((time.monotonic(), response.json()["version"]))
            time.sleep(0.01)

    assert len(reads) > 60
    for started, version in reads:
        newest_done = max((v for done, v in finished if done < started), default=1)
        assert version >= newest_done, f"a read started after v{newest_done} saw v{version}"


def test_a_revoked_key_is_refused_on_the_next_request(cached_server, transactional_db):
    row, raw = services.api_key_create(actor=Actor.system_actor(), name="to revoke")
    clients = _clients(cached_server, raw, 2 * WORKERS)
    for client in clients * 3:  # cached on every worker
        assert client.get("/assistants/writer").status_code == 200

    services.api_key_revoke(actor=Actor.system_actor(), keys=[row])

    for client in clients:
        refused = client.get("/assistants/writer")
        assert (refused.status_code, refused.json()) == (
            401,
            {"detail": "This API key has been revoked."},
        )


def test_a_value_from_an_older_schema_or_format_is_never_read(cached_server, key):
    from assistants.api import cache

    client = _clients(cached_server, key, 1)[0]
    assistant_id = client.post("/assistants", json={"graph_id": "writer"}).json()["assistant_id"]
    client.get(f"/assistants/{assistant_id}")
    store = redis.Redis.from_url(REDIS_URL)
    current = cache._schema_prefix()
    assert current.startswith(f"studio:{cache.CACHE_FORMAT}:")
    names = [k.decode() for k in store.keys("*") if current.encode() in k]
    assert any(f"val:assistant:{assistant_id}" in name for name in names)
    # Values written under another schema/format prefix are simply other keys: plant one.
    for name in names:
        store.set(name.replace(current, "studio:0:oldschema:"), b"garbage")
    assert client.get(f"/assistants/{assistant_id}").json()["assistant_id"] == assistant_id


def test_with_redis_down_every_request_is_served_from_the_database(transactional_db, key):
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process server tests need PostgreSQL")
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    try:
        with _serve(dead) as url:
            clients = _clients(url, key, 2 * WORKERS)
            assistant_id = (
                clients[0].post("/assistants", json={"graph_id": "writer"}).json()["assistant_id"]
            )
            for n, client in enumerate(clients * 3):
                assert (
                    client.patch(
                        f"/assistants/{assistant_id}", json={"metadata": {"n": n}}
                    ).status_code
                    == 200
                )
                seen = clients[-1 - n % len(clients)].get(f"/assistants/{assistant_id}")
                assert (seen.status_code, seen.json()["metadata"]["n"]) == (200, n)
                search = client.post("/assistants/search", json={"metadata": {"n": n}})
                assert search.status_code == 200
            log = _newest_log()
    finally:
        connection.close()
    # logged once per worker process, not once per request
    assert 1 <= log.count("Shared cache unavailable") <= WORKERS


def _newest_log() -> str:
    logs = sorted(
        (Path(__file__).resolve().parents[2] / "test-results").glob("gunicorn-*.log"),
        key=lambda p: p.stat().st_mtime,
    )
    return logs[-1].read_text()
