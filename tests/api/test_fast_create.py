"""``POST /assistants`` answered by the fast path is the view's answer, and only its plain success.

The fast create (assistants/api/fastpath/writes.py) takes a key this process has read, validates
with the view's serializer and writes with the view's service. Every other case must reach the view
and get its usual answer. Each case is sent twice, with ``STUDIO_API_FAST_CREATE`` on and off, and
the two answers compared (the new assistant's id and timestamps aside); a spy on the fast path
says which requests it answered itself, so a case cannot pass by always falling through.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assistants.api import auth
from assistants.api.fastpath import writes
from assistants.api.views import AssistantViewSet
from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry, Publication
from tests.api.conftest import stopped_both_ways

pytestmark = pytest.mark.django_db

INTERNAL = {"detail": "Internal Server Error"}
REVOKED = {"detail": "This API key has been revoked."}
TAKEN = "5eed5eed-0000-4000-8000-0000000000c1"
RICH = {
    "graph_id": "tiny",
    "name": "Blog writer ✍️ \u202eevil",
    "description": "Writes\nposts",
    "metadata": {"team": "a", "big": 2**70, "nested": {"list": [1, 2.5, None, True, "ü 🙂"]}},
    "config": {"tags": ["x"], "recursion_limit": 30},
    "context": {"style": "tweet", "temperature": 0.25},
}


@pytest.fixture
def spy(monkeypatch) -> list[Any]:
    """The creates the fast path answered itself."""
    answered: list[Any] = []
    real = writes.create

    def wrapper(body, digest):
        response = real(body, digest)
        if response is not None:
            answered.append(body)
        return response

    monkeypatch.setattr(writes, "create", wrapper)
    return answered


@pytest.fixture
def write_key(keys) -> ApiKey:
    return ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))


@pytest.fixture
def warm(api, make_assistant):
    """A client whose key this process has read (a first create), and an assistant to collide with."""
    make_assistant(assistant_id=TAKEN, name="taken")
    assert api.post("/assistants", {"graph_id": "tiny"}).status_code == 200
    return api


def _post(client, settings, fast: bool, body, path: str = "/assistants", **extra):
    settings.STUDIO_API_FAST_CREATE = fast
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra.setdefault("content_type", "application/json")
    response = client.generic("POST", path, raw, **extra)
    headers = dict(response.items())  # every header (the test client sets no Date)
    assert int(headers.pop("Content-Length")) == len(response.content)
    content: Any = response.content
    if response.status_code == 200 and content.startswith(b"{"):
        content = json.loads(content)
        if content["assistant_id"] != TAKEN:  # new: its id and timestamps are its own
            content.update(assistant_id="new", created_at="now", updated_at="now")
    return response.status_code, content, sorted(headers.items())


def _both(client, settings, spy, body, **extra):
    """The fast answer, the view's, and whether the fast path answered the first itself."""
    spy.clear()
    fast = _post(client, settings, True, body, **extra)
    answered = bool(spy)
    view = _post(client, settings, False, body, **extra)
    assert len(spy) == answered, "the fast path answered with STUDIO_API_FAST_CREATE off"
    return fast, view, answered


def _written() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Assistant, AssistantVersion, Publication, AuditEntry)
    )


@pytest.mark.parametrize(
    "body",
    [
        {"graph_id": "tiny"},
        RICH,
        {"graph_id": "factory", "config": {"configurable": {"model_name": "openai"}}},
        {"graph_id": "tiny", "assistant_id": None, "name": None, "if_exists": "do_nothing"},
    ],
    ids=["bare", "rich", "configurable", "nulls"],
)
def test_a_create_is_the_views_create(warm, write_key, settings, spy, body):
    before = _written()

    fast, view, answered = _both(warm, settings, spy, body)

    assert fast == view
    assert (fast[0], answered) == (200, True)
    assert _written() == tuple(count + 2 for count in before)
    # the same rows either way, apart from the id and the time
    made = Assistant.objects.order_by("-created_at")[:2]
    fields = ("graph_id", "name", "description", "metadata", "config", "context", "version")
    assert [[getattr(a, f) for f in fields] for a in made][0] == [
        getattr(made[1], f) for f in fields
    ]
    for assistant in made:
        entry = AuditEntry.objects.get(assistant_id=assistant.pk)
        assert (entry.action, entry.actor_api_key_id) == ("assistant.created", write_key.pk)


