"""Security headers on pages and API answers, and pages that need no inline script.

The Content Security Policy allows scripts from our own origin only; that holds only if no page
carries an inline ``<script>`` or an ``on*=`` handler, which the page scan checks on every page
(studio, graphs, sign-in, the admin and the API docs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from assistants.models import Assistant, AuditEntry
from tests.security.conftest import audit_html
from tests.security.test_permission_matrix import PAGE_TABLE, page_url

pytestmark = pytest.mark.django_db


def csp_directives(response: Any) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response: Any) -> None:
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- headers ---------------------------------------------------------------------------------------------

Request = Callable[[dict[str, Any]], Any]


# fmt: off
PAGE_REQUESTS: list[tuple[str, Request]] = [
    ("assistant list",     lambda f: signed_in(f["viewer"]).get(reverse("assistants:assistant-list"))),
    ("assistant detail",   lambda f: signed_in(f["viewer"]).get(reverse("assistants:assistant-detail", args=[f["blog"].pk]))),
    ("htmx partial",       lambda f: signed_in(f["viewer"]).get(reverse("assistants:assistant-detail", args=[f["blog"].pk]), headers={"HX-Request": "true"})),
    ("sign-in page",       lambda f: Client().get(reverse("login"))),
    ("sign-in redirect",   lambda f: Client().get(reverse("assistants:assistant-list"))),
    ("forbidden page",     lambda f: signed_in(f["viewer"]).get(reverse("assistants:assistant-edit", args=[f["blog"].pk]))),
    ("not found page",     lambda f: signed_in(f["viewer"]).get("/no/such/page/")),
    ("admin page",         lambda f: signed_in(f["superuser"]).get(reverse("admin:index"))),
]
API_REQUESTS: list[tuple[str, Request]] = [
    ("get with a key",     lambda f: Client(headers={"X-Api-Key": f["keys"].read}).get(f"/assistants/{f['blog'].pk}")),
    ("post with a key",    lambda f: Client(headers={"X-Api-Key": f["keys"].write}).post(
        "/assistants", data=json.dumps({"graph_id": "writer"}), content_type="application/json")),
    ("delete with a key",  lambda f: Client(headers={"X-Api-Key": f["keys"].write}).delete(f"/assistants/{f['blog'].pk}")),
    ("401 without a key",  lambda f: Client().get(f"/assistants/{f['blog'].pk}")),
    ("403 read-only key",  lambda f: Client(headers={"X-Api-Key": f["keys"].read}).post(
        "/assistants", data=json.dumps({"graph_id": "writer"}), content_type="application/json")),
    ("422 invalid body",   lambda f: Client(headers={"X-Api-Key": f["keys"].write}).post(
        "/assistants", data="{", content_type="application/json")),
    ("unknown api path",   lambda f: Client().get("/assistants/a/b/c")),
    ("openapi document",   lambda f: Client().get(reverse("openapi"))),
]
# fmt: on


@pytest.fixture
def fixtures(viewer, superuser, blog, keys) -> dict[str, Any]:
    return {"viewer": viewer, "superuser": superuser, "blog": blog, "keys": keys}


@pytest.mark.parametrize(
    ("label", "send"),
    PAGE_REQUESTS + API_REQUESTS,
    ids=[r[0] for r in PAGE_REQUESTS + API_REQUESTS],
)
def test_every_answer_carries_the_security_headers(fixtures, label, send) -> None:
    response = send(fixtures)

    assert_security_headers(response)


@pytest.mark.parametrize(("label", "send"), API_REQUESTS, ids=[r[0] for r in API_REQUESTS])
def test_the_api_grants_no_cross_origin_reads(fixtures, label, send) -> None:
    """No CORS headers: another site's script cannot read answers made with a user's session."""
    response = send(fixtures)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_hsts_is_sent_over_https_when_configured(viewer, blog, keys) -> None:
    with override_settings(SECURE_HSTS_SECONDS=3600):
        page = signed_in(viewer).get(reverse("assistants:assistant-list"), secure=True)
        api = Client(headers={"X-Api-Key": keys.read}).get(f"/assistants/{blog.pk}", secure=True)
        plain = signed_in(viewer).get(reverse("assistants:assistant-list"))

    for response in (page, api):
        assert response.status_code == 200
        assert response["Strict-Transport-Security"].split(";")[0] == "max-age=3600"
    assert "Strict-Transport-Security" not in plain  # browsers ignore it over plain HTTP anyway


def test_no_hsts_header_unless_configured(viewer) -> None:
    with override_settings(SECURE_HSTS_SECONDS=0):
        response = signed_in(viewer).get(reverse("assistants:assistant-list"), secure=True)

    assert "Strict-Transport-Security" not in response


def test_session_and_csrf_cookies_are_http_only_secure_and_same_site(editor, settings) -> None:
    """Production settings (DEBUG off) mark both cookies secure; the session one is not for scripts."""
    client = Client()
    page = client.get(reverse("login"), secure=True)
    signed = client.post(
        reverse("login"),
        {
            "username": editor.username,
            "password": "pw-for-tests-only",
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
        secure=True,
    )

    session = signed.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


# -- no inline script on any page ------------------------------------------------------------------------------


def _studio_pages(blog: Assistant) -> list[str]:
    """Every page of the matrix that shows a publisher a page (200) on a GET, plus the states a GET
    alone does not reach."""
    pages = [
        page_url(name, blog)
        for name, method, _, outcomes in PAGE_TABLE
        if method == "GET" and name.startswith(("assistants:", "graphs:")) and outcomes[4] == 200
    ]
    return [
        *pages,
        reverse("assistants:assistant-create") + "?graph=writer",
        reverse("assistants:assistant-create") + "?graph=researcher",
        reverse("assistants:version-compare", args=[blog.pk]) + "?a=1&b=3",
        reverse("assistants:assistant-list") + "?q=blog&status=draft",
        reverse("graphs:graph-detail", args=["researcher"]),
        reverse("password_change"),
    ]


def _admin_pages(blog: Assistant) -> list[str]:
    entry = AuditEntry.objects.first()
    assert entry is not None
    return [
        reverse("admin:index"),
        reverse("admin:graphs_graph_list"),
        reverse("admin:graphs_graph_detail", args=["writer"]),
        reverse("admin:assistants_assistant_changelist"),
        reverse("admin:assistants_assistant_change", args=[blog.pk]),
        reverse("admin:assistants_assistant_delete", args=[blog.pk]),
        reverse("admin:assistants_assistant_history", args=[blog.pk]),
        reverse("admin:assistants_auditentry_changelist"),
        reverse("admin:assistants_auditentry_change", args=[entry.pk]),
        reverse("admin:assistants_apikey_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:password_change"),
    ]


ANONYMOUS_PAGES = ["login", "admin:login", "api-docs"]


def _assert_no_inline_script(url: str, response: Any) -> None:
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    audit = audit_html(response.content.decode())
    assert audit.inline_scripts == [], url
    assert audit.handlers == [], url
    assert "javascript:" not in response.content.decode().lower(), url


def test_no_studio_page_has_inline_script_or_handlers(publisher, blog) -> None:
    client = signed_in(publisher)
    for url in _studio_pages(blog):
        _assert_no_inline_script(url, client.get(url))
        _assert_no_inline_script(url, client.get(url, headers={"HX-Request": "true"}))
    from assistants.actors import Actor
    from assistants.services import version_save

    version_save(actor=Actor.system_actor(), assistant_id=blog.pk, name="By API", publish=True)
    rebase = reverse("assistants:assistant-rebase", args=[blog.pk])
    _assert_no_inline_script(rebase, client.get(rebase))


def test_no_admin_page_has_inline_script_or_handlers(superuser, blog, keys) -> None:
    client = signed_in(superuser)
    for url in _admin_pages(blog):
        _assert_no_inline_script(url, client.get(url))


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_no_public_page_has_inline_script_or_handlers(db, name) -> None:
    url = reverse(name)
    _assert_no_inline_script(url, Client().get(url))


def test_every_script_a_page_loads_is_served_from_our_origin(publisher, superuser, blog) -> None:
    from html.parser import HTMLParser

    sources: set[str] = set()

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            src = dict(attrs).get("src")
            if tag == "script" and src:
                sources.add(src)

    for client, urls in (
        (signed_in(publisher), _studio_pages(blog)),
        (signed_in(superuser), _admin_pages(blog)),
    ):
        for url in urls:
            Collect().feed(client.get(url).content.decode())
    Collect().feed(Client().get(reverse("api-docs")).content.decode())

    assert sources
    assert {s for s in sources if not s.startswith("/")} == set()
    assert {s for s in sources if s.startswith("//")} == set()
