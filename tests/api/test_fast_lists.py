"""Search and version lists answered by the fast path are the views' answers, byte for byte.

The fast path (assistants/api/fastpath/) answers a plain body in one statement; every other
body, key or path must reach the view and get its usual answer. Each case is sent twice, with
``STUDIO_API_FAST_READS`` on and off, and the two answers compared; a spy on the fast path says
which bodies it answered itself, so a case cannot pass by always falling through.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from assistants.api.fastpath import reads, statements
from assistants.models import Assistant
from tests.api.conftest import stopped_both_ways

pytestmark = pytest.mark.django_db

ID = "5eed5eed-0000-4000-8000-00000000000a"
HIDDEN = "5eed5eed-0000-4000-8000-00000000000b"


@pytest.fixture
def world(api, make_assistant):
    """Assistants that differ in every field search sorts or filters on; one of a lost graph."""
    api.get("/assistants/tiny")  # creates the default assistants and records the key's use
    names = ["beta", "Alpha", "gamma ✍️", "alpha", "Δelta", "éclair"]
    for index, name in enumerate(names):
        make_assistant(
            "factory" if index % 3 == 0 else "tiny",
            assistant_id=uuid.UUID(int=index + 1),
            name=name,
            metadata={"team": "a" if index % 2 else "b", "i": index, "on": index < 3, "n": None},
            description=None if index % 2 else f"about {name}",
        )
    # Same creation time for two rows: the id breaks the tie, in the sort's direction.
    stamp = timezone.now() - timedelta(days=1)
    Assistant.objects.filter(pk__in=[uuid.UUID(int=1), uuid.UUID(int=2)]).update(
        created_at=stamp, updated_at=stamp
    )
    main = make_assistant(assistant_id=ID, name="versioned", metadata={"team": "a"})
    for index in range(4):
        api.patch(f"/assistants/{ID}", {"metadata": {"step": index, "even": index % 2 == 0}})
    make_assistant(assistant_id=HIDDEN, name="hidden", metadata={"team": "a"})
    Assistant.objects.filter(pk=HIDDEN).update(graph_id="gone")  # no longer served
    return main


@pytest.fixture
def spy(monkeypatch):
    """Which fast answers were given: a list of the paths the fast path answered itself."""
    answered: list[str] = []
    for name in ("search", "versions"):
        real = getattr(reads, name)

        def wrapper(request, *args, _real=real, **kwargs):
            response = _real(request, *args, **kwargs)
            if response is not None:
                answered.append(request.path)
            return response

        monkeypatch.setattr(reads, name, wrapper)
    return answered


def _post(client, settings, fast: bool, path: str, body, **extra):
    settings.STUDIO_API_FAST_READS = fast
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra.setdefault("content_type", "application/json")
    response = client.generic("POST", path, raw, **extra)
    headers = sorted(response.items())  # every header (the test client sets no Date)
    cookies = sorted((name, bool(morsel.value)) for name, morsel in response.cookies.items())
    return response.status_code, response.content, headers, cookies


def _both(client, settings, spy, path, body, **extra):
    """The fast answer and the view's; and whether the fast path answered it itself."""
    spy.clear()
    fast = _post(client, settings, True, path, body, **extra)
    answered = bool(spy)
    view = _post(client, settings, False, path, body, **extra)
    assert len(spy) == answered, "the fast path answered with STUDIO_API_FAST_READS off"
    return fast, view, answered


PLAIN_SEARCHES = [
    {},
    {"limit": 2},
    {"limit": 2, "offset": 2},
    {"limit": 3, "offset": 100},  # past the end: the count still runs
    {"metadata": {"team": "a"}},
    {"metadata": {"team": "a", "on": True}},
    {"metadata": {"i": 4}},
    {"metadata": {"n": None}},
    {"metadata": {"team": "zzz"}},
    {"metadata": {"i": -5}},
    {"metadata": {}},
    {"metadata": None, "graph_id": None, "name": None, "select": None},
    {"graph_id": "factory"},
    {"graph_id": "tiny", "metadata": {"team": "b"}, "limit": 1},
    {"select": ["name", "assistant_id", "name"]},
    {"select": ["metadata"], "sort_by": "name"},
    {"select": []},
    *(
        {"sort_by": field, "sort_order": order}
        for field in ("assistant_id", "graph_id", "name", "created_at", "updated_at")
        for order in ("asc", "desc")
    ),  # fmt: skip
    {"sort_by": None, "sort_order": None, "limit": 1000, "offset": 0},
    {"metadata": {"team": "a"}, "limit": 1, "offset": 1},  # X-Pagination-Next
]


