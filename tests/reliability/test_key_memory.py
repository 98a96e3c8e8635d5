"""Each worker remembers the API keys it has read, and a create takes a key from that memory unread
(its insert proves the key in the same statement). A key revoked or renamed while every worker
remembers it is refused, or recorded under its new name, on the very next create of each worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, Assistant, AuditEntry

pytestmark = [pytest.mark.postgres, pytest.mark.slow_server]

WORKERS = 3  # running_gunicorn's default


@pytest.fixture
def key_and_clients(gunicorn_url, transactional_db) -> Iterator[tuple[ApiKey, list[httpx.Client]]]:
    row, raw = services.api_key_create(actor=Actor.system_actor(), name="memory")
    made = [
        httpx.Client(base_url=gunicorn_url, headers={"X-Api-Key": raw}, timeout=30)
        for _ in range(3 * WORKERS)
    ]
    for client in made * 2:  # every worker has read the key, and takes it from memory since
        assert client.post("/assistants", json={"graph_id": "writer"}).status_code == 200
    yield row, made
    for client in made:
        client.close()


def test_a_revoked_key_creates_nothing_on_any_worker(key_and_clients):
    row, clients = key_and_clients
    before = (Assistant.objects.count(), AuditEntry.objects.count())

    services.api_key_revoke(actor=Actor.system_actor(), keys=[row])

    for client in clients * 2:
        refused = client.post("/assistants", json={"graph_id": "writer"})
        assert (refused.status_code, refused.json()) == (
            401,
            {"detail": "This API key has been revoked."},
        )
    # the revocation's own audit entry only
    assert (Assistant.objects.count(), AuditEntry.objects.count()) == (before[0], before[1] + 1)


def test_a_renamed_key_is_recorded_under_its_new_name_on_every_worker(key_and_clients):
    row, clients = key_and_clients
    ApiKey.objects.filter(pk=row.pk).update(name="renamed")

    for client in clients:
        created = client.post("/assistants", json={"graph_id": "writer"})
        assert created.status_code == 200
        entry = AuditEntry.objects.get(assistant_id=created.json()["assistant_id"])
        assert entry.actor == f"api-key:renamed ({row.prefix})"
