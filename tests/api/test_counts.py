"""Search totals are kept per tally of changes: exact after every write, counted once otherwise.

These tests run as the server does, outside a test transaction (counts are not kept inside one).
The multi-process version, several gunicorn workers, is tests/reliability/test_count_consistency.py.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assistants import counts
from assistants.api.selectors import assistant_count
from assistants.models import ApiKey, Assistant

pytestmark = [
    pytest.mark.django_db(transaction=True),  # as served: autocommit
    pytest.mark.usefixtures("no_default_assistants"),
]

TEAM = {"team": "counted"}
migration = importlib.import_module("assistants.migrations.0006_assistant_change_tally")


def _tally() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts.TALLY_SQL}")
        return int(cursor.fetchone()[0])


def _counts_assistants(query: dict[str, str]) -> bool:
    """A ``COUNT(*)`` of assistants (not of the tally's rows, nor the check of its triggers)."""
    return "COUNT(*)" in query["sql"] and '"assistants_assistant"' in query["sql"]


def _counted(queries: CaptureQueriesContext) -> bool:
    return any(_counts_assistants(q) for q in queries.captured_queries)


@pytest.fixture(params=[True, False], ids=["fast-path", "view"])
def total(request, api, settings):
    """``total(**filters)``: the API's ``X-Pagination-Total`` for a one-row page, and whether a
    ``COUNT(*)`` ran to answer it."""
    settings.STUDIO_API_FAST_READS = request.param
    api.post("/assistants/count", {})  # records the key's use now, so searches take the fast path

    def search(**body) -> tuple[int, bool]:
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/assistants/search", {"limit": 1, **body})
        assert response.status_code == 200, response.content
        return int(response["X-Pagination-Total"]), _counted(queries)

    return search


def test_a_total_is_counted_once_then_kept(total, make_assistant):
    for _ in range(3):
        make_assistant(metadata=TEAM)
    make_assistant(metadata={"team": "other"})

    assert total(metadata=TEAM) == (3, True)
    assert total(metadata=TEAM) == (3, False)
    assert total(metadata={"team": "other"}) == (1, True)
    assert total(metadata={"team": "none"}) == (0, False)  # an empty first page tells its total
    assert total() == (4, True)
    assert total() == (4, False)


def test_the_fast_path_reads_the_tally_with_its_page(api, settings, make_assistant):
    """No statement of its own for the tally: a kept total costs the fast path nothing."""
    settings.STUDIO_API_FAST_READS = True
    api.post("/assistants/count", {})
    for _ in range(3):
        make_assistant(metadata=TEAM)
    api.post("/assistants/search", {"limit": 1, "metadata": TEAM})  # counted and kept

    with CaptureQueriesContext(connection) as queries:
        response = api.post("/assistants/search", {"limit": 1, "metadata": TEAM})

    assert response["X-Pagination-Total"] == "3"
    assert len(queries.captured_queries) == 1
    assert counts.TALLY_TABLE in queries.captured_queries[0]["sql"]


def test_a_total_follows_every_change_made_through_the_api(total, api):
    created = [
        api.post("/assistants", {"graph_id": "tiny", "metadata": TEAM}).json()["assistant_id"]
        for _ in range(3)
    ]
    assert total(metadata=TEAM) == (3, True)

    api.post("/assistants", {"graph_id": "factory", "metadata": TEAM})
    assert total(metadata=TEAM) == (4, True)
    assert total(metadata=TEAM, graph_id="factory") == (1, True)

    api.patch(f"/assistants/{created[0]}", {"metadata": {"team": "moved"}})
    assert total(metadata=TEAM) == (3, True)

    api.patch(f"/assistants/{created[1]}", {"config": {"tags": ["x"]}})  # a new version
    assert total(metadata=TEAM) == (3, True)
    assert total(metadata=TEAM) == (3, False)

    api.delete(f"/assistants/{created[2]}")
    assert total(metadata=TEAM) == (2, True)


def test_a_total_follows_changes_made_outside_the_api(total, make_assistant):
    """The tally is kept by triggers: raw SQL, bulk updates and deletes count as changes."""
    ids = [make_assistant(metadata=TEAM).pk for _ in range(5)]
    assert total(metadata=TEAM) == (5, True)

    Assistant.objects.filter(pk=ids[0]).update(metadata={"team": "bulk"})
    assert total(metadata=TEAM) == (4, True)

    Assistant.objects.filter(pk=ids[1]).delete()
    assert total(metadata=TEAM) == (3, True)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assistants_assistant SET graph_id = 'gone' WHERE assistant_id = %s",
            [Assistant._meta.pk.get_db_prep_value(ids[2], connection)],
        )
    assert total(metadata=TEAM) == (2, True)
    assert total(metadata=TEAM) == (2, False)


