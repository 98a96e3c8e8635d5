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


# -- Unicode no database stores, and deep nesting: one check in the parser ------------------------

SURROGATE = "\ud83d"  # half of the pair that spells 😀
SURROGATE_MSG = (
    "Text must be valid Unicode: \\ud83d at character 1 is a lone UTF-16 surrogate "
    "(half of a pair), not a character."
)


def _raw(api: APIClient, method: str, path: str, body: object):
    # json.dumps escapes the surrogate as \ud83d, exactly what a client's JSON would say.
    return api.generic(method, path, json.dumps(body), content_type="application/json")


def _user_assistants() -> int:
    return Assistant.objects.exclude(metadata__created_by="system").count()


def _nothing_changed(blog: Assistant, assistants_before: int) -> None:
    assert _user_assistants() == assistants_before
    assert AssistantVersion.objects.filter(assistant=blog).count() == 1


def _where(blog: Assistant) -> dict[str, tuple[str, str, dict]]:
    bad = "x" + SURROGATE
    return {
        "create metadata": ("POST", "/assistants", {"graph_id": "writer", "metadata": {"k": bad}}),
        "create context": (
            "POST",
            "/assistants",
            {"graph_id": "writer", "context": {"system_prompt": bad}},
        ),
        "create config": (
            "POST",
            "/assistants",
            {"graph_id": "writer", "config": {"tags": ["a", bad]}},
        ),
        "create name": ("POST", "/assistants", {"graph_id": "writer", "name": bad}),
        "create description": ("POST", "/assistants", {"graph_id": "writer", "description": bad}),
        "patch metadata deep": (
            "PATCH",
            f"/assistants/{blog.pk}",
            {"metadata": {"a": [{"b": {"c": bad}}]}},
        ),
        "patch context": ("PATCH", f"/assistants/{blog.pk}", {"context": {"system_prompt": bad}}),
        "patch name": ("PATCH", f"/assistants/{blog.pk}", {"name": bad}),
        "search metadata": ("POST", "/assistants/search", {"metadata": {"k": bad}}),
        "search name": ("POST", "/assistants/search", {"name": bad}),
        "search graph_id": ("POST", "/assistants/search", {"graph_id": bad}),
        "count metadata": ("POST", "/assistants/count", {"metadata": {"k": [bad]}}),
        "versions metadata": ("POST", f"/assistants/{blog.pk}/versions", {"metadata": {"k": bad}}),
    }


LOCS = {
    "create metadata": ["metadata", "k"],
    "create context": ["context", "system_prompt"],
    "create config": ["config", "tags", 1],
    "create name": ["name"],
    "create description": ["description"],
    "patch metadata deep": ["metadata", "a", 0, "b", "c"],
    "patch context": ["context", "system_prompt"],
    "patch name": ["name"],
    "search metadata": ["metadata", "k"],
    "search name": ["name"],
    "search graph_id": ["graph_id"],
    "count metadata": ["metadata", "k", 0],
    "versions metadata": ["metadata", "k"],
}


@pytest.mark.parametrize("where", sorted(LOCS))
def test_a_lone_surrogate_anywhere_is_a_422_naming_the_field_and_nothing_is_stored(
    api, blog, where
):
    before = _user_assistants()
    method, path, body = _where(blog)[where]

    response = _raw(api, method, path, body)

    assert _json_error(response, 422)["errors"] == [{"loc": LOCS[where], "msg": SURROGATE_MSG}]
    _nothing_changed(blog, before)


@pytest.mark.parametrize("field", ["metadata", "context", "config"])
def test_a_lone_surrogate_in_a_key_is_a_422_naming_the_key(api, blog, field):
    before = _user_assistants()
    body = {"graph_id": "writer", field: {"ok": {SURROGATE + "key": 1}}}

    response = _raw(api, "POST", "/assistants", body)

    assert _json_error(response, 422)["errors"] == [
        {
            "loc": [field, "ok", "\ufffdkey"],
            "msg": "This key must be valid Unicode: \\ud83d at character 0 is a lone UTF-16 "
            "surrogate (half of a pair), not a character.",
        }
    ]
    _nothing_changed(blog, before)


@pytest.mark.parametrize(
    "body",
    [
        {"graph_id": "writer", "metadata": {"k": "a\x00b"}},
        {"graph_id": "writer", "metadata": {"k\x00": 1}},
        {"graph_id": "writer", "metadata": {"a": [{"b": ["\x00"]}]}},
        {"graph_id": "writer", "context": {"system_prompt": "\x00"}},
        {"graph_id": "writer", "config": {"configurable": {"system_prompt": "\x00"}}},
        {"graph_id": "writer", "config": {"tags": ["\x00"]}},
        {"graph_id": "writer", "name": "\x00"},
        {"graph_id": "writer", "description": "\x00"},
        {"graph_id": "writer\x00"},
    ],
    ids=lambda body: next(iter(k for k in body if k != "graph_id"), "graph_id"),
)
def test_nul_anywhere_in_a_create_is_a_422_on_every_database(api, blog, body):
    before = _user_assistants()

    errors = _json_error(_raw(api, "POST", "/assistants", body), 422)["errors"]

    assert errors and all("NUL" in e["msg"] or "Null characters" in e["msg"] for e in errors)
    _nothing_changed(blog, before)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/assistants/search", {"metadata": {"k": "\x00"}}),
        ("/assistants/search", {"metadata": {"\x00": 1}}),
        ("/assistants/search", {"name": "\x00"}),
        ("/assistants/search", {"graph_id": "\x00"}),
        ("/assistants/count", {"metadata": {"k": ["\x00"]}}),
        ("/assistants/count", {"name": "a\x00"}),
    ],
)
def test_nul_in_a_search_filter_is_a_422(api, path, body):
    errors = _json_error(_raw(api, "POST", path, body), 422)["errors"]
    assert errors and all("NUL" in e["msg"] or "Null characters" in e["msg"] for e in errors)


