"""``GET /assistants/{uuid}`` answered by the fast path is the view's answer, byte for byte.

The fast path (assistants/api/fastpath/) answers only plain successes; every other case must
reach the view and get its usual error or bookkeeping. Each test compares or checks against the
view (``STUDIO_API_FAST_READS=False``) rather than restating what the view sends.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, Assistant
from tests.factories import make_key

pytestmark = pytest.mark.django_db

ID = "5eed5eed-0000-4000-8000-000000000001"


@pytest.fixture
def warm(api):
    """The first request creates the default assistants and records the key's use."""
    api.get("/assistants/tiny")
    return api


@pytest.fixture
def rich(make_assistant):
    return make_assistant(
        assistant_id=ID,
        name="Blog writer ✍️ \u202eevil",
        description="Writes\nposts",
        metadata={"team": "a", "big": 2**70, "nested": {"list": [1, 2.5, None, True, "ü 🙂"]}},
        config={"tags": ["x"], "recursion_limit": 30},
        context={"style": "tweet"},
    )


def _answer(client, settings, fast: bool, path: str = f"/assistants/{ID}", **extra):
    settings.STUDIO_API_FAST_READS = fast
    response = client.get(path, **extra)
    headers = sorted(response.items())  # every header (the test client sets no Date)
    # Cookies set or deleted (a new CSRF token is random: its name is compared, not its value).
    cookies = sorted((name, bool(morsel.value)) for name, morsel in response.cookies.items())
    return response.status_code, response.content, headers, cookies


def test_the_fast_answer_is_the_views_answer(warm, rich, settings):
    fast = _answer(warm, settings, True)
    view = _answer(warm, settings, False)

    assert fast == view
    assert fast[0] == 200
    assert warm.get(f"/assistants/{ID}").json()["metadata"]["big"] == 2**70


def test_a_current_etag_gets_the_same_304_either_way(warm, rich, settings):
    etag = warm.get(f"/assistants/{ID}")["ETag"]

    fast = _answer(warm, settings, True, HTTP_IF_NONE_MATCH=etag)
    view = _answer(warm, settings, False, HTTP_IF_NONE_MATCH=etag)

    assert fast == view
    assert (fast[0], fast[1]) == (304, b"")


def test_it_answers_in_one_query_and_sees_a_patch_at_once(warm, rich, django_assert_num_queries):
    with django_assert_num_queries(1):
        before = warm.get(f"/assistants/{ID}")
    warm.patch(f"/assistants/{ID}", {"metadata": {"team": "b"}})

    with django_assert_num_queries(1):
        after = warm.get(f"/assistants/{ID}", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert (after.json()["metadata"]["team"], after.json()["version"]) == ("b", 2)


@pytest.mark.parametrize(
    ("key", "status"), [("revoked", 401), ("unknown", 401), ("read", 200), ("write", 200)]
)
def test_keys_are_judged_as_the_view_judges_them(api_client_for, keys, rich, settings, key, status):
    client = api_client_for(getattr(keys, key))
    client.get("/assistants/tiny")  # records the key's use, so the next read may be fast

    fast = _answer(client, settings, True)
    view = _answer(client, settings, False)

    assert fast == view
    assert fast[0] == status


@pytest.mark.parametrize(
    "path",
    [
        "/assistants/tiny",  # a graph id: its default assistant
        f"/assistants/{uuid.uuid4()}",  # unknown
        f"/assistants/{ID.replace('-', '')}",  # the same id without dashes
        f"/assistants/{ID.upper()}",
        f"/assistants/{ID}?x=1",  # a query string: the view decides
        "/assistants/not-a-uuid",
        f"/assistants/{ID}/",
    ],
)
def test_other_paths_get_the_views_answer(warm, rich, settings, path):
    assert _answer(warm, settings, True, path) == _answer(warm, settings, False, path)


def test_an_assistant_of_a_graph_no_longer_served_is_a_404(warm, rich, settings):
    Assistant.objects.filter(pk=ID).update(graph_id="gone")

    fast = _answer(warm, settings, True)

    assert fast == _answer(warm, settings, False)
    assert fast[0] == 404


def test_a_session_without_a_key_gets_the_views_answer(client_for, viewer, rich, settings):
    client = client_for(viewer)

    fast = client.get(f"/assistants/{ID}")

    assert fast.status_code == 200
    assert fast.json()["assistant_id"] == ID


def test_a_keys_use_is_still_recorded(api_client_for, rich, django_assert_num_queries):
    raw = make_key("fresh")
    client = api_client_for(raw)
    key = ApiKey.objects.get(digest=ApiKey.digest_for(raw))
    assert key.last_used_at is None

    client.get(f"/assistants/{ID}")  # never used: the view answers and records it
    key.refresh_from_db()
    assert key.last_used_at is not None
    with django_assert_num_queries(1):
        assert client.get(f"/assistants/{ID}").status_code == 200  # recent: fast, no write

    ApiKey.objects.filter(pk=key.pk).update(
        last_used_at=timezone.now() - timezone.timedelta(hours=1)
    )
    client.get(f"/assistants/{ID}")
    key.refresh_from_db()
    assert timezone.now() - key.last_used_at < timezone.timedelta(minutes=1)


def test_a_key_revoked_between_two_reads_is_refused_at_once(api_client_for, rich):
    raw = make_key("soon revoked")
    client = api_client_for(raw)
    assert client.get(f"/assistants/{ID}").status_code == 200
    assert client.get(f"/assistants/{ID}").status_code == 200

    ApiKey.objects.filter(digest=ApiKey.digest_for(raw)).update(revoked_at=timezone.now())

    response = client.get(f"/assistants/{ID}")
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has been revoked."


# -- with the shared cache (Redis) ---------------------------------------------------------------


@pytest.fixture
def shared_cache(settings):
    import redis

    url = os.environ.get("STUDIO_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {url}")
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url},
    }
    settings.STUDIO_API_CACHE = "shared"
    yield client
    client.flushdb()


