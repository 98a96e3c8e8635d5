"""``studio.insert.insert_rows``: the rows ``save()`` would write, in one statement on PostgreSQL.

Run on both databases: on SQLite the rows are saved one by one, so each test also pins that both
ways write the same rows and send the same signals.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from studio.insert import ConditionFailed, insert_rows, savepoint_if_nested

pytestmark = pytest.mark.django_db


def _rows(pk: uuid.UUID, *, version_number: int = 1) -> list:
    fields = {"graph_id": "writer", "name": "Ünïcode 🙂", "description": None}
    json = {"metadata": {"big": 2**70, "team": "a"}, "config": {"tags": ["t"]}, "context": {}}
    version = AssistantVersion(
        assistant_id=pk, version=version_number, note="n", author="tester", **fields, **json
    )
    assistant = Assistant(assistant_id=pk, version=1, latest_version_number=1, **fields, **json)
    assistant.published_version = version
    publication = Publication(assistant=assistant, from_version=None, to_version=1, actor="tester")
    entry = AuditEntry(
        action="assistant.created", actor="tester", assistant_id=pk, version=1, payload={"x": 1}
    )
    return [version, assistant, publication, entry]


def test_the_rows_are_written_linked_and_given_their_ids():
    pk = uuid.uuid4()
    version, assistant, publication, entry = rows = _rows(pk)

    with CaptureQueriesContext(connection) as queries:
        insert_rows(rows)

    stored = Assistant.objects.get(pk=pk)
    assert version.pk is not None and stored.published_version_id == version.pk
    assert assistant.published_version_id == version.pk
    assert (stored.name, stored.metadata["big"], stored.config) == (
        "Ünïcode 🙂",
        2**70,
        {"tags": ["t"]},
    )
    assert AssistantVersion.objects.get(pk=version.pk).metadata == {"big": 2**70, "team": "a"}
    assert Publication.objects.get(pk=publication.pk).assistant_id == pk
    assert AuditEntry.objects.get(pk=entry.pk).payload == {"x": 1}
    assert all(not row._state.adding for row in rows)
    inserts = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert inserts == (["WITH"] if connection.vendor == "postgresql" else ["INSERT"] * 4)


def test_post_save_is_sent_for_each_row_as_save_sends_it():
    seen: list[tuple[type, bool, bool]] = []

    def record(sender, instance, created, **kwargs):
        seen.append((sender, created, instance.pk is not None))

    post_save.connect(record, dispatch_uid="test-insert-rows")
    try:
        insert_rows(_rows(uuid.uuid4()))
    finally:
        post_save.disconnect(dispatch_uid="test-insert-rows")

    assert seen == [
        (AssistantVersion, True, True),
        (Assistant, True, True),
        (Publication, True, True),
        (AuditEntry, True, True),
    ]


def test_a_failing_row_writes_none_and_a_savepoint_keeps_the_callers_transaction_usable():
    taken = uuid.uuid4()
    insert_rows(_rows(taken))
    before = (Assistant.objects.count(), AuditEntry.objects.count(), Publication.objects.count())

    with transaction.atomic():  # a caller's transaction (the test's own is around it too)
        with pytest.raises(IntegrityError), savepoint_if_nested():
            insert_rows(_rows(taken))  # version 1 of that assistant exists
        after = (Assistant.objects.count(), AuditEntry.objects.count(), Publication.objects.count())

    assert after == before


def test_a_foreign_key_to_an_unsaved_row_outside_the_call_is_refused():
    version, assistant, *_ = _rows(uuid.uuid4())

    # Django's own check in save() on SQLite, insert_rows's before any SQL on PostgreSQL
    with pytest.raises(ValueError, match="unsaved related|not saved first"), savepoint_if_nested():
        insert_rows([assistant])
    assert not Assistant.objects.filter(pk=assistant.pk).exists()


def test_the_service_writes_the_same_rows_on_either_path():
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="writer", name="Via service", metadata={"k": [1]}
    )

    stored = Assistant.objects.get(pk=assistant.pk)
    version = stored.published_version
    assert version is not None and (version.version, version.name, version.metadata) == (
        1,
        "Via service",
        {"k": [1]},
    )
    assert Publication.objects.filter(assistant=stored, from_version=None, to_version=1).exists()
    entry = AuditEntry.objects.get(assistant_id=stored.pk)
    assert (entry.action, entry.actor, entry.payload) == (
        "assistant.created",
        Actor.system_actor().label,
        {"graph_id": "writer", "name": "Via service"},
    )


def test_a_second_row_of_the_same_shape_gets_the_same_statement_as_the_orm_compiles(monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone

    from studio import insert

    if connection.vendor != "postgresql":
        pytest.skip("the statement templates serve the one-statement inserts (PostgreSQL)")
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)  # auto_now_add values are equal
    monkeypatch.setattr(insert, "_templates", {})
    pk = uuid.uuid4()

    def statements() -> list:
        rows = _rows(pk)
        for row in rows:  # times given at creation (field defaults) are equal too
            for name in ("created_at", "updated_at"):
                if hasattr(row, name):
                    setattr(row, name, moment)
        out = []
        for index, row in enumerate(rows):
            insert._refer_to_earlier_rows(row, rows[:index], connection.ops.quote_name)
            out.append(insert._insert_sql(row, "default"))
        return out

    compiled = statements()  # compiled by the ORM, and kept
    assert len(insert._templates) == 4
    compilations: list[object] = []
    real_compiled = insert._compiled
    monkeypatch.setattr(insert, "_compiled", lambda c: compilations.append(c) or real_compiled(c))
    from_templates = statements()

    assert (compilations, len(insert._templates)) == ([], 4)  # the second pass compiled nothing

    def comparable(statement: tuple) -> tuple:  # JSON values are adapter objects: by their value
        sql, params, returns_id = statement
        return sql, [getattr(p, "obj", p) for p in params], returns_id

    assert [comparable(s) for s in from_templates] == [comparable(s) for s in compiled]
    assert from_templates[1][0].count("(SELECT") == 1  # the assistant's link to its version


# -- only_if ------------------------------------------------------------------------------------


def _assistant_exists(pk: uuid.UUID) -> tuple[str, list]:
    value = Assistant._meta.pk.get_db_prep_value(pk, connection)  # type: ignore[union-attr]
    return 'EXISTS (SELECT 1 FROM "assistants_assistant" WHERE "assistant_id" = %s)', [value]


def test_rows_are_written_when_the_condition_holds():
    present = uuid.uuid4()
    insert_rows(_rows(present))
    version, assistant, publication, entry = rows = _rows(uuid.uuid4())

    with CaptureQueriesContext(connection) as queries:
        insert_rows(rows, only_if=_assistant_exists(present))

    stored = Assistant.objects.get(pk=assistant.pk)
    assert stored.published_version_id == version.pk is not None
    assert Publication.objects.get(pk=publication.pk).assistant_id == assistant.pk
    assert AuditEntry.objects.get(pk=entry.pk).payload == {"x": 1}
    assert all(not row._state.adding for row in rows)
    words = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert words == (["WITH"] if connection.vendor == "postgresql" else ["SELECT", *["INSERT"] * 4])


def test_no_row_is_written_when_the_condition_fails_and_the_transaction_goes_on():
    before = (Assistant.objects.count(), AuditEntry.objects.count(), Publication.objects.count())
    version, assistant, publication, entry = rows = _rows(uuid.uuid4())

    with transaction.atomic():  # a caller's transaction, with no savepoint around the call
        with pytest.raises(ConditionFailed):
            insert_rows(rows, only_if=_assistant_exists(uuid.uuid4()))
        after = (Assistant.objects.count(), AuditEntry.objects.count(), Publication.objects.count())
        insert_rows(_rows(uuid.uuid4()))  # the transaction is still usable

    assert after == before
    assert [row.pk for row in (version, publication, entry)] == [None, None, None]
    assert all(row._state.adding for row in rows)
    assert assistant.published_version is version  # linked again, as before the call


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 1",
        'INSERT INTO "t" ("a") VALUES (%s), (%s)',
        'INSERT INTO "t" ("a") VALUES (%s) ON CONFLICT DO NOTHING',
        'INSERT INTO "t" ("a") SELECT 1',
        'INSERT INTO "t" ("a", "b") VALUES (%s, DEFAULT)',
    ],
)
def test_only_single_row_inserts_are_made_conditional(statement):
    from studio.insert import _select_from

    with pytest.raises(ValueError, match="one-row INSERT"):
        _select_from(statement, '"only_if"')


def test_a_conditional_insert_selects_its_values_from_the_condition():
    from studio.insert import _select_from

    assert (
        _select_from('INSERT INTO "t" ("a", "b") VALUES (%s, (SELECT 1)) RETURNING "t"."id"', "g")
        == 'INSERT INTO "t" ("a", "b") SELECT %s, (SELECT 1) FROM g RETURNING "t"."id"'
    )


# -- then_save ----------------------------------------------------------------------------------


def test_then_save_updates_an_existing_row_pointing_at_a_new_one_in_the_same_write():
    pk = uuid.uuid4()
    insert_rows(_rows(pk))
    assistant = Assistant.objects.get(pk=pk)
    version = AssistantVersion(
        assistant=assistant, version=2, graph_id="writer", name="v2", note="", author="tester"
    )
    assistant.name, assistant.version, assistant.latest_version_number = "v2", 2, 2
    assistant.published_version = version
    seen: list[tuple[type, bool]] = []

    def record(sender, instance, created, **kwargs):
        seen.append((sender, created))

    post_save.connect(record, dispatch_uid="test-then-save")
    try:
        with CaptureQueriesContext(connection) as queries:
            insert_rows([version], then_save=assistant)
    finally:
        post_save.disconnect(dispatch_uid="test-then-save")

    stored = Assistant.objects.get(pk=pk)
    assert version.pk is not None and stored.published_version_id == version.pk
    assert (stored.name, stored.version, stored.latest_version_number) == ("v2", 2, 2)
    assert seen == [(AssistantVersion, True), (Assistant, False)]
    words = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert words == (["WITH"] if connection.vendor == "postgresql" else ["INSERT", "UPDATE"])


def test_then_save_of_a_row_that_is_gone_fails_as_save_does():
    pk = uuid.uuid4()
    insert_rows(_rows(pk))
    assistant = Assistant.objects.get(pk=pk)
    Assistant.objects.filter(pk=pk).update(published_version=None)
    Assistant.objects.filter(pk=pk).delete()
    entry = AuditEntry(action="x", actor="tester", assistant_id=pk, payload={})

    with pytest.raises(DatabaseError), savepoint_if_nested():
        insert_rows([entry], then_save=assistant)
    assert not AuditEntry.objects.filter(action="x").exists()


def test_only_if_and_then_save_do_not_combine():
    with pytest.raises(ValueError, match="cannot be combined"):
        insert_rows(_rows(uuid.uuid4()), only_if=("TRUE", []), then_save=Assistant())
