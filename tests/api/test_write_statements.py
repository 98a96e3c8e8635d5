"""Writes cost few statements: create and PATCH, with their guarantees (audit, pointers) intact."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistants.api.auth import forget_keys
from assistants.models import Assistant, AuditEntry, Publication

pytestmark = pytest.mark.django_db

ID = "99999999-9999-9999-9999-999999999999"


@pytest.fixture
def warm(api):
    api.get("/assistants/tiny")  # default assistants created, key touched
    return api


def _four_inserts() -> list[str]:
    """Version 1, the assistant, its publication and the audit entry: one statement on PostgreSQL
    (data-modifying CTEs, studio/insert.py), four elsewhere."""
    return ["WITH"] if connection.vendor == "postgresql" else ["INSERT"] * 4


def _four_inserts_proving_the_key() -> list[str]:
    """The same, written only if the key read from memory is unchanged: part of the one statement
    on PostgreSQL, a SELECT in the inserts' transaction elsewhere."""
    return ["WITH"] if connection.vendor == "postgresql" else ["SELECT", *["INSERT"] * 4]


def test_a_first_create_is_the_key_check_and_four_inserts(warm, statements_of):
    forget_keys()  # as on a worker that has not read this key yet
    statements = statements_of(
        lambda: warm.post("/assistants", {"graph_id": "tiny", "context": {"style": "tweet"}})
    )

    assert statements == ["SELECT", *_four_inserts()]
    created = Assistant.objects.latest("created_at")
    assert (created.version, created.latest_version_number) == (1, 1)
    assert created.published_version.version == 1  # type: ignore[union-attr]
    assert Publication.objects.filter(assistant=created, to_version=1).count() == 1
    assert AuditEntry.objects.filter(assistant_id=created.pk).count() == 1


def test_once_the_key_was_read_a_create_proves_it_in_its_insert(warm, statements_of):
    statements = statements_of(lambda: warm.post("/assistants", {"graph_id": "tiny"}))

    assert statements == _four_inserts_proving_the_key()
    created = Assistant.objects.latest("created_at")
    assert created.published_version.version == 1  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(assistant_id=created.pk).count() == 1


def test_create_with_a_given_id_looks_it_up_first(warm, statements_of):
    statements = statements_of(
        lambda: warm.post("/assistants", {"graph_id": "tiny", "assistant_id": ID})
    )

    assert statements == ["SELECT", *_four_inserts_proving_the_key()]  # the id, then the inserts


def test_a_given_id_that_is_taken_is_still_a_409(warm, make_assistant):
    make_assistant(assistant_id=ID)

    response = warm.post("/assistants", {"graph_id": "tiny", "assistant_id": ID})

    assert response.status_code == 409


def test_patch_is_the_lock_the_inserts_and_one_update(warm, make_assistant, statements_of):
    make_assistant(assistant_id=ID)

    statements = statements_of(lambda: warm.patch(f"/assistants/{ID}", {"metadata": {"a": 1}}))

    # the key, the row lock; the version, its publication and two audit entries, and the
    # assistant's UPDATE: one statement on PostgreSQL
    writes = ["WITH"] if connection.vendor == "postgresql" else [*["INSERT"] * 4, "UPDATE"]
    assert statements == ["SELECT", "SELECT", *writes]
    actions = list(
        AuditEntry.objects.filter(assistant_id=ID).order_by("id").values_list("action", "version")
    )
    assert actions[-2:] == [("version.saved", 2), ("version.published", 2)]
    assistant = Assistant.objects.get(pk=ID)
    assert (assistant.version, assistant.metadata) == (2, {"a": 1})


@pytest.fixture
def autocommit_client(transactional_db, api_client_for):
    """A warm client outside any test transaction, so BEGIN and COMMIT show as they are sent."""
    if connection.vendor != "postgresql":
        pytest.skip("one-statement inserts are a PostgreSQL feature")
    from tests.factories import make_key

    client = api_client_for(make_key())
    client.get("/assistants/tiny")
    return client


def _round_trips(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content
    return [q["sql"].split()[0].upper() for q in queries.captured_queries]


def test_on_postgresql_a_create_is_one_round_trip_and_no_transaction(autocommit_client):
    body = {"graph_id": "tiny", "context": {"style": "tweet"}}

    assert _round_trips(lambda: autocommit_client.post("/assistants", body)) == ["WITH"]
    forget_keys()
    assert _round_trips(lambda: autocommit_client.post("/assistants", body)) == ["SELECT", "WITH"]
    created = Assistant.objects.latest("created_at")
    assert created.published_version.version == 1  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(assistant_id=created.pk, action="assistant.created").exists()


def test_on_postgresql_a_patch_is_five_round_trips(autocommit_client, make_assistant):
    make_assistant(assistant_id=ID)
    body = {"metadata": {"a": 1}}

    statements = _round_trips(lambda: autocommit_client.patch(f"/assistants/{ID}", body))

    # the key; the row lock, then one statement for the version, publication and audit entries
    # and the assistant's UPDATE, in one transaction (no savepoint)
    assert statements == ["SELECT", "BEGIN", "SELECT", "WITH", "COMMIT"]
    assert Assistant.objects.get(pk=ID).version == 2