def test_with_the_shared_cache_a_repeated_read_needs_no_database(
    warm, rich, shared_cache, settings, django_assert_num_queries
):
    view = _answer(warm, settings, False)  # the view reads the database and fills the cache

    with django_assert_num_queries(0):
        fast = _answer(warm, settings, True)

    assert fast == view
    assert fast[0] == 200


def test_with_the_shared_cache_a_change_or_a_revocation_is_seen_at_once(
    api_client_for,
    rich,
    shared_cache,
    settings,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    # Invalidation runs when a write commits; these tests run in a transaction, so commits are
    # simulated by running the on_commit callbacks.
    raw = make_key("cached")
    client = api_client_for(raw)
    client.get(f"/assistants/{ID}")
    client.get(f"/assistants/{ID}")
    with django_assert_num_queries(0):
        assert client.get(f"/assistants/{ID}").json()["version"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/assistants/{ID}", {"metadata": {"team": "b"}})
    after = client.get(f"/assistants/{ID}").json()
    assert (after["version"], after["metadata"]["team"]) == (2, "b")

    key = ApiKey.objects.get(digest=ApiKey.digest_for(raw))
    with django_capture_on_commit_callbacks(execute=True):
        services.api_key_revoke(actor=Actor.system_actor(), keys=[key])
    refused = client.get(f"/assistants/{ID}")
    assert (refused.status_code, refused.json()["detail"]) == (
        401,
        "This API key has been revoked.",
    )


def test_a_host_not_allowed_is_refused_before_any_read(keys, rich, settings):
    client = Client(HTTP_X_API_KEY=keys.write)  # the OpenAPI document lists no 400 for a read
    client.get(f"/assistants/{ID}")

    fast = _answer(client, settings, True, HTTP_HOST="evil.example")

    assert fast == _answer(client, settings, False, HTTP_HOST="evil.example")
    assert (fast[0], fast[1]) == (400, b'{"detail":"Bad Request"}')


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"HTTP_ACCEPT": "application/xml"}, 406),
        ({"HTTP_ACCEPT": "text/html, application/json;q=0.9"}, 200),
        ({"HTTP_ACCEPT": "application/*"}, 200),
        ({"HTTP_ACCEPT": ""}, 406),  # empty: DRF's negotiation refuses it
        ({"CONTENT_LENGTH": "99999999"}, 413),  # a GET with a body past the limit
        ({"HTTP_COOKIE": "csrftoken=bad"}, 200),  # CSRF middleware replaces the cookie
        ({"HTTP_COOKIE": "sessionid=x"}, 200),  # the session middleware deletes it
    ],
)
def test_requests_a_skipped_layer_would_treat_differently_get_the_views_answer(
    api_client_for, keys, rich, settings, extra, status
):
    client = Client(HTTP_X_API_KEY=keys.write)
    client.get(f"/assistants/{ID}")  # records the key's use

    fast = _answer(client, settings, True, **extra)

    assert fast == _answer(client, settings, False, **extra)
    assert fast[0] == status


def test_disallowed_user_agents_are_refused_as_by_the_view(keys, rich, settings):
    import re

    settings.DISALLOWED_USER_AGENTS = [re.compile("BadBot")]
    client = Client(HTTP_X_API_KEY=keys.write)
    client.get(f"/assistants/{ID}")

    fast = _answer(client, settings, True, HTTP_USER_AGENT="BadBot/1.0")

    assert fast == _answer(client, settings, False, HTTP_USER_AGENT="BadBot/1.0")
    assert fast[0] == 403


def test_changes_made_while_an_invalidation_was_lost_are_seen_once_redis_answers(
    keys, rich, shared_cache, settings, monkeypatch
):
    from assistants.api import cache as api_cache

    client = Client(HTTP_X_API_KEY=keys.write)
    client.get(f"/assistants/{ID}")
    assert client.get(f"/assistants/{ID}").json()["name"] == rich.name  # cached now
    assert api_cache.peek(api_cache.assistant_name(ID)) is not None
    # Two writes whose invalidations this process could not send (Redis was unreachable):
    Assistant.objects.filter(pk=ID).update(name="Changed meanwhile")  # update(): no signal
    ApiKey.objects.filter(digest=ApiKey.digest_for(keys.write)).update(revoked_at=timezone.now())
    monkeypatch.setattr(api_cache, "_lost_invalidations", 2)

    assert api_cache.peek(api_cache.assistant_name(ID)) is None  # nothing served before recovery
    refused = client.get(f"/assistants/{ID}")  # the view recovers before it reads anything

    assert (refused.status_code, refused.json()["detail"]) == (
        401,
        "This API key has been revoked.",
    )
    assert api_cache._lost_invalidations == 0
    other = Client(HTTP_X_API_KEY=keys.read)
    assert other.get(f"/assistants/{ID}").json()["name"] == "Changed meanwhile"