def test_nul_in_a_version_filter_or_patch_is_a_422(api, blog):
    before = _user_assistants()
    for method, path, body in [
        ("POST", f"/assistants/{blog.pk}/versions", {"metadata": {"k": "\x00"}}),
        ("PATCH", f"/assistants/{blog.pk}", {"metadata": {"k": "\x00"}}),
        ("PATCH", f"/assistants/{blog.pk}", {"context": {"system_prompt": "\x00"}}),
        ("PATCH", f"/assistants/{blog.pk}", {"name": "\x00"}),
    ]:
        _json_error(_raw(api, method, path, body), 422)
    _nothing_changed(blog, before)


GOOD_TEXT = {
    "emoji": "\U0001f600 \U0001f469\u200d\U0001f4bb",
    "rtl": "\u202eevil\u202c \u200fשלום\u200e",
    "combining": "e\u0301 a\u0308\u0308\u0308",
    "non-characters": "\ufdd0 \ufffe \uffff \U0010ffff",
    "replacement": "\ufffd",
    "bom": "\ufeffbom",
}


def test_unusual_but_valid_unicode_is_stored_and_returned_intact(api):
    metadata = {**GOOD_TEXT, **{f"key {v}": k for k, v in GOOD_TEXT.items()}}
    created = _raw(
        api,
        "POST",
        "/assistants",
        {
            "graph_id": "writer",
            "name": GOOD_TEXT["rtl"],
            "description": GOOD_TEXT["combining"],
            "metadata": metadata,
            "context": {"system_prompt": " ".join(GOOD_TEXT.values())},
        },
    )
    assert created.status_code == 200, created.content[:300]
    assistant_id = created.json()["assistant_id"]
    got = api.get(f"/assistants/{assistant_id}").json()
    assert (got["name"], got["description"], got["metadata"]) == (
        GOOD_TEXT["rtl"],
        GOOD_TEXT["combining"],
        metadata,
    )
    found = _raw(api, "POST", "/assistants/search", {"metadata": {"emoji": GOOD_TEXT["emoji"]}})
    assert [a["assistant_id"] for a in found.json()] == [assistant_id]


@pytest.mark.parametrize("depth", [65, 475, 999, 1500, 100_000])
@pytest.mark.parametrize("shape", ["objects", "arrays"])
def test_nesting_past_the_limit_is_a_422_naming_the_limit_at_any_depth(api, blog, depth, shape):
    inner = (
        '{"a": ' * depth + "1" + "}" * depth if shape == "objects" else "[" * depth + "]" * depth
    )
    before = _user_assistants()
    for method, path, body in [
        ("POST", "/assistants", '{"graph_id": "writer", "metadata": ' + inner + "}"),
        ("POST", "/assistants", '{"graph_id": "writer", "context": {"x": ' + inner + "}}"),
        ("POST", "/assistants", '{"graph_id": "writer", "config": ' + inner + "}"),
        ("PATCH", f"/assistants/{blog.pk}", '{"context": {"system_prompt": ' + inner + "}}"),
        ("POST", "/assistants/search", '{"metadata": {"a": ' + inner + "}}"),
        ("POST", "/assistants/count", '{"metadata": ' + inner + "}"),
        ("POST", f"/assistants/{blog.pk}/versions", '{"metadata": ' + inner + "}"),
    ]:
        response = api.generic(method, path, body, content_type="application/json")
        body_json = _json_error(response, 422)
        assert "nested deeper than 64 levels" in body_json["detail"], (path, body_json["detail"])
    _nothing_changed(blog, before)


def test_nesting_up_to_the_limit_is_accepted(api):
    depth = 62  # the body and "metadata" are two levels of the 64
    inner = '{"a": ' * depth + "1" + "}" * depth
    response = api.generic(
        "POST",
        "/assistants",
        '{"graph_id": "writer", "metadata": ' + inner + "}",
        content_type="application/json",
    )
    assert response.status_code == 200, response.content[:300]


@override_settings(STUDIO_MAX_JSON_DEPTH=8)
def test_the_nesting_limit_is_a_setting(api):
    inner = "[" * 8 + "]" * 8
    response = api.generic(
        "POST", "/assistants/search", '{"metadata": {"a": ' + inner + "}}", "application/json"
    )
    assert "nested deeper than 8 levels" in _json_error(response, 422)["detail"]
