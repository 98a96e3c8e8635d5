"""Writes cost few statements: create and PATCH, with their guarantees (audit, pointers) intact."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistants.models import Assistant, AuditEntry, Publication

pytestmark = pytest.mark.django_db

ID = "99999999-9999-9999-9999-999999999999"


@pytest.fixture
def warm(api):
    api.get("/assistants/tiny")  # default assistants created, key touched
    return api


def _statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content
    words = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The test runs inside a transaction: the services' own transaction shows as a savepoint.
    return [word for word in words if word not in ("SAVEPOINT", "RELEASE")]


def test_create_is_the_key_check_and_four_inserts(warm):
    statements = _statements(
        lambda: warm.post("/assistants", {"graph_id": "tiny", "context": {"style": "tweet"}})
    )

    assert statements == ["SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]
    created = Assistant.objects.latest("created_at")
    assert (created.version, created.latest_version_number) == (1, 1)
    assert created.published_version.version == 1  # type: ignore[union-attr]
    assert Publication.objects.filter(assistant=created, to_version=1).count() == 1
    assert AuditEntry.objects.filter(assistant_id=created.pk).count() == 1


def test_create_with_a_given_id_looks_it_up_first(warm):
    statements = _statements(
        lambda: warm.post("/assistants", {"graph_id": "tiny", "assistant_id": ID})
    )

    assert statements == ["SELECT", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]


def test_a_given_id_that_is_taken_is_still_a_409(warm, make_assistant):
    make_assistant(assistant_id=ID)

    response = warm.post("/assistants", {"graph_id": "tiny", "assistant_id": ID})

    assert response.status_code == 409


def test_patch_is_lock_insert_update_insert_and_one_audit_insert(warm, make_assistant):
    make_assistant(assistant_id=ID)

    statements = _statements(lambda: warm.patch(f"/assistants/{ID}", {"metadata": {"a": 1}}))

    assert statements == ["SELECT", "SELECT", "INSERT", "UPDATE", "INSERT", "INSERT"]
    actions = list(
        AuditEntry.objects.filter(assistant_id=ID).order_by("id").values_list("action", "version")
    )
    assert actions[-2:] == [("version.saved", 2), ("version.published", 2)]
    assistant = Assistant.objects.get(pk=ID)
    assert (assistant.version, assistant.metadata) == (2, {"a": 1})
