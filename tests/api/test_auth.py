"""Who may call what: API keys (none, unknown, revoked, read-only, read-write) and sessions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assistants.models import ApiKey, Assistant

pytestmark = pytest.mark.django_db

ID = "55555555-5555-5555-5555-555555555555"

READS = [
    ("get", f"/assistants/{ID}", None),
    ("get", "/assistants/tiny", None),
    ("post", "/assistants/search", {}),
    ("post", "/assistants/count", {}),
    ("post", f"/assistants/{ID}/versions", {}),
    ("get", f"/assistants/{ID}/schemas", None),
    ("get", f"/assistants/{ID}/graph", None),
    ("get", f"/assistants/{ID}/subgraphs", None),
    ("get", f"/assistants/{ID}/subgraphs/child", None),
]
WRITES = [
    ("post", "/assistants", {"graph_id": "tiny"}),
    ("patch", f"/assistants/{ID}", {"name": "changed"}),
    ("post", f"/assistants/{ID}/latest", {"version": 1}),
    ("delete", f"/assistants/{ID}", None),
]
ALL = READS + WRITES


@pytest.fixture
def target(make_assistant):
    return make_assistant(assistant_id=ID)


def call(client, method, path, body):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_without_credentials_every_endpoint_is_a_401(anonymous_api, target, method, path, body):
    response = call(anonymous_api, method, path, body)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: send a valid API key in the X-Api-Key header."
    }
    assert response["WWW-Authenticate"] == "X-Api-Key"


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_an_unknown_key_is_a_401(api_client_for, target, method, path, body):
    response = call(api_client_for("sk-studio-not-a-real-key"), method, path, body)

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid API key."})


def test_a_blank_key_is_a_401(api_client_for, target):
    response = api_client_for("  ").get(f"/assistants/{ID}")

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid API key."})


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_revoked_key_is_a_401(api_client_for, keys, target, method, path, body):
    response = call(api_client_for(keys.revoked), method, path, body)

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "This API key has been revoked."},
    )


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_read_only_key_may_read_including_the_post_reads(
    read_only_api, target, method, path, body
):
    response = call(read_only_api, method, path, body)

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_key_writing_is_a_403_and_changes_nothing(
    read_only_api, target, method, path, body
):
    response = call(read_only_api, method, path, body)

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This API key is read-only."},
    )
    assert Assistant.objects.get(pk=ID).latest_version_number == 1
    assert Assistant.objects.count() == 4  # the target and the three default assistants


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_read_write_key_may_call_everything(api, target, method, path, body):
    response = call(api, method, path, body)

    assert response.status_code in (200, 204)


def test_a_key_records_when_it_was_last_used(api, keys, target):
    ApiKey.objects.update(last_used_at=None)

    api.get(f"/assistants/{ID}")

    key = ApiKey.objects.get(name="integration")
    assert (timezone.now() - key.last_used_at).total_seconds() < 60


# -- sessions --------------------------------------------------------------------------------------


@pytest.fixture
def session_for(api_client_for):
    def make(user):
        client = api_client_for()
        client.force_login(user)
        return client

    return make


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_signed_in_viewer_may_read(session_for, viewer, target, method, path, body):
    assert call(session_for(viewer), method, path, body).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_signed_in_user_without_a_role_gets_a_403_everywhere(
    session_for, make_user, target, method, path, body
):
    response = call(session_for(make_user("nora")), method, path, body)

    assert response.status_code == 403
    assert response.json()["detail"] in (
        "You do not have permission to view assistants.",
        "You do not have permission to change assistants.",
    )


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_signed_in_viewer_writing_is_a_403(session_for, viewer, target, method, path, body):
    response = call(session_for(viewer), method, path, body)

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to change assistants."},
    )


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_a_signed_in_publisher_may_call_everything(
    session_for, publisher, target, method, path, body
):
    assert call(session_for(publisher), method, path, body).status_code in (200, 204)


def test_a_signed_in_editor_may_create_but_not_publish_through_patch(session_for, editor, target):
    client = session_for(editor)

    created = client.post("/assistants", {"graph_id": "tiny"})
    patched = client.patch(f"/assistants/{ID}", {"name": "x"})

    assert created.status_code == 200
    assert (patched.status_code, patched.json()) == (
        403,
        {"detail": "You may not publish assistants."},
    )


def test_a_session_write_needs_the_csrf_token(api_client_for, publisher, target):
    client = api_client_for(enforce_csrf_checks=True)
    client.force_login(publisher)

    client.get("/admin/login/")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    refused = client.post("/assistants", {"graph_id": "tiny"})
    accepted = client.post("/assistants", {"graph_id": "tiny"}, HTTP_X_CSRFTOKEN=token)

    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "CSRF Failed: CSRF token missing."},
    )
    assert accepted.status_code == 200


def test_a_key_wins_over_a_session(api_client_for, keys, viewer, target):
    client = api_client_for(keys.write)
    client.force_login(viewer)

    assert client.patch(f"/assistants/{ID}", {"name": "x"}).status_code == 200


# -- public documents ------------------------------------------------------------------------------


def test_the_openapi_document_needs_no_key_even_with_a_bad_one(api_client_for):
    assert api_client_for().get("/openapi.json").status_code == 200
    assert api_client_for("bad-key").get("/openapi.json").status_code == 200
