"""Who may open what: anonymous users go to the login page, users without the role get 403,
and every page refuses the wrong HTTP method with 405."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from assistants.models import Assistant

pytestmark = pytest.mark.django_db

Url = Callable[[Assistant], str]

PAGES: list[tuple[str, Url, str]] = [
    # (name, url, method the page answers)
    ("assistant-list", lambda a: reverse("assistants:assistant-list"), "get"),
    ("assistant-detail", lambda a: reverse("assistants:assistant-detail", args=[a.pk]), "get"),
    ("version-detail", lambda a: reverse("assistants:version-detail", args=[a.pk, 1]), "get"),
    ("version-compare", lambda a: reverse("assistants:version-compare", args=[a.pk]), "get"),
    ("assistant-create", lambda a: reverse("assistants:assistant-create"), "get"),
    ("assistant-edit", lambda a: reverse("assistants:assistant-edit", args=[a.pk]), "get"),
    ("assistant-changes", lambda a: reverse("assistants:assistant-changes", args=[a.pk]), "post"),
    ("field-validate", lambda a: reverse("assistants:field-validate", args=["writer"]), "post"),
    (
        "assistant-duplicate",
        lambda a: reverse("assistants:assistant-duplicate", args=[a.pk]),
        "get",
    ),
    (
        "assistant-delete-confirm",
        lambda a: reverse("assistants:assistant-delete-confirm", args=[a.pk]),
        "get",
    ),
    ("assistant-delete", lambda a: reverse("assistants:assistant-delete", args=[a.pk]), "post"),
    (
        "version-publish-confirm",
        lambda a: reverse("assistants:version-publish-confirm", args=[a.pk, 3]),
        "get",
    ),
    ("version-publish", lambda a: reverse("assistants:version-publish", args=[a.pk, 3]), "post"),
    (
        "version-restore-confirm",
        lambda a: reverse("assistants:version-restore-confirm", args=[a.pk, 1]),
        "get",
    ),
    ("version-restore", lambda a: reverse("assistants:version-restore", args=[a.pk, 1]), "post"),
    ("assistant-rebase", lambda a: reverse("assistants:assistant-rebase", args=[a.pk]), "get"),
    ("graph-list", lambda a: reverse("graphs:graph-list"), "get"),
    ("graph-detail", lambda a: reverse("graphs:graph-detail", args=["writer"]), "get"),
]

#: The lowest role that may use each page (viewer < editor < publisher).
ROLE = {
    "assistant-create": "editor",
    "assistant-edit": "editor",
    "assistant-changes": "editor",
    "field-validate": "editor",
    "assistant-duplicate": "editor",
    "version-restore-confirm": "editor",
    "version-restore": "editor",
    "assistant-rebase": "editor",
    "assistant-delete-confirm": "publisher",
    "assistant-delete": "publisher",
    "version-publish-confirm": "publisher",
    "version-publish": "publisher",
}


@pytest.mark.parametrize(("name", "url", "method"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_users_are_sent_to_the_login_page(
    anonymous_client, blog, name, url, method
) -> None:
    target = url(blog)
    response = getattr(anonymous_client, method)(target)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


@pytest.mark.parametrize(("name", "url", "method"), PAGES, ids=[p[0] for p in PAGES])
def test_users_without_a_role_get_403(nobody_client, blog, name, url, method) -> None:
    response = getattr(nobody_client, method)(url(blog))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "url", "method"),
    [p for p in PAGES if p[0] in ROLE],
    ids=[p[0] for p in PAGES if p[0] in ROLE],
)
def test_roles_below_the_one_an_action_needs_get_403(
    viewer_client, editor_client, blog, name, url, method
) -> None:
    clients = [viewer_client] if ROLE[name] == "editor" else [viewer_client, editor_client]
    for client in clients:
        response = getattr(client, method)(url(blog))
        assert response.status_code == 403, (name, client)
    assert Assistant.objects.get(pk=blog.pk).latest_version_number == 3  # nothing happened


@pytest.mark.parametrize(("name", "url", "method"), PAGES, ids=[p[0] for p in PAGES])
def test_the_wrong_method_gets_405(publisher_client, blog, name, url, method) -> None:
    wrong = {"get": ["post", "put", "delete"], "post": ["get", "put"]}[method]
    if name in ("assistant-create", "assistant-edit", "assistant-duplicate", "assistant-rebase"):
        wrong = ["put", "delete", "patch"]  # form pages answer GET and POST
    for other in wrong:
        response = getattr(publisher_client, other)(url(blog))
        assert response.status_code == 405, (name, other)


def test_the_login_page_renders_and_signs_in(anonymous_client, editor) -> None:
    page = anonymous_client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content and b"Sign in" in page.content
    response = anonymous_client.post(
        reverse("login"), {"username": "eddie", "password": "pw-for-tests-only"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert anonymous_client.get(reverse("assistants:assistant-list")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(anonymous_client, editor) -> None:
    response = anonymous_client.post(reverse("login"), {"username": "eddie", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_signing_out_is_a_post(editor_client) -> None:
    page = editor_client.get(reverse("assistants:assistant-list"))
    assert b'action="/accounts/logout/"' in page.content
    response = editor_client.post(reverse("logout"))
    assert response.status_code == 302
    assert editor_client.get(reverse("assistants:assistant-list")).status_code == 302