@pytest.mark.parametrize("body", PLAIN_SEARCHES, ids=json.dumps)
def test_a_plain_search_is_answered_fast_with_the_views_answer(world, api, settings, spy, body):
    fast, view, answered = _both(api, settings, spy, "/assistants/search", body)

    assert fast == view
    assert fast[0] == 200
    assert answered
    assert HIDDEN not in fast[1].decode()


OTHER_SEARCHES = [
    ({"name": "alpha"}, 200),  # substring match: the view's
    ({"name": ""}, 200),
    ({"metadata": {"nested": {"a": 1}}}, 200),
    ({"metadata": {"list": [1]}}, 200),
    ({"metadata": {"f": 1.5}}, 200),
    ({"metadata": {"big": 2**70}}, 200),
    ({"metadata": {"nul": "a\u0000b"}}, 422),
    ({"metadata": {f"k{i}": i for i in range(40)}}, 200),
    ({"metadata": "team"}, 422),
    ({"metadata": []}, 422),
    ({"graph_id": "nope"}, 404),
    ({"graph_id": ""}, 404),
    ({"limit": None}, 422),
    ({"graph_id": 5}, 422),
    ({"graph_id": [1]}, 422),
    ({"graph_id": ["writer"]}, 422),
    ({"graph_id": {"a": 1}}, 422),
    ({"limit": 0}, 422),
    ({"limit": 1001}, 422),
    ({"limit": "10"}, 422),
    ({"limit": True}, 422),
    ({"limit": 2.0}, 200),
    ({"offset": -1}, 422),
    ({"sort_by": "version"}, 422),
    ({"sort_order": "DESC"}, 200),
    ({"sort_order": "sideways"}, 422),
    ({"select": ["nope"]}, 422),
    ({"select": "name"}, 422),
    ({"unknown": 1}, 422),
    ([], 422),
    ("text", 422),
    (None, 422),
    (b'{"limit": 2,}', 422),
    (b'{"limit": NaN}', 422),
    (b'{"metadata": {"x": "\\ud800"}}', 422),
    (b"", 200),  # no body: a search of everything, by the view
]


@pytest.mark.parametrize(("body", "status"), OTHER_SEARCHES, ids=repr)
def test_other_search_bodies_get_the_views_answer(world, api, settings, spy, body, status):
    fast, view, answered = _both(api, settings, spy, "/assistants/search", body)

    assert fast == view
    assert fast[0] == status
    assert not answered


@pytest.mark.parametrize(
    "extra",
    [
        {"content_type": "text/plain"},
        {"content_type": "application/json; charset=latin-1"},
        {"QUERY_STRING": "limit=1"},
        {"HTTP_COOKIE": "sessionid=x"},
    ],
    ids=repr,
)
def test_requests_a_skipped_layer_would_treat_differently_get_the_views_answer(
    world, api, settings, spy, extra
):
    fast, view, answered = _both(api, settings, spy, "/assistants/search", {"limit": 1}, **extra)

    assert fast == view
    assert not answered


def test_a_json_content_type_with_utf8_charset_is_plain(world, api, settings, spy):
    fast, view, answered = _both(
        api, settings, spy, "/assistants/search", {"limit": 2},
        content_type="application/json; charset=utf-8",
    )  # fmt: skip

    assert fast == view
    assert answered


@pytest.mark.parametrize(("key", "status"), [("revoked", 401), ("unknown", 401), ("read", 200)])
def test_keys_are_judged_as_the_view_judges_them(
    world, api_client_for, keys, settings, spy, key, status
):
    client = api_client_for(getattr(keys, key))
    client.get("/assistants/tiny")  # records the key's use, so the next read may be fast

    for path in ("/assistants/search", f"/assistants/{ID}/versions"):
        fast, view, answered = _both(client, settings, spy, path, {"limit": 2})

        assert fast == view
        assert (fast[0], answered) == (status, status == 200)


@pytest.mark.parametrize("path", ["/assistants/search", f"/assistants/{ID}/versions"])
def test_a_key_whose_use_is_due_to_be_recorded_goes_to_the_view(
    world, api, keys, settings, spy, path
):
    from assistants.models import ApiKey

    stale = timezone.now() - timedelta(hours=1)
    ApiKey.objects.filter(digest=ApiKey.digest_for(keys.write)).update(last_used_at=stale)

    fast = _post(api, settings, True, path, {"limit": 1})

    assert (fast[0], spy) == (200, [])
    key = ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))
    assert key.last_used_at > stale