@pytest.mark.parametrize(
    "change",
    [{"metadata": {"team": "x"}}, {"name": "renamed"}, {"graph_id": "factory"}, {"version": 7},
     {"latest_version_number": 7}, {"description": "any column"}],
    ids=lambda change: next(iter(change)),
)  # fmt: skip
def test_the_tally_moves_with_each_committed_change(make_assistant, change):
    assistant = make_assistant(metadata=TEAM)
    start = _tally()

    assert assistant_count(metadata=TEAM) == 1  # a read moves nothing
    assert _tally() == start

    Assistant.objects.filter(pk=assistant.pk).update(**change)
    assert _tally() == start + 1

    with transaction.atomic():
        Assistant.objects.filter(pk=assistant.pk).update(**change)
        transaction.set_rollback(True)
    assert _tally() == start + 1


def test_a_truncated_table_moves_the_tally(make_assistant):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE fires the delete trigger)")
    make_assistant(metadata=TEAM)
    start = _tally()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE assistants_assistant CASCADE")
    assert _tally() == start + 1


def test_the_triggers_are_in_place_after_every_migration():
    """A migration that rebuilds the assistants table on SQLite drops them: it must add them."""
    counts.clear()
    assert counts.enabled()


def test_counts_are_not_kept_inside_a_transaction(make_assistant):
    """A transaction's own uncommitted rows would be kept under a tally its rollback gives back;
    the next committed change would then meet that tally and the wrong count."""
    ids = [make_assistant(metadata=TEAM).pk for _ in range(3)]
    assert assistant_count(metadata=TEAM) == 3

    with transaction.atomic():
        make_assistant(metadata=TEAM)
        assert assistant_count(metadata=TEAM) == 4
        transaction.set_rollback(True)
    Assistant.objects.filter(pk=ids[0]).delete()  # the same session: its tally row moves again

    assert assistant_count(metadata=TEAM) == 2


def test_without_the_triggers_every_total_is_counted(total, make_assistant):
    """A migration that rebuilds the table on SQLite drops its triggers: then nothing is kept."""
    trigger = {"postgresql": "studio_assistant_changed", "sqlite": "studio_assistant_updated"}
    name = trigger[connection.vendor]
    make_assistant(metadata=TEAM)
    make_assistant(metadata=TEAM)
    with connection.cursor() as cursor:
        on_table = " ON assistants_assistant" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER {name}{on_table}")
    counts.clear()
    try:
        assert total(metadata=TEAM) == (2, True)
        Assistant.objects.filter(metadata__isnull=False).update(metadata={"team": "gone"})
        assert total(metadata=TEAM) == (0, False)
        assert total() == (2, True)
        assert total() == (2, True)
    finally:
        if connection.vendor == "postgresql":
            statements = migration._postgresql("public")
        else:
            statements = migration._sqlite()
        with connection.cursor() as cursor:
            for statement in statements:
                if "CREATE TRIGGER" in statement and name in statement:
                    cursor.execute(statement)
        counts.clear()
    assert counts.enabled()


def test_counts_kept_are_bounded(monkeypatch, make_assistant):
    monkeypatch.setattr(counts.totals, "max_entries", 2)
    for team in ("a", "b", "c"):
        make_assistant(metadata={"team": team})
        make_assistant(metadata={"team": team})
    for team in ("a", "b", "c"):
        assert assistant_count(metadata={"team": team}) == 2

    with CaptureQueriesContext(connection) as queries:
        assert assistant_count(metadata={"team": "c"}) == 2
    assert not _counted(queries)
    with CaptureQueriesContext(connection) as queries:
        assert assistant_count(metadata={"team": "a"}) == 2  # the oldest: dropped
    assert _counted(queries)


