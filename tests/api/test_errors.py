"""Every failure is JSON ``{"detail": ...}``: bad bodies, sizes, media types, URLs and methods."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.test import APIClient

from assistants.api.exceptions import PayloadTooLarge
from assistants.api.parsers import LimitedJSONParser

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, raw: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", path, raw, content_type=content_type)


@pytest.mark.parametrize(
    "raw",
    [
        '{"graph_id": ',
        "not json",
        '{"graph_id": NaN}',
        '{"a": Infinity}',
        b"\xff\xfe{}",
        "[" * 100_000,
    ],
)
def test_a_body_that_is_not_json_is_a_422(api, raw):
    response = post_raw(api, "/assistants", raw)

    assert (response.status_code, response.json()) == (
        422,
        {"detail": "Invalid JSON in request body"},
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[]", "Invalid data. Expected a dictionary, but got list."),
        ('"x"', "Invalid data. Expected a dictionary, but got str."),
        ("null", "No data provided"),
    ],
)
def test_a_json_body_that_is_not_an_object_is_a_422(api, raw, message):
    response = post_raw(api, "/assistants/search", raw)

    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"Invalid request: body: {message}", "errors": [{"loc": [], "msg": message}]},
    )


def test_a_body_that_is_not_json_media_is_a_415(api):
    response = post_raw(api, "/assistants", "graph_id=tiny", "application/x-www-form-urlencoded")

    assert (response.status_code, response.json()) == (
        415,
        {"detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'},
    )


def test_an_oversized_body_is_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post("/assistants", {"graph_id": "tiny", "metadata": {"blob": "x" * 2000}})

    assert (response.status_code, response.json()) == (
        413,
        {"detail": "Request body is too large."},
    )


def test_an_oversized_body_is_refused_before_authentication(anonymous_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    response = post_raw(anonymous_api, "/assistants/search", json.dumps({"name": "x" * 20}))

    assert response.status_code == 413


def test_the_parser_stops_reading_one_byte_past_the_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8
    stream = io.BytesIO(b'{"a": "' + b"x" * 10_000 + b'"}')

    with pytest.raises(PayloadTooLarge):
        LimitedJSONParser().parse(stream)

    assert stream.tell() == 9


def test_a_body_at_the_limit_is_accepted(api, settings):
    body = json.dumps({"name": "x"})
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)

    assert post_raw(api, "/assistants/search", body).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/assistants/",
        "/assistants/tiny/nope",
        "/assistants/tiny/versions/1",
        "/assistants/a/b/c/d",
        "/assistantsx",
    ],
)
def test_an_unknown_url_under_assistants_is_a_json_404(api, path):
    response = api.get(path)

    if path == "/assistantsx":
        assert response.status_code == 404  # not the API's namespace: Django's own page
        return
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/assistants"),
        ("put", "/assistants/tiny"),
        ("post", "/assistants/tiny"),
        ("get", "/assistants/search"),
        ("get", "/assistants/count"),
        ("get", "/assistants/tiny/versions"),
        ("post", "/assistants/tiny/schemas"),
        ("delete", "/assistants/tiny/latest"),
        ("options", "/assistants"),
    ],
)
def test_a_wrong_method_is_a_json_405(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}


def test_nul_characters_anywhere_in_stored_json_are_a_422(api):
    response = api.post("/assistants", {"graph_id": "tiny", "metadata": {"a": ["ok", "bad\u0000"]}})

    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"loc": ["metadata"], "msg": "Must not contain NUL (\\u0000) characters (at a.1)."}],
    )


def test_nul_characters_in_a_name_are_a_422(api):
    response = api.post("/assistants", {"graph_id": "tiny", "name": "a\u0000b"})

    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"loc": ["name"], "msg": "Null characters are not allowed."}],
    )


def test_an_unexpected_error_is_a_json_500(keys, monkeypatch):
    from assistants.api import selectors

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "assistant_count", explode)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=keys.write)

    response = client.post("/assistants/count", {}, format="json")

    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})


def test_a_host_that_is_not_allowed_is_a_json_400_on_api_paths(db):
    # Refused before routing, so no operation of the OpenAPI document applies: a plain client.
    response = APIClient().get("/assistants/tiny", HTTP_HOST="evil.example")

    assert (response.status_code, response.json()) == (400, {"detail": "Bad Request"})


def test_a_host_that_is_not_allowed_keeps_the_html_400_on_pages(client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_error_raised_before_the_api_view_is_a_json_500(keys, monkeypatch):
    from assistants import startup

    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(startup, "ensure_default_assistants", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_X_API_KEY=keys.write)

    response = client.get("/assistants/tiny")

    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ('{"graph_id": "tiny", "name": "a\\ud83db"}', ["name"]),
        # The one body check names the exact place (a bad key shows as U+FFFD: JSON can't carry it).
        ('{"graph_id": "tiny", "metadata": {"k": ["\\udc00"]}}', ["metadata", "k", 0]),
        ('{"graph_id": "tiny", "context": {"\\ud83d": 1}}', ["context", "\ufffd"]),
    ],
)
def test_a_lone_surrogate_in_any_string_is_a_422_and_nothing_is_stored(api, body, loc):
    from assistants.models import Assistant

    response = api.post("/assistants", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == loc
    assert "surrogate" in response.json()["errors"][0]["msg"]
    assert not Assistant.objects.filter(versions__author__startswith="api-key:").exists()
