"""The OpenAPI document: valid, public, complete, and the offline Swagger UI page."""

from __future__ import annotations

import json
import re

import pytest
from django.http import HttpResponse
from openapi_spec_validator import validate

from tests.api.openapi_check import check_response, openapi_document

pytestmark = pytest.mark.django_db


def test_the_served_document_is_valid_openapi_3_1(anonymous_api):
    response = anonymous_api.get("/openapi.json")

    document = response.json()
    assert response.status_code == 200
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_served_document_is_the_one_responses_are_checked_against(anonymous_api):
    assert anonymous_api.get("/openapi.json").json() == openapi_document()


def test_the_document_lists_every_endpoint_of_the_contract():
    operations = {
        (method.upper(), path)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "delete", "put"}
    }

    assert operations == {
        ("POST", "/assistants"),
        ("POST", "/assistants/search"),
        ("POST", "/assistants/count"),
        ("GET", "/assistants/{assistant_id}"),
        ("PATCH", "/assistants/{assistant_id}"),
        ("DELETE", "/assistants/{assistant_id}"),
        ("POST", "/assistants/{assistant_id}/versions"),
        ("POST", "/assistants/{assistant_id}/latest"),
        ("GET", "/assistants/{assistant_id}/schemas"),
        ("GET", "/assistants/{assistant_id}/graph"),
        ("GET", "/assistants/{assistant_id}/subgraphs"),
        ("GET", "/assistants/{assistant_id}/subgraphs/{namespace}"),
    }


def test_the_document_describes_the_real_shapes():
    document = openapi_document()
    paths = document["paths"]
    schemas = document["components"]["schemas"]

    assert paths["/assistants/count"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"type": "integer"}
    assert "content" not in paths["/assistants/{assistant_id}"]["delete"]["responses"]["204"]
    assert set(paths["/assistants/search"]["post"]["responses"]["200"]["headers"]) == {
        "X-Pagination-Total",
        "X-Pagination-Next",
    }
    assert list(schemas["Assistant"]["properties"]) == [
        "assistant_id",
        "graph_id",
        "config",
        "context",
        "metadata",
        "name",
        "created_at",
        "updated_at",
        "version",
        "description",
    ]
    assert schemas["AssistantCreateRequest"]["additionalProperties"] is False
    assert (
        "we differ" in paths["/assistants/{assistant_id}/versions"]["post"]["description"].lower()
    )
    assert document["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": document["components"]["securitySchemes"]["ApiKeyAuth"]["description"],
    }


def test_the_conformance_check_refuses_an_undocumented_status():
    response = HttpResponse(
        json.dumps({"detail": "x"}), status=418, content_type="application/json"
    )

    with pytest.raises(AssertionError, match="does not list"):
        check_response("GET", "/assistants/tiny", response)


def test_the_conformance_check_refuses_a_body_of_the_wrong_shape():
    response = HttpResponse(
        json.dumps({"assistant_id": "not-a-uuid"}), status=200, content_type="application/json"
    )

    with pytest.raises(AssertionError, match="does not match"):
        check_response("GET", "/assistants/tiny", response)


def test_the_docs_page_is_served_offline_without_inline_script(anonymous_api):
    page = anonymous_api.get("/api/docs/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "https://" not in html and "http://" not in html
    assert re.search(r"<script>\s*\S", html) is None
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in scripts)
    for src in scripts:
        assert anonymous_api.get(src.replace("&amp;", "&")).status_code == 200


def test_the_docs_page_script_points_at_the_document(anonymous_api):
    script = anonymous_api.get("/api/docs/?script=")

    assert script.status_code == 200
    assert "/openapi.json" in script.content.decode()


def test_the_document_says_what_the_server_accepts_beyond_types():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    create = schemas["AssistantCreateRequest"]
    patch = schemas["AssistantPatchRequest"]

    # No string anywhere holds NUL (a recursive JSON value for the free-form objects).
    assert schemas["JsonValue"]["pattern"] == "^[^\\u0000]*$"
    assert create["properties"]["name"]["pattern"] == "^[^\\u0000]*$"
    assert create["properties"]["metadata"]["additionalProperties"] == {
        "$ref": "#/components/schemas/JsonValue"
    }
    # Writes name a graph that loads; each graph's context schema judges context/configurable.
    assert create["properties"]["graph_id"]["enum"] == ["factory", "tiny"]
    assert patch["properties"]["graph_id"]["enum"] == ["factory", "tiny", None]
    rules = {rule["if"]["properties"]["graph_id"]["const"]: rule for rule in create["allOf"][1:]}
    assert set(rules) == {"factory", "tiny"}
    assert rules["tiny"]["then"]["properties"]["context"]["anyOf"][1]["allOf"][0] == {
        "$ref": "#/components/schemas/Context.tiny"
    }
    assert "required" not in schemas["Context.tiny"]  # a context is an overlay on the defaults
    # context and config.configurable are never both given (a 400).
    assert create["allOf"][0]["not"]["required"] == ["context", "config"]
    # A path's assistant id is a UUID or a registered graph id.
    parameters = document["paths"]["/assistants/{assistant_id}"]["get"]["parameters"]
    [assistant_id] = [p for p in parameters if p["name"] == "assistant_id"]
    assert assistant_id["schema"] == {
        "anyOf": [
            {"type": "string", "format": "uuid"},
            {"type": "string", "enum": ["broken", "factory", "tiny"]},
        ]
    }


@pytest.mark.parametrize(
    "path",
    [
        "/assistants/tiny/subgraphs?recurse=maybe",
        "/assistants/tiny/subgraphs/child?recurse=1",
        "/assistants/tiny/graph?xray=%2B1",
    ],
)
def test_a_query_flag_that_is_not_a_boolean_is_a_422(api, path):
    response = api.get(path)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] in (["recurse"], ["xray"])


def test_delete_threads_must_be_a_boolean_and_nothing_is_deleted_otherwise(api, make_assistant):
    assistant = make_assistant()

    response = api.delete(f"/assistants/{assistant.pk}?delete_threads=yes")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["delete_threads"], "msg": "Invalid delete_threads value: must be true or false"}
    ]
    assert api.get(f"/assistants/{assistant.pk}").status_code == 200