def test_rows_of_ended_sessions_are_folded_into_one(monkeypatch, make_assistant):
    if connection.vendor != "postgresql":
        pytest.skip("one row per PostgreSQL session; SQLite has one row")
    make_assistant(metadata=TEAM)
    ended = [2_000_000_000 + n for n in range(5)]  # no live backend has these process ids
    with connection.cursor() as cursor:
        for pid in ended:
            cursor.execute(f"INSERT INTO {counts.TALLY_TABLE} VALUES (%s, 7)", [pid])
    before = _tally()
    monkeypatch.setattr(counts, "FOLD_ABOVE", 3)

    assert assistant_count(metadata=TEAM) == 1  # a count with more rows than that folds them

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT backend FROM {counts.TALLY_TABLE} WHERE backend >= 2000000000")
        assert cursor.fetchall() == []
        cursor.execute(f"SELECT COUNT(*) FROM {counts.TALLY_TABLE} WHERE backend = %s", [
            connection.connection.info.backend_pid
        ])  # fmt: skip
        assert cursor.fetchone()[0] == 1  # a live session keeps its row
    assert _tally() == before


def test_an_unreadable_tally_means_plain_counts(monkeypatch, make_assistant):
    """No rights on the tally, say (the application's role is not the one that migrated)."""
    make_assistant(metadata=TEAM)
    monkeypatch.setattr(counts, "TALLY_SQL", "(SELECT SUM(changes) FROM no_such_table)")

    with CaptureQueriesContext(connection) as queries:
        assert assistant_count(metadata=TEAM) == 1
        assert assistant_count(metadata=TEAM) == 1

    assert not counts.enabled()  # for the next MAX_AGE seconds
    assert sum(_counts_assistants(q) for q in queries.captured_queries) == 2


