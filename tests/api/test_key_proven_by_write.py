"""A create takes an API key this process has read before unread, and proves it in its insert.

The key's row is compared in the insert's own statement (PostgreSQL) or transaction (SQLite). A
key changed since it was read (revoked, deleted, renamed, made read-only) writes nothing, and the
request is answered as if the key had been read first: every test changes the key behind the
process's back (a queryset ``update``, no signals) after a first create that read it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assistants.api import auth
from assistants.models import ApiKey, Assistant, AuditEntry
from tests.factories import make_key

pytestmark = pytest.mark.django_db

REVOKED = {"detail": "This API key has been revoked."}
UNKNOWN = {"detail": "Invalid API key."}
READ_ONLY = {"detail": "This API key is read-only."}
BODY = {"graph_id": "tiny", "metadata": {"team": "a"}}


@pytest.fixture
def key_and_client(api_client_for, statements_of):
    raw = make_key("integration")
    client = api_client_for(raw)
    first = client.post("/assistants", BODY)  # reads the key: this process remembers it
    assert first.status_code == 200, first.content
    digest = ApiKey.digest_for(raw)
    assert digest in auth._seen
    # taken from memory: on PostgreSQL the create is its one statement, the key checked in it
    statements = statements_of(lambda: client.post("/assistants", BODY))
    if connection.vendor == "postgresql":
        assert statements == ["WITH"]
    return ApiKey.objects.get(digest=digest), client


def _counts() -> tuple[int, int]:
    return Assistant.objects.count(), AuditEntry.objects.count()


def _refused(client, expected_status: int, expected_body: dict, body=BODY) -> None:
    before = _counts()
    response = client.post("/assistants", body)
    assert (response.status_code, response.json()) == (expected_status, expected_body)
    assert _counts() == before


def test_a_key_revoked_since_is_refused_and_nothing_is_written(key_and_client):
    key, client = key_and_client
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())

    _refused(client, 401, REVOKED)
    assert key.digest not in auth._seen  # forgotten: read (and refused) again
    _refused(client, 401, REVOKED)


def test_a_key_deleted_since_is_refused(key_and_client):
    key, client = key_and_client
    ApiKey.objects.filter(pk=key.pk).delete()

    _refused(client, 401, UNKNOWN)


def test_a_key_made_read_only_since_gets_the_403(key_and_client):
    key, client = key_and_client
    ApiKey.objects.filter(pk=key.pk).update(scope=ApiKey.SCOPE_READ)

    _refused(client, 403, READ_ONLY)


def test_a_key_renamed_since_writes_under_its_new_name(key_and_client):
    key, client = key_and_client
    ApiKey.objects.filter(pk=key.pk).update(name="renamed")

    response = client.post("/assistants", BODY)

    assert response.status_code == 200
    created = Assistant.objects.get(pk=response.json()["assistant_id"])
    label = f"api-key:renamed ({key.prefix})"
    assert created.published_version.author == label  # type: ignore[union-attr]
    entry = AuditEntry.objects.get(assistant_id=created.pk)
    assert (entry.actor, entry.actor_api_key_id) == (label, key.pk)


@pytest.mark.parametrize(
    "body",
    [
        {"graph_id": "tiny", "context": {"style": "novel"}},  # a 422 for a valid key
        {"graph_id": "no-such-graph"},  # a 404
        {"graph_id": "tiny", "if_exists": "sometimes"},  # a 422
    ],
    ids=["bad-context", "unknown-graph", "bad-if-exists"],
)
def test_a_key_revoked_since_gets_its_401_before_anything_about_the_body(key_and_client, body):
    key, client = key_and_client
    valid_answer = client.post("/assistants", body).status_code
    assert valid_answer in (404, 422)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())

    _refused(client, 401, REVOKED, body=body)


@pytest.mark.parametrize(("if_exists", "valid_status"), [("raise", 409), ("do_nothing", 200)])
def test_a_key_revoked_since_learns_nothing_of_an_existing_assistant(
    key_and_client, if_exists, valid_status
):
    key, client = key_and_client
    taken = str(uuid.uuid4())
    assert client.post("/assistants", {**BODY, "assistant_id": taken}).status_code == 200
    body = {**BODY, "assistant_id": taken, "if_exists": if_exists}
    assert client.post("/assistants", body).status_code == valid_status
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())

    _refused(client, 401, REVOKED, body=body)


def test_other_writes_still_read_the_key(key_and_client):
    key, client = key_and_client
    assistant_id = client.post("/assistants", BODY).json()["assistant_id"]
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())

    response = client.patch(f"/assistants/{assistant_id}", {"name": "x"})

    assert (response.status_code, response.json()) == (401, REVOKED)
    assert Assistant.objects.get(pk=assistant_id).name == "Untitled"


def test_a_key_whose_use_is_due_to_be_recorded_is_read_and_its_use_recorded(
    key_and_client, monkeypatch, statements_of
):
    key, client = key_and_client
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(hours=1))
    monkeypatch.setattr(auth, "TOUCH_INTERVAL_SECONDS", -1)  # every use is due

    statements = statements_of(lambda: client.post("/assistants", BODY))

    assert statements[:2] == ["SELECT", "UPDATE"]  # the key, read, and its use
    assert ApiKey.objects.get(pk=key.pk).last_used_at > timezone.now() - timedelta(minutes=1)


def test_a_read_only_key_is_always_read(api_client_for):
    raw = make_key("dashboard", read_only=True)
    client = api_client_for(raw)
    assert client.get("/assistants/tiny").status_code == 200  # read, and remembered
    ApiKey.objects.filter(digest=ApiKey.digest_for(raw)).update(scope=ApiKey.SCOPE_WRITE)

    response = client.post("/assistants", BODY)  # not refused on what the memory said

    assert response.status_code == 200


def test_the_memory_of_keys_is_bounded(api_client_for, monkeypatch, statements_of):
    monkeypatch.setattr(auth, "MAX_SEEN_KEYS", 2)
    raws = [make_key(f"k{n}") for n in range(3)]
    for raw in raws:
        assert api_client_for(raw).post("/assistants", BODY).status_code == 200

    assert list(auth._seen) == [ApiKey.digest_for(raw) for raw in raws[1:]]
    first = api_client_for(raws[0])
    assert statements_of(lambda: first.post("/assistants", BODY))[0] == "SELECT"  # read again
