"""Who may do what, on every page, every API endpoint and the admin: one literal table per surface.

Each row is one URL pattern and method; each column a principal. A cell is the expected answer:
an HTTP status, ``LOGIN`` (302 to the sign-in page with ``next``) or ``ADMIN_LOGIN``. A row that
writes names its effect: when the cell is a success the effect must be in the database, and for
every other cell (and every row without an effect) nothing may have changed.

``test_the_matrix_covers_every_url_pattern`` fails when a URL pattern (or a method of one) is added
to ``assistants/urls.py``, ``graphs/urls.py`` or ``assistants/api/urls.py`` without a row here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from assistants.api.auth import NOT_AUTHENTICATED
from assistants.models import Assistant, Comparison, Run, TestInput
from tests.security.conftest import create_form, db_snapshot, edit_form

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
Outcome = int | str

# -- pages ---------------------------------------------------------------------------------------

PAGE_PRINCIPALS = (
    "anonymous",
    "norole",
    "viewer",
    "editor",
    "publisher",
    "read_key",
    "write_key",
    "revoked_key",
    "viewer_and_write_key",
)

L, AL = LOGIN, ADMIN_LOGIN

# fmt: off
PAGE_TABLE: list[tuple[str, str, str | None, tuple[Outcome, ...]]] = [
    # url name                             method  effect        anon norole viewer editor publ rkey wkey xkey viewer+wkey
    ("assistants:assistant-list",           "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:assistant-create",         "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:assistant-create",         "POST", "created",   (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:field-validate",           "POST", None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:assistant-detail",         "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:assistant-edit",           "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:assistant-edit",           "POST", "drafted",   (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:assistant-changes",        "POST", None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    # No draft of the blog was passed over by an API update: editors get a loud 404, nothing else.
    ("assistants:assistant-rebase",         "GET",  None,        (L,  403,   403,   404,   404, L,   L,   L,   403)),
    ("assistants:assistant-rebase",         "POST", None,        (L,  403,   403,   404,   404, L,   L,   L,   403)),
    ("assistants:assistant-duplicate",      "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:assistant-duplicate",      "POST", "created",   (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:assistant-delete-confirm", "GET",  None,        (L,  403,   403,   403,   200, L,   L,   L,   403)),
    ("assistants:assistant-delete",         "POST", "deleted",   (L,  403,   403,   403,   302, L,   L,   L,   403)),
    ("assistants:version-compare",          "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:version-detail",           "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:version-publish-confirm",  "GET",  None,        (L,  403,   403,   403,   200, L,   L,   L,   403)),
    ("assistants:version-publish",          "POST", "published", (L,  403,   403,   403,   302, L,   L,   L,   403)),
    ("assistants:version-restore-confirm",  "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:version-restore",          "POST", "restored",  (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:run-create",               "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:run-create",               "POST", "ran",       (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:run-list",                 "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:run-detail",               "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:run-cancel",               "POST", "cancelled", (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:run-rerun",                "POST", "ran",       (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:testinput-list",           "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:testinput-create",         "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:testinput-create",         "POST", "tested",        (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:testinput-edit",           "GET",  None,        (L,  403,   403,   200,   200, L,   L,   L,   403)),
    ("assistants:testinput-edit",           "POST", "tested",        (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:testinput-delete",         "POST", "tested",        (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:testinput-copy",           "POST", None,        (L,  403,   403,   422,   422, L,   L,   L,   403)),
    ("assistants:comparison-create",        "POST", None,        (L,  403,   403,   302,   302, L,   L,   L,   403)),
    ("assistants:comparison-detail",        "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:comparison-panel",         "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("assistants:assistant-gate",           "POST", None,        (L,  403,   403,   403,   302, L,   L,   L,   403)),
    ("graphs:graph-list",                   "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    ("graphs:graph-detail",                 "GET",  None,        (L,  403,   200,   200,   200, L,   L,   L,   200)),
    # The project's own routes (studio/urls.py): public documents, sign-in, and the admin
    # (none of these principals is staff).
    ("openapi",                             "GET",  None,        (200, 200,  200,   200,   200, 200, 200, 200, 200)),
    ("api-docs",                            "GET",  None,        (200, 200,  200,   200,   200, 200, 200, 200, 200)),
    ("login",                               "GET",  None,        (200, 200,  200,   200,   200, 200, 200, 200, 200)),
    ("admin:index",                         "GET",  None,        (AL, AL,    AL,    AL,    AL,  AL,  AL,  AL,  AL)),
]
# fmt: on


def page_url(name: str, blog: Assistant) -> str:
    args: dict[str, list[Any]] = {
        "assistants:field-validate": ["writer"],
        "assistants:assistant-detail": [blog.pk],
        "assistants:assistant-edit": [blog.pk],
        "assistants:assistant-changes": [blog.pk],
        "assistants:assistant-rebase": [blog.pk],
        "assistants:assistant-duplicate": [blog.pk],
        "assistants:assistant-delete-confirm": [blog.pk],
        "assistants:assistant-delete": [blog.pk],
        "assistants:version-compare": [blog.pk],
        "assistants:version-detail": [blog.pk, 1],
        "assistants:version-publish-confirm": [blog.pk, 3],
        "assistants:version-publish": [blog.pk, 3],
        "assistants:version-restore-confirm": [blog.pk, 1],
        "assistants:version-restore": [blog.pk, 1],
        "graphs:graph-detail": ["writer"],
        "assistants:run-create": [blog.pk],
        "assistants:run-list": [blog.pk],
        "assistants:testinput-list": [blog.pk],
        "assistants:testinput-create": [blog.pk],
        "assistants:testinput-copy": [blog.pk],
        "assistants:comparison-create": [blog.pk, 1],
        "assistants:comparison-panel": [blog.pk],
        "assistants:assistant-gate": [blog.pk],
    }
    if name in ("assistants:testinput-edit", "assistants:testinput-delete"):
        args[name] = [blog.pk, _test_input(blog).pk]
    if name == "assistants:comparison-detail":
        args[name] = [_comparison(blog).pk]
    if name in ("assistants:run-detail", "assistants:run-cancel", "assistants:run-rerun"):
        args[name] = [_queued_run(blog).pk]
    return reverse(name, args=args.get(name, []))


def _queued_run(blog: Assistant) -> Run:
    """A run of the blog writer waiting for a worker (test data: no audit entry, no task)."""
    if not Assistant.objects.filter(pk=blog.pk).exists():  # deleted by an earlier request
        return Run()  # an unknown run id: the views answer 404 (or 405 for a wrong method)
    existing = Run.objects.filter(assistant=blog).first()
    return existing or Run.objects.create(
        assistant=blog, graph_id=blog.graph_id, version=1, input={"topic": "x"}, actor="system"
    )


def _test_input(blog: Assistant) -> TestInput:
    """A test input of the blog writer (test data, written directly)."""
    if not Assistant.objects.filter(pk=blog.pk).exists():
        return TestInput(pk=0)
    existing = TestInput.objects.filter(assistant=blog).first()
    return existing or TestInput.objects.create(assistant=blog, name="x", input={"topic": "x"})


def _comparison(blog: Assistant) -> Comparison:
    """A finished comparison of the blog writer (test data, written directly)."""
    if not Assistant.objects.filter(pk=blog.pk).exists():
        return Comparison()
    existing = Comparison.objects.filter(assistant=blog).first()
    return existing or Comparison.objects.create(
        assistant=blog, candidate_version=1, live_version=1, status="succeeded", actor="system"
    )


def _page_data(name: str, blog: Assistant) -> dict[str, Any]:
    """What a browser posts to each form; valid, so that an allowed request does its work."""
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "assistants:assistant-create": lambda: create_form(name="Made in the matrix"),
        "assistants:assistant-edit": lambda: edit_form(blog, note="Saved in the matrix"),
        "assistants:assistant-changes": lambda: edit_form(blog, **{"ctx-temperature": "1.1"}),
        "assistants:field-validate": lambda: {"_field": "temperature", "ctx-temperature": "0.5"},
        "assistants:assistant-duplicate": lambda: {"name": "Copied in the matrix", "version": ""},
        "assistants:run-create": lambda: {"version": "1", "input-topic": "matrix", "run": "1"},
        "assistants:testinput-create": lambda: {"name": "matrix", "input-topic": "matrix"},
        "assistants:testinput-edit": lambda: {"name": "matrix", "input-topic": "matrix"},
    }
    return builders.get(name, dict)()


# -- API -----------------------------------------------------------------------------------------

API_PRINCIPALS = (
    "anonymous",
    "norole",
    "viewer",
    "editor",
    "publisher",
    "read_key",
    "write_key",
    "revoked_key",
    "unknown_key",
)

# A session needs the role the pages need: "norole" (signed in, in no group) reads nothing.
# fmt: off
API_TABLE: list[tuple[str, str, str | None, tuple[Outcome, ...]]] = [
    # url name                            method    effect       anon norole viewer editor publ rkey wkey xkey unknown
    ("api:assistant-list",                "POST",   "created",   (401, 403,  403,   200,   200, 403, 200, 401, 401)),
    ("api:assistant-search",              "POST",   None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-count",               "POST",   None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-detail",              "GET",    None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-detail",              "PATCH",  "live_save", (401, 403,  403,   403,   200, 403, 200, 401, 401)),
    ("api:assistant-detail",              "DELETE", "deleted",   (401, 403,  403,   403,   204, 403, 204, 401, 401)),
    ("api:assistant-versions",            "POST",   None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-latest",              "POST",   "published", (401, 403,  403,   403,   200, 403, 200, 401, 401)),
    ("api:assistant-schemas",             "GET",    None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-graph",               "GET",    None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-subgraphs",           "GET",    None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    ("api:assistant-subgraphs-namespace", "GET",    None,        (401, 403,  200,   200,   200, 200, 200, 401, 401)),
    # Unknown paths under /assistants: a JSON 404 that reveals nothing, whoever asks.
    ("api:assistant-unknown",             "GET",    None,        (404, 404,  404,   404,   404, 404, 404, 404, 404)),
]
# fmt: on

#: Cells known to be wrong today: (url name, method, principal) -> "BUG: ..." reason. Each such
#: case runs as a strict xfail, so the suite stays green and a fix makes it fail until removed.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _api_request(name: str, method: str, blog: Assistant) -> tuple[str, dict[str, Any] | None]:
    pk = str(blog.pk)
    paths = {
        "api:assistant-list": reverse("api:assistant-list"),
        "api:assistant-search": reverse("api:assistant-search"),
        "api:assistant-count": reverse("api:assistant-count"),
        "api:assistant-subgraphs-namespace": reverse(
            "api:assistant-subgraphs-namespace", kwargs={"assistant_id": pk, "namespace": "x"}
        ),
        "api:assistant-unknown": "/assistants/" + pk + "/no/such/thing",
    }
    path = paths.get(name) or reverse(name, kwargs={"assistant_id": pk})
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("api:assistant-list", "POST"): {"graph_id": "writer", "name": "Made in the matrix"},
        ("api:assistant-search", "POST"): {},
        ("api:assistant-count", "POST"): {},
        ("api:assistant-detail", "PATCH"): {"metadata": {"reviewed": True}},
        ("api:assistant-versions", "POST"): {},
        ("api:assistant-latest", "POST"): {"version": 3},
    }
    return path, bodies.get((name, method))


# -- the admin ---------------------------------------------------------------------------------

ADMIN_PRINCIPALS = (
    "publisher_not_staff",
    "staff_norole",
    "staff_viewer",
    "staff_editor",
    "staff_publisher",
    "superuser",
)

#: A POST the admin took and acted on (302, the effect is in the database).
DONE = "done"
#: A POST the admin took but the service refused: 302 back with an error message, nothing changed.
REFUSED = "refused"

# Rows name a URL, or ``admin:<action>`` for a changelist action. The audit trail is readable by
# staff who may view assistants (AuditEntryAdmin.has_view_permission); API keys are managed by
# superusers only (no role holds an apikey permission). The publish and duplicate actions are
# offered to every staff user; the services refuse those without the right (REFUSED).
# fmt: off
ADMIN_TABLE: list[tuple[str, str, str | None, tuple[Outcome, ...]]] = [
    # what                                   method  effect       non-staff publisher, staff: norole viewer editor publisher, superuser
    ("admin:index",                           "GET",  None,        (AL,  200,     200,     200,     200,  200)),
    # The graph pages follow /graphs/'s rule: the viewer role reads graphs, staff status alone does not.
    ("admin:graphs_graph_list",               "GET",  None,        (AL,  403,     200,     200,     200,  200)),
    ("admin:graphs_graph_detail",             "GET",  None,        (AL,  403,     200,     200,     200,  200)),
    ("admin:assistants_assistant_changelist", "GET",  None,        (AL,  403,     200,     200,     200,  200)),
    ("admin:assistants_assistant_change",     "GET",  None,        (AL,  403,     200,     200,     200,  200)),
    ("admin:publish_newest_version",          "POST", "published", (AL,  403,     REFUSED, REFUSED, DONE, DONE)),
    ("admin:duplicate_assistants",            "POST", "created",   (AL,  403,     REFUSED, DONE,    DONE, DONE)),
    ("admin:assistants_assistant_delete",     "POST", "deleted",   (AL,  403,     403,     403,     DONE, DONE)),
    ("admin:assistants_auditentry_changelist", "GET", None,        (AL,  403,     200,     200,     200,  200)),
    ("admin:assistants_apikey_changelist",    "GET",  None,        (AL,  403,     403,     403,     403,  200)),
    ("admin:revoke_keys",                     "POST", "revoked",   (AL,  403,     403,     403,     403,  DONE)),
]
# fmt: on


# -- effects ---------------------------------------------------------------------------------------


def _effect_created(blog: Assistant, before: dict[str, Any]) -> None:
    assert Assistant.objects.count() == len(before["assistants"]) + 1
    assert Assistant.objects.get(pk=blog.pk).latest_version_number == 3


def _effect_drafted(blog: Assistant, before: dict[str, Any]) -> None:
    after = Assistant.objects.get(pk=blog.pk)
    assert (after.latest_version_number, after.version) == (4, 2)  # a draft: live pointer stays
    assert after.versions.get(version=4).note == "Saved in the matrix"


def _effect_live_save(blog: Assistant, before: dict[str, Any]) -> None:
    after = Assistant.objects.get(pk=blog.pk)
    assert (after.latest_version_number, after.version) == (4, 4)  # PATCH saves and publishes
    assert after.published_version.version == 4
    assert after.metadata == {"reviewed": True}


def _effect_published(blog: Assistant, before: dict[str, Any]) -> None:
    after = Assistant.objects.get(pk=blog.pk)
    assert (after.version, after.published_version.version) == (3, 3)
    assert after.latest_version_number == 3  # no new version


def _effect_restored(blog: Assistant, before: dict[str, Any]) -> None:
    after = Assistant.objects.get(pk=blog.pk)
    assert (after.latest_version_number, after.version) == (4, 2)
    assert after.versions.get(version=4).restored_from == 1


def _effect_deleted(blog: Assistant, before: dict[str, Any]) -> None:
    assert not Assistant.objects.filter(pk=blog.pk).exists()
    assert Assistant.objects.count() == len(before["assistants"]) - 1


def _effect_revoked(blog: Assistant, before: dict[str, Any]) -> None:
    assert db_snapshot()["revoked_keys"] == before["revoked_keys"] + 1


def _effect_ran(blog: Assistant, before: dict[str, Any]) -> None:
    assert Run.objects.filter(assistant=blog, created_by__isnull=False).count() == 1
    assert db_snapshot()["audit"] == before["audit"] + 1


def _effect_tested(blog: Assistant, before: dict[str, Any]) -> None:
    assert db_snapshot()["audit"] == before["audit"] + 1  # test_input.created/updated/deleted


def _effect_cancelled(blog: Assistant, before: dict[str, Any]) -> None:
    assert Run.objects.get(assistant=blog).status == Run.CANCELLED


EFFECTS: dict[str, Callable[[Assistant, dict[str, Any]], None]] = {
    "created": _effect_created,
    "drafted": _effect_drafted,
    "live_save": _effect_live_save,
    "published": _effect_published,
    "restored": _effect_restored,
    "deleted": _effect_deleted,
    "revoked": _effect_revoked,
    "ran": _effect_ran,
    "cancelled": _effect_cancelled,
    "tested": _effect_tested,
}


def _is_success(outcome: Outcome) -> bool:
    return outcome == DONE or (isinstance(outcome, int) and 200 <= outcome < 400)


def _check_effect(
    effect: str | None, outcome: Outcome, blog: Assistant, before: dict[str, Any]
) -> None:
    if effect is not None and _is_success(outcome):
        EFFECTS[effect](blog, before)
    else:
        assert db_snapshot() == before, "a refused or read-only request changed the database"


# -- the matrices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    effect: str | None
    principal: str
    expected: Outcome


def _cases(
    table: list[tuple[str, str, str | None, tuple[Outcome, ...]]],
    principals: tuple[str, ...],
    bugs: dict[tuple[str, str, str], str],
) -> list[Any]:
    cases = []
    for name, method, effect, outcomes in table:
        assert len(outcomes) == len(principals), f"{name} {method}: one cell per principal"
        for principal, expected in zip(principals, outcomes, strict=True):
            reason = bugs.get((name, method, principal))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(
                pytest.param(
                    Case(name, method, effect, principal, expected),
                    id=f"{method} {name} as {principal}",
                    marks=marks,
                )
            )
    return cases


def _assert_login_redirect(response: Any, url: str, login_url: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{login_url}?next={quote(url, safe='/')}"


@pytest.mark.parametrize("case", _cases(PAGE_TABLE, PAGE_PRINCIPALS, KNOWN_BUGS))
def test_pages_answer_each_principal_as_the_matrix_says(client_as, blog, case: Case) -> None:
    url = page_url(case.name, blog)
    client = client_as(case.principal)
    before = db_snapshot()

    method = case.method.lower()
    if method == "post":
        response = client.post(url, _page_data(case.name, blog))
    else:
        response = getattr(client, method)(url)

    if case.expected == LOGIN:
        _assert_login_redirect(response, url, reverse("login"))
    elif case.expected == ADMIN_LOGIN:
        _assert_login_redirect(response, url, reverse("admin:login"))
    else:
        assert response.status_code == case.expected, response.content[:500]
    _check_effect(case.effect, case.expected, blog, before)


@pytest.mark.parametrize("case", _cases(API_TABLE, API_PRINCIPALS, KNOWN_BUGS))
def test_the_api_answers_each_principal_as_the_matrix_says(client_as, blog, case: Case) -> None:
    path, body = _api_request(case.name, case.method, blog)
    client = client_as(case.principal)
    before = db_snapshot()

    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, case.method.lower())(path, **kwargs)

    assert response.status_code == case.expected, response.content[:500]
    if response.status_code == 204:
        assert response.content == b""
    else:
        assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        error = response.json()
        assert set(error) == {"detail"} and isinstance(error["detail"], str) and error["detail"]
    if case.principal == "anonymous" and case.expected == 401:
        assert response.json() == {"detail": NOT_AUTHENTICATED}
    _check_effect(case.effect, case.expected, blog, before)


# -- coverage of the URL configuration -----------------------------------------------------------------


def _patterns(module: Any, attribute: str = "urlpatterns") -> list[URLPattern]:
    patterns = list(getattr(module, attribute))
    nested = [p for p in patterns if not isinstance(p, URLPattern)]
    assert not nested, f"{module.__name__} includes other URLconfs; add their rows: {nested}"
    return patterns


def test_the_matrix_covers_every_url_pattern() -> None:
    from assistants import urls as page_urls
    from assistants.api import urls as api_urls
    from graphs import urls as graph_urls

    pages = {f"assistants:{p.name}" for p in _patterns(page_urls)}
    pages |= {f"graphs:{p.name}" for p in _patterns(graph_urls)}
    in_table = {name for name, *_ in PAGE_TABLE}
    assert pages - in_table == set(), "pages missing from PAGE_TABLE"

    endpoints = set()
    for pattern in _patterns(api_urls) + _patterns(api_urls, "fallback_urlpatterns"):
        actions = getattr(pattern.callback, "actions", None) or {"get": None}
        # DRF's router answers HEAD wherever it answers GET, through the same checks.
        methods = {m for m in actions if not (m == "head" and "get" in actions)}
        endpoints |= {(f"api:{pattern.name}", method.upper()) for method in methods}
    assert endpoints == {(name, method) for name, method, *_ in API_TABLE}


def test_the_root_urlconf_mounts_only_known_routes() -> None:
    """A new top-level route in studio/urls.py needs a row (or a reason to have none)."""
    from studio import urls as root

    known = {
        "admin/",
        "accounts/",
        "",  # the API, then the pages
        "openapi.json",
        "api/docs/",
        "graphs/",
        "^assistants(?:/.*)?$",
        "favicon.ico",  # a redirect to the static icon, for anyone: no data behind it
    }
    assert {str(p.pattern) for p in root.urlpatterns} == known


METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def test_every_method_a_page_answers_is_in_the_matrix(superuser_client: Client, blog) -> None:
    """A superuser passes every role check, so any answer but 405 means the view takes the method."""
    rows = {(name, method) for name, method, *_ in PAGE_TABLE}
    answered = set()
    for name in {name for name, *_ in PAGE_TABLE if name.startswith(("assistants:", "graphs:"))}:
        url = page_url(name, blog)
        for method in METHODS:
            if getattr(superuser_client, method)(url).status_code != 405:
                answered.add((name, method.upper()))
    assert answered - rows == set()


def test_every_method_an_api_path_answers_is_in_the_matrix(client_as, blog) -> None:
    client = client_as("write_key")
    rows = {(name, method) for name, method, *_ in API_TABLE}
    answered = set()
    for name in {name for name, *_ in API_TABLE if name != "api:assistant-unknown"}:
        path, _ = _api_request(name, "GET", blog)
        for method in METHODS:
            if method in ("head", "options"):
                continue  # DRF answers HEAD like GET; OPTIONS is a JSON 405 (checked below)
            if getattr(client, method)(path, content_type="application/json").status_code != 405:
                answered.add((name, method.upper()))
    assert answered - rows == set()
    assert client.options(reverse("api:assistant-list")).status_code == 405


def _admin_request(name: str, blog: Assistant) -> tuple[str, dict[str, Any]]:
    from assistants.models import ApiKey

    changelist = reverse("admin:assistants_assistant_changelist")
    selected = {"_selected_action": [str(blog.pk)]}
    key = ApiKey.objects.filter(revoked_at__isnull=True).first()
    assert key is not None
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "admin:publish_newest_version": (
            changelist,
            {"action": "publish_newest_version", **selected},
        ),
        "admin:duplicate_assistants": (changelist, {"action": "duplicate_assistants", **selected}),
        "admin:assistants_assistant_change": (
            reverse("admin:assistants_assistant_change", args=[blog.pk]),
            {},
        ),
        "admin:assistants_assistant_delete": (
            reverse("admin:assistants_assistant_delete", args=[blog.pk]),
            {"post": "yes"},
        ),
        "admin:graphs_graph_detail": (reverse("admin:graphs_graph_detail", args=["writer"]), {}),
        "admin:revoke_keys": (
            reverse("admin:assistants_apikey_changelist"),
            {"action": "revoke_keys", "_selected_action": [str(key.pk)]},
        ),
    }
    return requests.get(name) or (reverse(name), {})


@pytest.fixture
def admin_as(db, make_user, superuser) -> Callable[[str], Client]:
    def make(principal: str) -> Client:
        client = Client()
        if principal == "superuser":
            client.force_login(superuser)
        elif principal == "publisher_not_staff":
            client.force_login(make_user("plain-publisher", "publisher"))
        else:
            role = principal.removeprefix("staff_")
            roles = () if role == "norole" else (role,)
            client.force_login(make_user(principal, *roles, is_staff=True))
        return client

    return make


@pytest.mark.parametrize("case", _cases(ADMIN_TABLE, ADMIN_PRINCIPALS, KNOWN_BUGS))
def test_the_admin_answers_each_principal_as_the_matrix_says(
    admin_as, blog, keys, case: Case
) -> None:
    url, data = _admin_request(case.name, blog)
    client = admin_as(case.principal)
    before = db_snapshot()

    response = client.post(url, data) if case.method == "POST" else client.get(url)

    if case.expected == ADMIN_LOGIN:
        _assert_login_redirect(response, url, reverse("admin:login"))
    elif case.expected in (DONE, REFUSED):
        assert response.status_code == 302, response.content[:500]
        shown = client.get(response["Location"]).content.decode()
        if case.expected == REFUSED:
            assert "You may not" in shown  # the service's refusal, shown as an admin message
    else:
        assert response.status_code == case.expected, response.content[:500]
    _check_effect(case.effect, case.expected, blog, before)


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_signing_in_never_redirects_to_another_site(editor, next_url) -> None:
    client = Client()
    response = client.post(
        reverse("login") + "?" + "next=" + quote(next_url, safe=""),
        {"username": editor.username, "password": "pw-for-tests-only", "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("principal", "expected"),
    [("norole", 403), ("viewer", 403), ("editor", 200), ("publisher", 200), ("write_key", LOGIN)],
)
def test_the_rebase_page_with_a_passed_over_draft(client_as, blog, principal, expected) -> None:
    from assistants.actors import Actor
    from assistants.services import version_save

    version_save(  # an integration publishes v4 over the draft v3
        actor=Actor.system_actor(), assistant_id=blog.pk, name="Blog writer (API)", publish=True
    )
    url = reverse("assistants:assistant-rebase", args=[blog.pk])
    response = client_as(principal).get(url)
    if expected == LOGIN:
        _assert_login_redirect(response, url, reverse("login"))
    else:
        assert response.status_code == expected
