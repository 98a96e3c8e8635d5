"""Cross-site request forgery: a browser POST without the CSRF token changes nothing.

Every client here enforces CSRF checks as a browser would meet them. Page actions, sign-in and
sign-out, and the admin's actions answer 403 without the token and do their work with it; the API
refuses a session-authenticated write without the token (403 JSON) and needs no token from an API
key, which a browser never sends by itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from assistants.models import ApiKey, Assistant
from tests.security.conftest import PASSWORD, create_form, db_snapshot, edit_form
from tests.security.test_permission_matrix import PAGE_TABLE

pytestmark = pytest.mark.django_db

CSRF_PAGE_TEXT = b"CSRF verification failed"

#: Every page action that takes a POST: (url name, args, form data, status on success, writes?).
PageAction = tuple[
    str, Callable[[Assistant], list[Any]], Callable[[Assistant], dict[str, Any]], int, bool
]
# fmt: off
PAGE_POSTS: list[PageAction] = [
    ("assistants:assistant-create",    lambda a: [],         lambda a: create_form(name="Forged?"),                   302, True),
    ("assistants:assistant-edit",      lambda a: [a.pk],     lambda a: edit_form(a, note="Forged?"),                  302, True),
    ("assistants:assistant-changes",   lambda a: [a.pk],     lambda a: edit_form(a, **{"ctx-temperature": "1.1"}),    200, False),
    ("assistants:field-validate",      lambda a: ["writer"], lambda a: {"_field": "temperature", "ctx-temperature": "1"}, 200, False),
    ("assistants:assistant-duplicate", lambda a: [a.pk],     lambda a: {"name": "Forged copy?", "version": ""},        302, True),
    ("assistants:assistant-delete",    lambda a: [a.pk],     lambda a: {},                                            302, True),
    ("assistants:version-publish",     lambda a: [a.pk, 3],  lambda a: {},                                            302, True),
    ("assistants:version-restore",     lambda a: [a.pk, 1],  lambda a: {},                                            302, True),
    # The blog has no draft an API update passed over: the rebase answers 404 once past CSRF.
    ("assistants:assistant-rebase",    lambda a: [a.pk],     lambda a: {"draft": 3, "onto": 4, "pick-0": "ours"},   404, False),
    ("assistants:run-create",          lambda a: [a.pk],     lambda a: {"version": "1", "input-topic": "Forged?", "run": "1"}, 302, True),
    ("assistants:run-cancel",          lambda a: [_run(a).pk], lambda a: {},                                          302, True),
    ("assistants:run-rerun",           lambda a: [_run(a).pk], lambda a: {},                                          302, True),
    ("assistants:testinput-create",    lambda a: [a.pk],     lambda a: {"name": "Forged?", "input-topic": "x"},       302, True),
    ("assistants:testinput-edit",      lambda a: [a.pk, _test_input(a).pk], lambda a: {"name": "Forged?", "input-topic": "x"}, 302, True),
    ("assistants:testinput-delete",    lambda a: [a.pk, _test_input(a).pk], lambda a: {},                             302, True),
    ("assistants:testinput-copy",      lambda a: [a.pk],     lambda a: {},                                            422, False),
    ("assistants:comparison-create",   lambda a: [a.pk, 1],  lambda a: {},                                            302, False),
    ("assistants:assistant-gate",      lambda a: [a.pk],     lambda a: {"require_passing_checks": "on"},              302, True),
]
# fmt: on


def _run(assistant: Assistant) -> Any:
    from tests.security.test_permission_matrix import _queued_run

    return _queued_run(assistant)


def _test_input(assistant: Assistant) -> Any:
    from tests.security.test_permission_matrix import _test_input

    return _test_input(assistant)


def browser(user: Any = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def csrf_token(client: Client, page: str | None = None) -> str:
    """Open a page the way a browser would before posting, and read the CSRF cookie it set."""
    client.get(page or reverse("assistants:assistant-list"))
    return client.cookies["csrftoken"].value


def test_the_list_covers_every_page_post_of_the_matrix() -> None:
    posts = {name for name, method, *_ in PAGE_TABLE if method == "POST"}
    assert {name for name, *_ in PAGE_POSTS} == posts


@pytest.mark.parametrize(
    ("name", "args", "data", "status", "writes"), PAGE_POSTS, ids=[p[0] for p in PAGE_POSTS]
)
def test_a_page_post_without_a_csrf_token_is_refused_and_changes_nothing(
    publisher, blog, name, args, data, status, writes
) -> None:
    client = browser(publisher)
    csrf_token(client)  # the cookie alone is not enough: the token must be sent back
    before = db_snapshot()

    response = client.post(reverse(name, args=args(blog)), data(blog))

    assert response.status_code == 403
    assert CSRF_PAGE_TEXT in response.content
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("name", "args", "data", "status", "writes"), PAGE_POSTS, ids=[p[0] for p in PAGE_POSTS]
)
def test_a_page_post_with_the_csrf_token_is_accepted(
    publisher, blog, name, args, data, status, writes
) -> None:
    client = browser(publisher)
    token = csrf_token(client)
    before = db_snapshot()

    response = client.post(
        reverse(name, args=args(blog)), {**data(blog), "csrfmiddlewaretoken": token}
    )

    assert response.status_code == status, response.content[:500]
    assert (db_snapshot() != before) is writes


@pytest.mark.parametrize(
    ("name", "args", "data", "status", "writes"), PAGE_POSTS, ids=[p[0] for p in PAGE_POSTS]
)
def test_an_htmx_post_sends_the_token_in_the_header(
    publisher, blog, name, args, data, status, writes
) -> None:
    client = browser(publisher)
    token = csrf_token(client)
    before = db_snapshot()

    response = client.post(
        reverse(name, args=args(blog)),
        data(blog),
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    # HTMX never gets a 302: the action answers 200 (a client-side redirect or the fresh region)
    assert response.status_code == (200 if status == 302 else status), response.content[:500]
    assert (db_snapshot() != before) is writes


def test_the_pages_hand_htmx_the_token_on_the_body_element(viewer, blog) -> None:
    client = browser(viewer)
    html = client.get(reverse("assistants:assistant-detail", args=[blog.pk])).content.decode()
    token = html.split('<body hx-headers=\'{"X-CSRFToken": "', 1)[1].split('"', 1)[0]

    response = client.post(reverse("logout"), headers={"X-CSRFToken": token})

    assert response.status_code == 302


def test_a_token_that_does_not_match_the_cookie_is_refused(publisher, blog) -> None:
    client = browser(publisher)
    csrf_token(client)
    forged = "x" * 32

    response = client.post(
        reverse("assistants:version-publish", args=[blog.pk, 3]), {"csrfmiddlewaretoken": forged}
    )

    assert response.status_code == 403
    assert Assistant.objects.get(pk=blog.pk).version == 2


# -- sign-in and sign-out ------------------------------------------------------------------------------


def test_signing_in_without_a_csrf_token_is_refused(editor) -> None:
    client = browser()

    response = client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})

    assert response.status_code == 403 and CSRF_PAGE_TEXT in response.content
    assert SESSION_KEY not in client.session


def test_signing_in_with_the_csrf_token_works(editor) -> None:
    client = browser()
    token = csrf_token(client, reverse("login"))

    response = client.post(
        reverse("login"),
        {"username": editor.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(editor.pk)


def test_signing_out_without_a_csrf_token_is_refused(editor) -> None:
    client = browser(editor)
    csrf_token(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert client.get(reverse("assistants:assistant-list")).status_code == 200  # still signed in


def test_signing_out_with_the_csrf_token_works(editor) -> None:
    client = browser(editor)
    token = csrf_token(client)

    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert client.get(reverse("assistants:assistant-list")).status_code == 302  # to sign in


def test_signing_out_by_get_is_not_possible(editor) -> None:
    client = browser(editor)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("assistants:assistant-list")).status_code == 200


# -- the admin ---------------------------------------------------------------------------------------------


def _admin_posts(
    blog: Assistant, key: ApiKey
) -> list[tuple[str, dict[str, Any], Callable[[], bool]]]:
    """(url, data, did it happen?) for each state-changing admin POST."""
    changelist = reverse("admin:assistants_assistant_changelist")

    def live_version() -> int:
        return Assistant.objects.get(pk=blog.pk).version

    return [
        (
            changelist,
            {"action": "publish_newest_version", "_selected_action": [str(blog.pk)]},
            lambda: live_version() == 3,
        ),
        (
            changelist,
            {"action": "duplicate_assistants", "_selected_action": [str(blog.pk)]},
            lambda: Assistant.objects.count() == 2,
        ),
        (
            reverse("admin:assistants_apikey_changelist"),
            {"action": "revoke_keys", "_selected_action": [str(key.pk)]},
            lambda: ApiKey.objects.get(pk=key.pk).revoked_at is not None,
        ),
        (
            reverse("admin:assistants_assistant_delete", args=[blog.pk]),
            {"post": "yes"},
            lambda: not Assistant.objects.filter(pk=blog.pk).exists(),
        ),
    ]


ADMIN_ACTIONS = ["publish action", "duplicate action", "revoke action", "delete"]


@pytest.fixture
def active_key(db) -> ApiKey:
    from assistants import services
    from assistants.actors import Actor

    key, _ = services.api_key_create(actor=Actor.system_actor(), name="to revoke")
    return key


@pytest.mark.parametrize("index", range(len(ADMIN_ACTIONS)), ids=ADMIN_ACTIONS)
def test_an_admin_post_without_a_csrf_token_is_refused(superuser, blog, active_key, index) -> None:
    url, data, happened = _admin_posts(blog, active_key)[index]
    client = browser(superuser)
    csrf_token(client, reverse("admin:index"))
    before = db_snapshot()

    response = client.post(url, data)

    assert response.status_code == 403 and CSRF_PAGE_TEXT in response.content
    assert db_snapshot() == before and not happened()


@pytest.mark.parametrize("index", range(len(ADMIN_ACTIONS)), ids=ADMIN_ACTIONS)
def test_an_admin_post_with_the_csrf_token_is_accepted(superuser, blog, active_key, index) -> None:
    url, data, happened = _admin_posts(blog, active_key)[index]
    client = browser(superuser)
    token = csrf_token(client, reverse("admin:index"))

    response = client.post(url, {**data, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert happened()


def test_admin_sign_in_and_sign_out_need_the_csrf_token(superuser) -> None:
    client = browser()
    login = reverse("admin:login")
    credentials = {
        "username": superuser.username,
        "password": PASSWORD,
        "next": reverse("admin:index"),
    }

    assert client.post(login, credentials).status_code == 403
    token = csrf_token(client, login)
    assert client.post(login, {**credentials, "csrfmiddlewaretoken": token}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    assert client.post(reverse("admin:logout")).status_code == 403
    token = csrf_token(client, reverse("admin:index"))
    signed_out = client.post(reverse("admin:logout"), {"csrfmiddlewaretoken": token})
    assert (signed_out.status_code, signed_out["Location"]) == (302, reverse("login"))
    assert client.get(reverse("admin:index")).status_code == 302


# -- the API ---------------------------------------------------------------------------------------------

#: Every API call that is not a GET: (method, path, body, status when allowed, writes?).
ApiCall = tuple[str, Callable[[Assistant], str], dict[str, Any] | None, int, bool]
# fmt: off
API_WRITES: list[ApiCall] = [
    ("post",   lambda a: "/assistants",                    {"graph_id": "writer", "name": "Forged?"}, 200, True),
    ("post",   lambda a: "/assistants/search",             {},                                        200, False),
    ("post",   lambda a: "/assistants/count",              {},                                        200, False),
    ("patch",  lambda a: f"/assistants/{a.pk}",            {"name": "Forged?"},                       200, True),
    ("delete", lambda a: f"/assistants/{a.pk}",            None,                                      204, True),
    ("post",   lambda a: f"/assistants/{a.pk}/versions",   {},                                        200, False),
    ("post",   lambda a: f"/assistants/{a.pk}/latest",     {"version": 3},                            200, True),
]
# fmt: on
API_IDS = [
    f"{m.upper()} {p(Assistant(assistant_id='00000000-0000-0000-0000-000000000000'))}"
    for m, p, *_ in API_WRITES
]


def _call(
    client: Client, method: str, path: str, body: dict[str, Any] | None, **headers: str
) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(path, **kwargs)


@pytest.mark.parametrize(("method", "path", "body", "status", "writes"), API_WRITES, ids=API_IDS)
def test_an_api_call_with_a_session_but_no_csrf_token_is_refused_with_json(
    publisher, blog, method, path, body, status, writes
) -> None:
    client = browser(publisher)
    csrf_token(client)
    before = db_snapshot()

    response = _call(client, method, path(blog), body)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("CSRF Failed")
    assert db_snapshot() == before


@pytest.mark.parametrize(("method", "path", "body", "status", "writes"), API_WRITES, ids=API_IDS)
def test_an_api_call_with_a_session_and_the_csrf_token_is_accepted(
    publisher, blog, method, path, body, status, writes
) -> None:
    client = browser(publisher)
    token = csrf_token(client)
    before = db_snapshot()

    response = _call(client, method, path(blog), body, **{"X-CSRFToken": token})

    assert response.status_code == status, response.content[:500]
    assert (db_snapshot() != before) is writes


@pytest.mark.parametrize(("method", "path", "body", "status", "writes"), API_WRITES, ids=API_IDS)
def test_an_api_key_needs_no_csrf_token(keys, blog, method, path, body, status, writes) -> None:
    client = Client(enforce_csrf_checks=True)
    before = db_snapshot()

    response = _call(client, method, path(blog), body, **{"X-Api-Key": keys.write})

    assert response.status_code == status, response.content[:500]
    assert (db_snapshot() != before) is writes


def test_an_api_read_with_a_session_needs_no_csrf_token(viewer, blog) -> None:
    client = browser(viewer)

    assert client.get(f"/assistants/{blog.pk}").status_code == 200