def test_it_is_one_write_that_proves_the_key(warm, spy, statements_of):
    statements = statements_of(lambda: warm.post("/assistants", RICH))

    assert len(spy) == 1
    if connection.vendor == "postgresql":
        assert statements == ["WITH"]
    else:
        assert statements[0] == "SELECT"  # the key's condition, in the insert's transaction
        assert statements[1:] == ["INSERT"] * 4


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"graph_id": "tiny", "context": {"style": "novel"}}, 422),
        ({"graph_id": "tiny", "config": {"configurable": {"style": "novel"}}}, 422),
        ({"graph_id": "no-such-graph"}, 404),
        ({"graph_id": "broken"}, 424),
        ({"graph_id": "tiny", "if_exists": "sometimes"}, 422),
        ({"graph_id": "tiny", "colour": "red"}, 422),
        ({"graph_id": "tiny", "context": {"style": "blog"}, "config": {"configurable": {"style": "blog"}}}, 400),
        ({"graph_id": None}, 422),
        ({"graph_id": "tiny", "name": "x" * 256}, 422),
        ({"graph_id": "tiny", "name": "nul\u0000"}, 422),
        ({"graph_id": "tiny", "assistant_id": "not-a-uuid"}, 422),
        ({"graph_id": "tiny", "assistant_id": TAKEN}, 409),
        ({"graph_id": "tiny", "assistant_id": TAKEN, "if_exists": "do_nothing"}, 200),
        ([{"graph_id": "tiny"}], 422),
        (b'{"graph_id": "tiny", "name": "\\ud800"}', 422),  # a lone surrogate
        (b'{"graph_id": "tiny", "metadata": ' + b'{"a": ' * 80 + b"1" + b"}" * 81, 422),
        (b'{"graph_id": "tiny", "metadata": NaN}', 422),
        (b'{"graph_id": "tiny"', 422),
        (b"\xff\xfe", 422),
    ],
    ids=[
        "bad-context", "bad-configurable", "unknown-graph", "broken-graph", "bad-if-exists",
        "unknown-field", "config-and-context", "null-graph", "long-name", "nul", "bad-id",
        "taken", "taken-do-nothing", "a-list", "surrogate", "too-deep", "nan", "cut-short",
        "not-utf8",
    ],
)  # fmt: skip
def test_every_other_body_gets_the_views_answer(warm, settings, spy, body, status):
    before = _written()

    fast, view, answered = _both(warm, settings, spy, body)

    assert fast == view
    assert (fast[0], answered) == (status, False)
    assert _written() == before


@pytest.mark.parametrize(
    "extra",
    [
        {"path": "/assistants?x=1"},
        {"path": "/assistants/"},
        {"HTTP_COOKIE": "sessionid=nothing"},
        {"content_type": "text/plain"},
        {"content_type": "application/json; charset=latin-1"},
    ],
    ids=["query-string", "trailing-slash", "cookie", "text-plain", "latin-1"],
)
def test_other_requests_get_the_views_answer(warm, settings, spy, extra):
    fast, view, answered = _both(warm, settings, spy, {"graph_id": "tiny"}, **extra)

    assert fast == view
    assert not answered


def test_an_accept_json_does_not_satisfy_gets_the_views_406(warm, keys, settings, spy):
    client = Client(HTTP_X_API_KEY=keys.write)  # 406 is not in the OpenAPI document

    fast, view, answered = _both(
        client, settings, spy, {"graph_id": "tiny"}, HTTP_ACCEPT="text/html"
    )

    assert fast == view
    assert (fast[0], answered) == (406, False)


