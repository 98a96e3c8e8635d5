"""Hand-written hostile inputs: each gets a clear 4xx JSON answer (or is stored intact), never a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from graphs.registry import reset_registry

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def api(db) -> APIClient:
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="hostile")
    return APIClient(HTTP_X_API_KEY=raw)


def _post(api: APIClient, body: bytes | str, content_type: str = "application/json"):
    return api.generic("POST", "/assistants", body, content_type=content_type)


def _json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_an_oversized_body_is_a_413_with_a_json_detail(api):
    body = json.dumps({"graph_id": "writer", "metadata": {"blob": "x" * 3_000_000}})
    assert _json_error(_post(api, body), 413) == {"detail": "Request body is too large."}
    assert not Assistant.objects.exclude(metadata__created_by="system").exists()


def test_deeply_nested_json_is_refused_cleanly(api):
    body = '{"graph_id": "writer", "metadata": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    _json_error(_post(api, body), 422)


def test_non_utf8_bytes_are_refused_cleanly(api):
    _json_error(_post(api, b'\xff\xfe{"graph_id": "\xc3\x28"}'), 422)


def test_a_body_that_is_not_json_is_refused_cleanly(api):
    assert _json_error(_post(api, "{graph_id: writer"), 422) == {
        "detail": "Invalid JSON in request body"
    }


def test_a_wrong_content_type_is_a_415(api):
    _json_error(_post(api, '{"graph_id": "writer"}', "text/plain"), 415)


def test_a_one_megabyte_prompt_is_stored_and_returned_intact(api):
    prompt = ("Write about {topic}. " * 60_000)[:1_000_000]
    created = _post(api, json.dumps({"graph_id": "writer", "context": {"system_prompt": prompt}}))
    assert created.status_code == 200
    assistant_id = created.json()["assistant_id"]
    fetched = api.get(f"/assistants/{assistant_id}").json()
    assert fetched["context"]["system_prompt"] == prompt
    assert (
        len(AssistantVersion.objects.get(assistant_id=assistant_id).context["system_prompt"])
        == 1_000_000
    )


def test_an_unknown_graph_id_is_a_404_naming_the_graphs_that_exist(api):
    body = _json_error(_post(api, json.dumps({"graph_id": "no-such-graph"})), 404)
    assert body == {
        "detail": "Graph 'no-such-graph' not found. Expected one of: ['researcher', 'writer']"
    }


@pytest.fixture
def blog(db) -> Assistant:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(),
        graph_id="writer",
        name="Blog",
        context={"style": "tweet", "temperature": 0.4},
    )
    return assistant


def test_a_graph_whose_module_now_fails_to_import_still_serves_reads_and_refuses_writes_clearly(
    api, blog
):
    with override_settings(STUDIO_GRAPHS_FILE=FIXTURES / "broken_writer.json"):
        reset_registry()
        got = api.get(f"/assistants/{blog.pk}")
        assert got.status_code == 200 and got.json()["context"] == {
            "style": "tweet",
            "temperature": 0.4,
        }
        assert (
            api.post("/assistants/search", {"graph_id": "writer"}, format="json").status_code == 200
        )
        patched = api.patch(
            f"/assistants/{blog.pk}", {"context": {"temperature": 0.1}}, format="json"
        )
        body = _json_error(patched, 424)
        assert "Graph 'writer' failed to load" in body["detail"]
        assert "module_that_does_not_exist" in body["detail"]
        schemas = api.get(f"/assistants/{blog.pk}/schemas")
        assert 400 <= schemas.status_code < 500
        assert "writer" in schemas.json()["detail"]
        # the other graph is unaffected
        assert _post(api, json.dumps({"graph_id": "researcher"})).status_code == 200
    assert AssistantVersion.objects.filter(assistant=blog).count() == 1


def test_a_schema_that_changed_under_existing_versions_keeps_them_readable_and_judges_only_new_input(
    api, blog
):
    with override_settings(STUDIO_GRAPHS_FILE=FIXTURES / "changed_schema.json"):
        reset_registry()
        assert api.get(f"/assistants/{blog.pk}").json()["context"] == {
            "style": "tweet",
            "temperature": 0.4,
        }
        # a change that leaves the context alone is fine, and the old context is kept, not dropped
        renamed = api.patch(f"/assistants/{blog.pk}", {"name": "Blog v2"}, format="json")
        assert renamed.status_code == 200
        assert renamed.json()["context"] == {"style": "tweet", "temperature": 0.4}
        # new input is judged by the new schema, field by field
        stale = api.patch(f"/assistants/{blog.pk}", {"context": {"style": "blog"}}, format="json")
        body = _json_error(stale, 422)
        assert [error["loc"] for error in body["errors"]] == [["context", "style"]]
        fresh = api.patch(
            f"/assistants/{blog.pk}", {"context": {"audience": "managers"}}, format="json"
        )
        assert fresh.status_code == 200 and fresh.json()["version"] == 3
        schema = api.get(f"/assistants/{blog.pk}/schemas").json()["context_schema"]
        assert set(schema["properties"]) == {"system_prompt", "temperature", "audience"}


@pytest.mark.parametrize(
    "number",
    ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"],
    ids=["huge", "-huge", "nan", "inf", "-inf"],
)
def test_numbers_json_cannot_store_are_refused_on_create_and_patch(api, blog, number):
    created = _post(api, '{"graph_id": "writer", "metadata": {"x": ' + number + "}}")
    _json_error(created, 422)
    patched = api.generic(
        "PATCH",
        f"/assistants/{blog.pk}",
        '{"metadata": {"x": ' + number + "}}",
        content_type="application/json",
    )
    _json_error(patched, 422)
    assert (
        Assistant.objects.count()
        == 1 + Assistant.objects.filter(metadata__created_by="system").count()
    )
    assert AssistantVersion.objects.filter(assistant=blog).count() == 1


def test_a_very_long_integer_is_stored_or_refused_but_never_a_server_error(api):
    response = _post(api, '{"graph_id": "writer", "metadata": {"x": ' + "9" * 400 + "}}")
    assert response.status_code in (200, 422), response.content[:300]
