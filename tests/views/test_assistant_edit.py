"""Editing: the generated form, saving a draft, errors beside fields, live validation and
summary, and the conflict when someone saved in between."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from tests.views.conftest import HTMX, PROMPT_V3, edit_data

pytestmark = pytest.mark.django_db


def url(assistant) -> str:
    return reverse("assistants:assistant-edit", args=[assistant.pk])


def snapshot(assistant) -> list[dict]:
    return list(AssistantVersion.objects.filter(assistant=assistant).order_by("version").values())


def test_the_form_opens_on_the_newest_version_and_remembers_it(editor_client, blog) -> None:
    response = editor_client.get(url(blog))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="hidden" name="base_version" value="3"' in html
    assert "Add a title." in html  # v3's prompt
    assert '<option value="openai/gpt-4o" selected>' in html
    assert 'name="ctx-temperature" value="0.5"' in html
    assert "Variables:" in html and "{style}" in html and "{topic}" in html
    changes = html.split('id="changes"')[1].split("</section>")[0]
    assert "Changes against the live v2" in changes and "<ins>openai/gpt-4o</ins>" in changes


def test_saving_creates_a_draft_and_leaves_what_is_live_alone(editor_client, blog) -> None:
    before = snapshot(blog)
    data = edit_data(
        blog,
        note="Warmer",
        **{
            "ctx-temperature": "0.9",
            "ctx-model": "__other__",
            "ctx-model_other": "ollama/llama3.1",
        },
    )
    response = editor_client.post(url(blog), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:assistant-detail", args=[blog.pk])
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number) == (2, 4)
    v4 = blog.versions.get(version=4)
    assert v4.context == {
        "system_prompt": PROMPT_V3,
        "model": "ollama/llama3.1",
        "temperature": 0.9,
    }
    assert (v4.note, v4.author) == ("Warmer", "user:eddie")
    assert snapshot(blog)[:3] == before  # older versions untouched
    assert "Saved draft v4" in editor_client.get(response["Location"]).content.decode()


def test_defaults_the_assistant_never_set_are_not_written_into_the_draft(
    editor_client, blog
) -> None:
    editor_client.post(url(blog), edit_data(blog, **{"ctx-temperature": "0.4"}))
    context = Assistant.objects.get(pk=blog.pk).versions.get(version=4).context
    assert "style" not in context and "max_length" not in context


def test_an_invalid_value_answers_422_with_the_message_beside_its_field(
    editor_client, blog
) -> None:
    response = editor_client.post(
        url(blog), edit_data(blog, **{"ctx-temperature": "5", "ctx-max_length": "0"})
    )
    assert response.status_code == 422
    html = response.content.decode()
    temperature = html.split('id="field-temperature"')[1].split('id="field-style"')[0]
    assert "Must be at most 2 (got 5)." in temperature
    assert 'aria-invalid="true"' in temperature
    assert "Must be at least 1 (got 0)." in html.split('id="field-max_length"')[1]
    assert 'name="ctx-temperature" value="5"' in html  # the input is kept
    assert Assistant.objects.get(pk=blog.pk).latest_version_number == 3


def test_htmx_save_redirects_on_the_client_and_fires_version_saved(editor_client, blog) -> None:
    response = editor_client.post(url(blog), edit_data(blog, note="via htmx"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("assistants:assistant-detail", args=[blog.pk])
    assert json.loads(response["HX-Trigger"]) == {"version-saved": {}}


def test_htmx_errors_come_back_as_the_form_partial(editor_client, blog) -> None:
    response = editor_client.post(url(blog), edit_data(blog, name=""), **HTMX)
    assert response.status_code == 422
    html = response.content.decode().lstrip()
    assert html.startswith('<div id="edit-form"') and "<html" not in html
    assert "This field is required." in html


def test_an_htmx_get_returns_the_form_partial(editor_client, blog) -> None:
    html = editor_client.get(url(blog), **HTMX).content.decode().lstrip()
    assert html.startswith('<div id="edit-form"') and "<html" not in html


# -- conflicts -------------------------------------------------------------------------------------


def test_a_save_based_on_an_outdated_version_shows_the_conflict_and_keeps_the_input(
    editor_client, blog, publisher
) -> None:
    data = edit_data(
        blog,
        note="mine",
        **{"ctx-system_prompt": "My own prompt about {topic}.", "ctx-temperature": "1.1"},
    )
    services.version_save(  # someone else saves v4 meanwhile
        actor=Actor(user=publisher),
        assistant_id=blog.pk,
        base_version=3,
        note="theirs",
        context={
            "system_prompt": "Their prompt about {topic}.",
            "model": "openai/gpt-4o",
            "temperature": 0.5,
        },
    )
    before = snapshot(blog)
    response = editor_client.post(url(blog), data)
    assert response.status_code == 409
    html = response.content.decode()
    conflict = html.split('id="conflict"')[1].split('<div class="editor__grid">')[0]
    assert "Someone saved v4 while you were editing" in conflict
    assert "pat" in conflict and "theirs" in conflict and "Nothing was saved" in conflict
    assert "<del>Their</del><ins>My own</ins> prompt about {topic}." in conflict
    assert "My own prompt about {topic}." in html.split('id="field-system_prompt"')[1]  # input kept
    assert 'name="ctx-temperature" value="1.1"' in html
    assert '<input type="hidden" name="base_version" value="4"' in html  # rebased on what they saw
    assert snapshot(blog) == before  # nothing written
    again = editor_client.post(url(blog), {**data, "base_version": 4})
    assert again.status_code == 302
    assert (
        Assistant.objects.get(pk=blog.pk).versions.get(version=5).context["system_prompt"]
        == "My own prompt about {topic}."
    )


def test_an_htmx_conflict_returns_the_form_partial_with_409(editor_client, blog, publisher) -> None:
    services.version_save(
        actor=Actor(user=publisher),
        assistant_id=blog.pk,
        base_version=3,
        context={"temperature": 1.0},
    )
    response = editor_client.post(url(blog), edit_data(blog, base_version=3), **HTMX)
    assert response.status_code == 409
    assert response.content.decode().lstrip().startswith('<div id="edit-form"')


# -- rows, live validation, live summary -----------------------------------------------------------


def researcher(db) -> Assistant:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(),
        graph_id="researcher",
        name="Research",
        context={"queries": ["alpha", "beta", "gamma"]},
    )
    return assistant


def test_row_buttons_work_without_javascript_and_save_nothing(editor_client, db) -> None:
    assistant = researcher(db)
    data = {
        "name": "Research",
        "base_version": 1,
        "ctx-queries": ["alpha", "beta", "gamma"],
        "ctx-sources.allowed_domains": ["wikipedia.org"],
        "ctx-cite_sources": "on",
        "ctx-summary_prompt": "S {question}",
        "ctx-reviewer_model": "openai/gpt-4o-mini",
        "ctx-max_sources": "5",
    }
    moved = editor_client.post(
        url(assistant), {**data, "_list_action": "up:2:queries"}
    ).content.decode()
    rows = moved.split('id="field-queries"')[1].split("</ol>")[0]
    assert rows.index('value="gamma"') < rows.index('value="beta"')
    added = editor_client.post(
        url(assistant), {**data, "_list_action": "add::queries"}
    ).content.decode()
    assert 'id="id_ctx-queries_3" value="" autofocus' in added
    assert Assistant.objects.get(pk=assistant.pk).latest_version_number == 1


def test_the_validate_endpoint_answers_the_field_partial_with_its_error(
    editor_client, blog
) -> None:
    endpoint = reverse("assistants:field-validate", args=["writer"])
    response = editor_client.post(
        endpoint, {**edit_data(blog, **{"ctx-temperature": "5"}), "_field": "temperature"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode().lstrip()
    assert html.startswith('<div class="field field--number field--invalid" id="field-temperature"')
    assert "Must be at most 2 (got 5)." in html
    assert json.loads(response["HX-Trigger"]) == {"context-changed": {}}
    ok = editor_client.post(endpoint, {**edit_data(blog), "_field": "temperature"}, **HTMX)
    assert ok.status_code == 200 and "errors" not in ok.content.decode()


def test_the_validate_endpoint_lists_and_judges_prompt_variables(editor_client, blog) -> None:
    endpoint = reverse("assistants:field-validate", args=["writer"])
    data = {
        **edit_data(blog, **{"ctx-system_prompt": "About {topic} for {audience}"}),
        "_field": "system_prompt",
    }
    html = editor_client.post(endpoint, data, **HTMX).content.decode()
    assert '<code class="var">{topic}</code>' in html
    assert '<code class="var var--unknown">{audience}</code>' in html
    assert "The graph does not fill in <code>{audience}</code>" in html


def test_the_validate_endpoint_applies_row_actions(editor_client, db) -> None:
    endpoint = reverse("assistants:field-validate", args=["researcher"])
    data = {"ctx-queries": ["a", "b"], "_field": "queries", "_list_action": "remove:0:queries"}
    html = editor_client.post(endpoint, data, **HTMX).content.decode()
    assert 'value="b"' in html and 'value="a"' not in html


def test_the_validate_endpoint_refuses_unknown_fields_and_graphs(editor_client) -> None:
    assert (
        editor_client.post(
            reverse("assistants:field-validate", args=["writer"]), {"_field": "nope"}
        ).status_code
        == 400
    )
    assert (
        editor_client.post(
            reverse("assistants:field-validate", args=["broken"]), {"_field": "x"}
        ).status_code
        == 400
    )
    assert (
        editor_client.post(
            reverse("assistants:field-validate", args=["missing"]), {"_field": "x"}
        ).status_code
        == 400
    )


def test_the_live_summary_compares_the_input_with_what_is_live(editor_client, blog) -> None:
    endpoint = reverse("assistants:assistant-changes", args=[blog.pk])
    data = edit_data(
        blog,
        **{
            "ctx-model": "anthropic/claude-sonnet-4-5",
            "ctx-temperature": "0.6",
            "ctx-system_prompt": "New words.",
        },
    )
    response = editor_client.post(endpoint, data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode().lstrip()
    assert html.startswith('<section id="changes"')
    # The prompt is diffed word by word: the new words are an insertion, the "." is shared.
    assert "System Prompt" in html
    assert "<ins>New words</ins>." in html
    assert "Model" not in html and "Temperature" not in html  # same as live v2


# -- values the schema does not know, graphs that fail -----------------------------------------------


def test_values_not_in_the_schema_are_shown_and_must_be_dropped_to_save(editor_client, db) -> None:
    # Stored by an older version of the studio: the writer's dataclass context cannot take
    # old_knob (every run would fail), so saving asks to drop it (issue 10, unknown keys).
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="writer", name="Legacy", context={"temperature": 0.3}
    )
    legacy = {"temperature": 0.3, "old_knob": [1, 2]}
    Assistant.objects.filter(pk=assistant.pk).update(context=legacy)
    versions = AssistantVersion.objects.filter(assistant=assistant)
    QuerySet.update(versions, context=legacy)  # past the immutability guard: data from before
    html = editor_client.get(url(assistant)).content.decode()
    assert "not in the current schema" in html and "old_knob" in html
    data = edit_data(assistant, **{"ctx-temperature": "0.4"})
    refused = editor_client.post(url(assistant), data)
    assert refused.status_code == 422
    assert "Not a field of this graph&#x27;s schema." in refused.content.decode()
    response = editor_client.post(url(assistant), {**data, "_drop": "old_knob"})
    assert response.status_code == 302
    assert assistant.versions.get(version=2).context == {"temperature": 0.4}


def test_a_broken_graph_disables_editing_with_a_clear_message(editor_client, db) -> None:
    # Stored while the graph still loaded: creating one on a broken graph is refused (424).
    fields = {"graph_id": "broken", "name": "Stuck", "description": None}
    fields |= {"metadata": {}, "config": {}, "context": {}}
    assistant = services.insert_assistant(
        pk=uuid.uuid4(), fields=fields, actor=Actor.system_actor(), note=""
    )
    page = editor_client.get(url(assistant))
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "Editing is disabled" in html
        and "not_installed_yet" in html
        and '<form method="post" action="/assistant/' not in html
    )
    response = editor_client.post(url(assistant), {"name": "x", "base_version": 1})
    assert response.status_code == 409
    assert Assistant.objects.get(pk=assistant.pk).latest_version_number == 1
    detail = editor_client.get(reverse("assistants:assistant-detail", args=[assistant.pk]))
    assert detail.status_code == 200
    assert (
        "cannot be loaded" in detail.content.decode() and "Edit</a>" not in detail.content.decode()
    )