# -- versions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"limit": 2},
        {"limit": 2, "offset": 3},
        {"metadata": {"step": 2}},
        {"metadata": {"even": True}, "limit": 1},
        {"metadata": None},
    ],
    ids=json.dumps,
)
def test_a_plain_version_list_is_answered_fast_with_the_views_answer(
    world, api, settings, spy, body
):
    path = f"/assistants/{ID}/versions"
    fast, view, answered = _both(api, settings, spy, path, body)

    assert fast == view
    assert fast[0] == 200
    assert answered
    assert dict(fast[2])["ETag"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (f"/assistants/{ID}/versions", {"metadata": {"step": 99}}, 200),  # [] from the view
        (f"/assistants/{ID}/versions", {"offset": 50}, 200),
        (f"/assistants/{uuid.uuid4()}/versions", {}, 404),
        (f"/assistants/{HIDDEN}/versions", {}, 404),  # graph no longer served
        (f"/assistants/{ID.replace('-', '')}/versions", {"limit": 1}, 200),
        ("/assistants/tiny/versions", {}, 200),  # a graph id: its default assistant
        ("/assistants/not-a-uuid/versions", {}, 422),
        (f"/assistants/{ID}/versions", {"limit": None}, 422),
        (f"/assistants/{ID}/versions", {"limit": 0}, 422),
        (f"/assistants/{ID}/versions", {"metadata": {"a": [1]}}, 200),
        (f"/assistants/{ID}/versions", {"sort_by": "name"}, 422),
    ],
)
def test_other_version_lists_get_the_views_answer(world, api, settings, spy, path, body, status):
    fast, view, answered = _both(api, settings, spy, path, body)

    assert fast == view
    assert fast[0] == status
    assert answered == (path == f"/assistants/{ID.replace('-', '')}/versions")


def test_a_current_etag_gets_the_same_304_either_way(world, api, settings, spy):
    path = f"/assistants/{ID}/versions"
    etag = api.post(path, {"limit": 3})["ETag"]

    fast, view, answered = _both(api, settings, spy, path, {"limit": 3}, HTTP_IF_NONE_MATCH=etag)

    assert fast == view
    assert (fast[0], fast[1], answered) == (304, b"", True)


def test_a_patch_is_seen_by_the_next_list_at_once(world, api, settings, spy):
    before = api.post(f"/assistants/{ID}/versions", {"limit": 1}).json()
    api.patch(f"/assistants/{ID}", {"metadata": {"team": "c"}})

    after = api.post(f"/assistants/{ID}/versions", {"limit": 1}).json()
    found = api.post("/assistants/search", {"metadata": {"team": "c"}}).json()

    assert after[0]["version"] == before[0]["version"] + 1
    assert [a["assistant_id"] for a in found] == [ID]
    assert len(spy) == 3


def test_an_empty_accept_header_gets_the_views_406(world, keys, settings, spy):
    client = Client(HTTP_X_API_KEY=keys.write)  # 406 is not in the OpenAPI document

    for path in ("/assistants/search", f"/assistants/{ID}/versions"):
        fast, view, answered = _both(client, settings, spy, path, {"limit": 1}, HTTP_ACCEPT="")

        assert fast == view
        assert (fast[0], answered) == (406, False)


@pytest.mark.django_db(transaction=True)  # as served: autocommit, no test transaction
@pytest.mark.parametrize("path", ["/assistants/search", f"/assistants/{ID}/versions"])
def test_a_statement_past_the_time_limit_gets_the_views_503_at_once(
    world, api, settings, spy, monkeypatch, path
):
    """Not run again by the view: the client waits out the limit once."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep is a PostgreSQL function")
    from assistants.api import selectors

    settings.STUDIO_QUERY_TIMEOUT_MS = 200
    sleep = "pg_sleep(0.5) IS NOT NULL AND "
    real_sql = statements.metadata_contains_sql
    monkeypatch.setattr(
        statements, "metadata_contains_sql", lambda column: sleep + real_sql(column)
    )
    real_contains = selectors.metadata_contains

    view_queries: list[str] = []

    def slow_view_filter(queryset, value):
        view_queries.append(path)
        return real_contains(queryset, value).extra(where=["pg_sleep(0.5) IS NOT NULL"])

    monkeypatch.setattr(selectors, "metadata_contains", slow_view_filter)
    after_fast: list[str] = []

    def send(fast: bool):
        answer = _post(api, settings, fast, path, {"metadata": {"team": "a"}})
        if fast:
            after_fast.extend(view_queries)
        return answer

    stopped_both_ways(send, 200)

    assert (after_fast, view_queries) == ([], [path])  # the view's query ran for the view only
