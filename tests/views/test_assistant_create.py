"""Creating an assistant from a graph: pick the graph, then a form pre-filled with its defaults."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assistants.models import Assistant
from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db

URL = reverse("assistants:assistant-create")


def writer_defaults(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "graph_id": "writer",
        "name": "Newsletter writer",
        "description": "Monthly newsletter",
        "ctx-system_prompt": "Write a {style} about {topic}.",
        "ctx-model": "anthropic/claude-sonnet-4-5",
        "ctx-model_other": "",
        "ctx-temperature": "0.7",
        "ctx-style": "blog",
        "ctx-max_length": "1200",
    }
    data.update(overrides)
    return data


def test_without_a_graph_the_page_lists_the_graphs_to_start_from(editor_client) -> None:
    response = editor_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "?graph=writer" in html and "?graph=researcher" in html
    broken = html.split("<code>broken</code>")[1].split("</li>")[0]
    assert "cannot be loaded" in broken and "?graph=broken" not in broken


def test_the_form_is_prefilled_with_the_graphs_defaults(editor_client) -> None:
    response = editor_client.get(URL, {"graph": "writer"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="graph_id" value="writer"' in html
    assert "You are a writer with a clear, friendly voice." in html  # the schema default prompt
    assert 'name="ctx-temperature" value="0.7"' in html
    assert '<option value="anthropic/claude-sonnet-4-5" selected>' in html
    assert 'hx-post="/assistant/fields/writer/validate/"' in html


def test_the_nested_and_list_fields_of_the_researcher_render(editor_client) -> None:
    html = editor_client.get(URL, {"graph": "researcher"}).content.decode()
    assert 'id="group-sources"' in html
    assert (
        'name="ctx-sources.allowed_domains" id="id_ctx-sources-allowed_domains_0" value="wikipedia.org"'
        in html
    )
    assert 'value="add::queries"' in html and 'value="remove:1:queries"' in html


def test_creating_stores_v1_published_and_redirects_to_it(editor_client, editor) -> None:
    response = editor_client.post(URL, writer_defaults(**{"ctx-temperature": "0.2"}))
    assistant = Assistant.objects.get(name="Newsletter writer")
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:assistant-detail", args=[assistant.pk])
    assert (assistant.version, assistant.latest_version_number, assistant.graph_id) == (
        1,
        1,
        "writer",
    )
    assert assistant.context["temperature"] == 0.2
    assert assistant.context["system_prompt"] == "Write a {style} about {topic}."
    assert assistant.versions.get().author == "user:eddie"
    page = editor_client.get(response["Location"]).content.decode()
    assert "Created “Newsletter writer”" in page


def test_an_invalid_form_answers_422_with_the_errors_beside_the_fields(editor_client) -> None:
    response = editor_client.post(URL, writer_defaults(name="", **{"ctx-temperature": "5"}))
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html
    temperature = html.split('id="field-temperature"')[1].split('id="field-style"')[0]
    assert "Must be at most 2 (got 5)." in temperature
    assert not Assistant.objects.exists()


def test_htmx_gets_the_form_partial_on_errors_and_a_client_redirect_on_success(
    editor_client,
) -> None:
    bad = editor_client.post(URL, writer_defaults(name=""), **HTMX)
    assert bad.status_code == 422
    assert bad.content.decode().lstrip().startswith('<div id="create-form"')
    good = editor_client.post(URL, writer_defaults(), **HTMX)
    assistant = Assistant.objects.get()
    assert good.status_code == 200
    assert good["HX-Redirect"] == reverse("assistants:assistant-detail", args=[assistant.pk])
    assert json.loads(good["HX-Trigger"]) == {"assistant-created": {}}


def test_a_row_action_rerenders_the_form_without_creating(editor_client) -> None:
    data = {
        "graph_id": "researcher",
        "name": "R",
        "ctx-queries": ["one", "two"],
        "ctx-sources.allowed_domains": ["a.org"],
        "_list_action": "remove:0:queries",
    }
    response = editor_client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="two"' in html and 'value="one"' not in html
    assert not Assistant.objects.exists()


def test_an_unknown_graph_is_a_404_and_a_broken_one_says_why(editor_client) -> None:
    assert editor_client.get(URL, {"graph": "nope"}).status_code == 404
    response = editor_client.get(URL, {"graph": "broken"})
    assert response.status_code == 200
    assert "cannot be loaded" in response.content.decode()
    assert "not_installed_yet" in response.content.decode()