def test_a_key_this_process_has_not_read_is_read_by_the_view_then_fast(api, spy, statements_of):
    first = statements_of(lambda: api.post("/assistants", {"graph_id": "tiny"}))
    assert (len(spy), first[0]) == (0, "SELECT")  # the view read the key

    statements_of(lambda: api.post("/assistants", {"graph_id": "tiny"}))
    assert len(spy) == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"revoked_at": timezone.now()}, 401),
        ({"scope": ApiKey.SCOPE_READ}, 403),
        ({"name": "renamed"}, 200),
    ],
    ids=["revoked", "read-only", "renamed"],
)
def test_a_key_changed_since_it_was_read_gets_the_views_answer(
    warm, write_key, spy, change, status
):
    ApiKey.objects.filter(pk=write_key.pk).update(**change)  # behind the process's back
    before = _written()

    with CaptureQueriesContext(connection) as queries:
        response = warm.post("/assistants", {"graph_id": "tiny"})

    assert (response.status_code, spy) == (status, [])
    if connection.vendor == "postgresql":  # the write that failed, then the view reads the key
        words = [q["sql"].split()[0] for q in queries.captured_queries]
        savepoints = ("SAVEPOINT", "RELEASE", "ROLLBACK")  # the test transaction's
        assert [w for w in words if w not in savepoints][:2] == ["WITH", "SELECT"]
    if status == 200:
        label = AuditEntry.objects.get(assistant_id=response.json()["assistant_id"]).actor
        assert label.startswith("api-key:renamed ")
        assert _written() == tuple(count + 1 for count in before)
    else:
        assert _written() == before


def test_keys_the_view_refuses_are_refused(api_client_for, keys, settings, spy):
    for raw, status in ((keys.read, 403), (keys.revoked, 401), (keys.unknown, 401)):
        client = api_client_for(raw)
        client.get("/assistants/tiny")  # a read-only key is read and remembered

        fast, view, answered = _both(client, settings, spy, {"graph_id": "tiny"})

        assert fast == view
        assert (fast[0], answered) == (status, False)


def test_a_key_whose_use_is_due_is_recorded_by_the_view(warm, write_key, spy, monkeypatch):
    ApiKey.objects.filter(pk=write_key.pk).update(last_used_at=timezone.now() - timedelta(hours=1))
    monkeypatch.setattr(auth, "TOUCH_INTERVAL_SECONDS", -1)  # every use is due

    assert warm.post("/assistants", {"graph_id": "tiny"}).status_code == 200

    assert spy == []
    used = ApiKey.objects.get(pk=write_key.pk).last_used_at
    assert used is not None and used > timezone.now() - timedelta(minutes=1)


def test_a_large_body_is_answered_fast_up_to_the_apis_limit(warm, settings, spy):
    prompt = "Write well. " * 20_000  # 240 kB: a long prompt in the metadata
    body = {"graph_id": "tiny", "metadata": {"prompt": prompt}}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 300_000

    fast, view, answered = _both(warm, settings, spy, body)
    assert fast == view
    assert (fast[0], answered) == (200, True)

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    fast, view, answered = _both(warm, settings, spy, body)
    assert fast == view
    assert (fast[0], answered) == (413, False)