def test_a_disabled_trigger_means_plain_counts(make_assistant):
    """As ``pg_restore --disable-triggers`` leaves them, should it fail half way."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot disable a trigger")
    make_assistant(metadata=TEAM)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE assistants_assistant DISABLE TRIGGER studio_assistant_changed")
    try:
        counts.clear()
        assert not counts.enabled()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE assistants_assistant ENABLE TRIGGER studio_assistant_changed"
            )
        counts.clear()
    assert counts.enabled()


def test_a_kept_count_is_trusted_for_max_age_seconds(monkeypatch, make_assistant):
    """What bounds a count kept before the database was restored to an older tally."""
    make_assistant(metadata=TEAM)
    make_assistant(metadata=TEAM)
    assert assistant_count(metadata=TEAM) == 2
    with CaptureQueriesContext(connection) as queries:
        assert assistant_count(metadata=TEAM) == 2
    assert not _counted(queries)

    monkeypatch.setattr(counts, "MAX_AGE", -1)
    with CaptureQueriesContext(connection) as queries:
        assert assistant_count(metadata=TEAM) == 2
    assert _counted(queries)


# -- search pages, kept the same way --------------------------------------------------------------


@pytest.fixture
def search(api, settings):
    """``search(**body)``: the fast path's answer (status, body, total) and its statements."""
    settings.STUDIO_API_FAST_READS = True
    api.post("/assistants/count", {})  # records the key's use now, so searches take the fast path

    def post(**body) -> tuple[tuple[int, bytes, str | None, dict[str, str]], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/assistants/search", {"limit": 2, "metadata": TEAM, **body})
        headers = dict(response.headers)
        answer = (
            response.status_code,
            response.content,
            headers.get("X-Pagination-Total"),
            headers,
        )
        return answer, [query["sql"] for query in queries.captured_queries]

    return post


def _from_kept_page(statements: list[str]) -> bool:
    """Answered by the key-and-tally statement alone (no page read, no count)."""
    return len(statements) == 1 and '"assistants_assistant"' not in statements[0]


def _names(answer: tuple[int, bytes, str | None, dict[str, str]]) -> list[str]:
    return [row["name"] for row in json.loads(answer[1])]


def test_a_search_page_is_kept_until_an_assistant_changes(search, api, make_assistant):
    ids = [str(make_assistant(metadata=TEAM, name=f"a{i}").pk) for i in range(3)]
    first, statements = search()
    assert first[0] == 200 and first[2] == "3"
    assert not _from_kept_page(statements)

    again, statements = search()
    assert again == first  # status, body and every header
    assert first[3]["X-Pagination-Next"] == "2"
    assert _from_kept_page(statements)

    assert api.patch(f"/assistants/{ids[-1]}", {"name": "renamed"}).status_code == 200
    after, statements = search()
    assert not _from_kept_page(statements)
    assert _names(after) == ["renamed", "a1"]
    assert api.delete(f"/assistants/{ids[-1]}").status_code == 204
    answer, statements = search()
    assert not _from_kept_page(statements)
    assert (_names(answer), answer[2]) == (["a1", "a0"], "2")


def test_a_page_kept_under_an_older_tally_costs_no_extra_statement(search, make_assistant):
    make_assistant(metadata=TEAM, name="kept")
    search()
    make_assistant(metadata={"team": "other"})  # moves the tally
    search(metadata={"team": "other"})  # this process reads the new tally

    answer, statements = search()

    assert _names(answer) == ["kept"]
    assert len(statements) == 1 and '"assistants_assistant"' in statements[0]  # the page, at once
    assert _from_kept_page(search()[1])


def test_a_kept_page_follows_changes_made_outside_the_api(search, make_assistant):
    make_assistant(metadata=TEAM, name="before")
    assert _names(search()[0]) == ["before"]
    assert _from_kept_page(search()[1])

    with connection.cursor() as cursor:
        cursor.execute("UPDATE assistants_assistant SET name = 'after'")
    answer, statements = search()

    assert _names(answer) == ["after"]
    assert not _from_kept_page(statements)


def test_a_kept_page_is_not_served_to_a_revoked_key(search, api, keys, make_assistant):
    make_assistant(metadata=TEAM)
    search()
    assert _from_kept_page(search()[1])

    ApiKey.objects.filter(digest=ApiKey.digest_for(keys.write)).update(revoked_at=timezone.now())

    assert search()[0][0] == 401


def test_a_key_whose_use_is_due_to_be_recorded_goes_to_the_view(search, keys, make_assistant):
    make_assistant(metadata=TEAM)
    first = search()[0]
    assert _from_kept_page(search()[1])
    digest = ApiKey.digest_for(keys.write)
    long_ago = timezone.now() - timedelta(days=1)
    ApiKey.objects.filter(digest=digest).update(last_used_at=long_ago)

    answer, statements = search()

    assert answer[:3] == first[:3]
    assert not _from_kept_page(statements)  # the view answered, and recorded the use
    assert ApiKey.objects.get(digest=digest).last_used_at > long_ago


def test_each_page_and_select_is_kept_apart(search, make_assistant):
    for i in range(3):
        make_assistant(metadata=TEAM, name=f"a{i}")
    whole = search()[0]
    names_only = search(select=["name"])[0]
    second = search(offset=2)[0]

    assert json.loads(names_only[1]) == [{"name": "a2"}, {"name": "a1"}]
    assert _names(second) == ["a0"]
    assert (search()[0], search(select=["name"])[0], search(offset=2)[0]) == (
        whole,
        names_only,
        second,
    )


def test_pages_kept_are_bounded(search, monkeypatch, make_assistant):
    for _ in range(3):
        make_assistant(metadata=TEAM)
    monkeypatch.setattr(counts.pages, "max_entries", 2)
    for offset in (0, 1, 2):
        search(offset=offset)
    assert _from_kept_page(search(offset=2)[1])
    assert not _from_kept_page(search(offset=0)[1])  # the oldest: dropped

    monkeypatch.setattr(counts.pages, "max_size", 10)  # bytes: a page of one assistant is more
    counts.pages.clear()
    search()
    assert not _from_kept_page(search()[1])
    assert len(counts.pages) == 0


def test_a_kept_page_is_trusted_for_max_age_seconds(search, monkeypatch, make_assistant):
    make_assistant(metadata=TEAM)
    search()
    assert _from_kept_page(search()[1])

    monkeypatch.setattr(counts, "MAX_AGE", -1)

    assert not _from_kept_page(search()[1])


def test_nothing_kept_survives_missing_triggers(search, monkeypatch, make_assistant):
    """Changes made while the triggers are gone do not move the tally: drop what was kept."""
    make_assistant(metadata=TEAM)
    search()
    assert len(counts.pages) == 1
    monkeypatch.setitem(counts.TRIGGER_CHECKS, connection.vendor, ("SELECT 0", 1))
    monkeypatch.setattr(counts, "_triggers_checked", {})

    search()

    assert len(counts.pages) == 0
    assert len(counts.totals) == 0


def test_pages_are_not_kept_inside_a_transaction(search, make_assistant):
    make_assistant(metadata=TEAM)
    with transaction.atomic():
        search()
        assert not _from_kept_page(search()[1])
    assert len(counts.pages) == 0