@pytest.mark.django_db(transaction=True)  # as served: autocommit, no test transaction
def test_a_create_past_the_time_limit_gets_the_views_503_at_once(warm, settings, spy, monkeypatch):
    """Not run again by the view: the client waits out the limit once."""
    if connection.vendor != "postgresql":
        pytest.skip("a table lock held by another connection: PostgreSQL")
    import psycopg

    views: list[str] = []
    real_view = AssistantViewSet.create

    def view_create(self, request):
        views.append(request.path)
        return real_view(self, request)

    monkeypatch.setattr(AssistantViewSet, "create", view_create)
    settings.STUDIO_QUERY_TIMEOUT_MS = 200
    before = _written()
    after_fast: list[str] = []

    def send(fast: bool):
        answer = _post(warm, settings, fast, {"graph_id": "tiny"})
        if fast:
            after_fast.extend(views)
        return answer

    with psycopg.connect(**connection.get_connection_params()) as other, other.transaction():
        other.execute(f"LOCK TABLE {Assistant._meta.db_table} IN EXCLUSIVE MODE")
        stopped_both_ways(send, 200)

    assert (after_fast, views) == ([], ["/assistants"])  # the view ran for the view only
    assert _written() == before


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_since_gets_its_401_not_the_503(warm, write_key, settings, spy):
    """As the view reads the key before answering an error, so does the fast path."""
    if connection.vendor != "postgresql":
        pytest.skip("a table lock held by another connection: PostgreSQL")
    import psycopg

    settings.STUDIO_QUERY_TIMEOUT_MS = 200
    ApiKey.objects.filter(pk=write_key.pk).update(revoked_at=timezone.now())
    try:
        with psycopg.connect(**connection.get_connection_params()) as other, other.transaction():
            other.execute(f"LOCK TABLE {Assistant._meta.db_table} IN EXCLUSIVE MODE")
            response = warm.post("/assistants", {"graph_id": "tiny"})
    finally:
        Client().get("/accounts/login/")  # a page request takes the limit off the connection

    assert (response.status_code, response.json()) == (401, REVOKED)
    assert spy == []


def test_a_utf8_charset_and_fast_reads_off_still_answer_fast(warm, settings, spy):
    settings.STUDIO_API_FAST_READS = False  # the reads' switch, not the create's
    body = {"graph_id": "tiny", "name": "café"}

    fast, view, answered = _both(
        warm, settings, spy, body, content_type="application/json; charset=utf-8"
    )

    assert fast == view
    assert (fast[0], answered) == (200, True)


def test_a_fast_create_is_read_at_once(warm, spy):
    made = warm.post("/assistants", RICH).json()

    read = warm.get(f"/assistants/{made['assistant_id']}")

    assert len(spy) == 1
    assert read.json() == made


@pytest.fixture
def failing_after_the_write():
    """A ``post_save`` receiver of publications that fails: the rows are written (committed, on
    PostgreSQL), then the request fails."""
    from django.db.models.signals import post_save

    failures: list[Exception] = []

    def fail(sender, **kwargs):
        raise failures[0]

    post_save.connect(fail, sender=Publication, dispatch_uid="test-fail-after-write")
    yield failures
    post_save.disconnect(sender=Publication, dispatch_uid="test-fail-after-write")


@pytest.mark.django_db(transaction=True)  # as served: no test transaction, so no savepoint
@pytest.mark.parametrize("error", [RuntimeError("boom"), DatabaseError("boom")])
def test_an_error_after_the_write_is_the_apis_500_and_nothing_is_written_twice(
    warm, keys, settings, spy, failing_after_the_write, error
):
    failing_after_the_write.append(error)
    client = Client(HTTP_X_API_KEY=keys.write, raise_request_exception=False)  # a 500: not in the
    # OpenAPI document
    written = []
    for fast in (True, False):
        settings.STUDIO_API_FAST_CREATE = fast
        before = Assistant.objects.count()
        response = client.post("/assistants", {"graph_id": "tiny"}, content_type="application/json")
        written.append(Assistant.objects.count() - before)
        assert (response.status_code, response.json()) == (500, INTERNAL)

    # PostgreSQL: the rows were committed by their one statement; SQLite: rolled back with them
    assert written == ([1, 1] if connection.vendor == "postgresql" else [0, 0])
    assert spy == []


def test_a_database_error_of_the_write_is_not_written_again_by_the_view(
    warm, keys, settings, spy, monkeypatch
):
    """A lock waited out (SQLite's busy timeout) is not waited out a second time by the view."""
    from assistants.services import rows

    views: list[str] = []
    real_view = AssistantViewSet.create

    def view_create(self, request):
        views.append(request.path)
        return real_view(self, request)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(AssistantViewSet, "create", view_create)
    monkeypatch.setattr(rows, "insert_rows", locked)
    client = Client(HTTP_X_API_KEY=keys.write, raise_request_exception=False)

    response = client.post("/assistants", {"graph_id": "tiny"}, content_type="application/json")

    assert (response.status_code, response.json()) == (500, INTERNAL)
    assert views == []
