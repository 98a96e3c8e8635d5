"""Prompt variables: a declared contract, the default prompt, then the heuristic.

The graphs are shaped like public templates (``fixtures/prompt_templates``): LangChain's
react-agent (a dataclass context whose default prompt holds ``{system_time}``, filled in code)
and a Pydantic context that declares its prompt's variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from graphs.forms import ContextForm
from graphs.prompts import (
    VariableContract,
    context_prompt_changes,
    known_prompt_variables,
    prompt_field_schemas,
    prompt_variable_changes,
    prompt_variables,
)
from graphs.registry import Registry, get_registry, reset_registry
from graphs.schemas import graph_context_schema

TEMPLATES_FILE = Path(__file__).parent / "fixtures" / "prompt_templates" / "langgraph.json"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def templates() -> Iterator[Registry]:
    with override_settings(STUDIO_GRAPHS_FILE=TEMPLATES_FILE):
        reset_registry()
        yield get_registry()
    reset_registry()


def form_for(registry: Registry, graph_id: str, prompt: str | None = None) -> ContextForm:
    spec = registry.get(graph_id)
    data = None
    if prompt is not None:
        from django.http import QueryDict

        data = QueryDict(mutable=True)
        data["ctx-system_prompt"] = prompt
    return ContextForm(
        data,
        schema=graph_context_schema(spec),
        context={},
        known_variables=known_prompt_variables(spec),
    )


# -- reading variables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Time: {system_time}", ["system_time"]),
        ('Reply as JSON: {"answer": "...", "sources": []}', []),
        ('Reply as JSON: {{"answer": "{topic}"}}', ["topic"]),
        ("Literal {{braces}} and {{{wrapped}}}", ["wrapped"]),
        ("{user.name} reads {items[0]} {0} {name!r:>10}", ["user", "items", "name"]),
        ("A lone } brace, then {style}", ["style"]),
        ("", []),
        (None, []),
    ],
)
def test_prompt_variables_read_prompts_as_format_strings(text: Any, names: list[str]) -> None:
    assert prompt_variables(text) == names


# -- the react-agent shape: a default prompt filled in code ------------------------------------------


def test_the_default_prompt_of_a_react_agent_raises_no_warning(templates: Registry) -> None:
    form = form_for(templates, "react")
    bound = form["system_prompt"]
    assert bound.kind == "prompt"
    assert bound.variables == [{"name": "system_time", "known": True}]
    assert bound.unknown_variables == [] and bound.dropped_variables == []
    assert bound.prompt_check.certainty == "likely"


def test_a_draft_that_removes_system_time_gets_the_reverse_warning(templates: Registry) -> None:
    bound = form_for(templates, "react", "You are a helpful AI assistant.")["system_prompt"]
    assert bound.dropped_variables == ["system_time"]
    assert bound.unknown_variables == []


def test_a_variable_nothing_fills_is_probably_unfilled(templates: Registry) -> None:
    bound = form_for(templates, "react", "Time: {system_time}. Hello {customer}.")["system_prompt"]
    assert bound.unknown_variables == ["customer"]
    assert bound.prompt_check.certainty == "likely"
    # the heuristic knows the context fields and the inputs too
    assert {"system_time", "messages", "model"} <= set(bound.known_variable_list)


# -- a declared contract: exact --------------------------------------------------------------------


def test_a_declared_contract_is_exact(templates: Registry) -> None:
    bound = form_for(templates, "contract", "You are {persona}. Hi {user_name}, {messages}.")[
        "system_prompt"
    ]
    assert bound.prompt_check.certainty == "exact"
    assert bound.variables_are_declared
    # "messages" is a name the heuristic would accept; the contract says the graph does not fill it
    assert bound.unknown_variables == ["messages"]
    assert bound.known_variable_list == ["persona", "today", "user_name"]
    # today is used by the default and filled by the graph: dropping it is worth a warning;
    # user_name is offered but optional (the default does not use it)
    assert bound.dropped_variables == ["today"]


def test_the_contracts_default_prompt_and_a_json_example_raise_no_warning(
    templates: Registry,
) -> None:
    form = form_for(templates, "contract")
    for name in ("system_prompt", "reply_format"):
        assert form[name].unknown_variables == [] and form[name].dropped_variables == []
    assert form["reply_format"].variables == []


def test_without_any_knowledge_variables_are_listed_not_judged() -> None:
    contract = VariableContract.for_field({"type": "string", "default": "Hi {name}"}, None)
    check = contract.check("Hi {name} and {other}")
    assert check.certainty == "unknown"
    assert check.variables == [{"name": "name", "known": None}, {"name": "other", "known": None}]
    assert check.unfilled == [] and check.dropped == []
    # the default prompt's variables are still certain: removing one is worth a warning
    assert contract.check("Hi").dropped == ["name"]


# -- the compare page and the graph page ---------------------------------------------------------------


def test_prompt_variable_changes_call_out_a_changed_variable_set(templates: Registry) -> None:
    spec = templates.get("contract")
    field = prompt_field_schemas(graph_context_schema(spec))["system_prompt"]
    changes = prompt_variable_changes(
        "You are {persona}. Today is {today}.", "You are {persona}. Mood: {mood}.", field
    )
    assert (changes.added, changes.removed) == (["mood"], ["today"])
    assert (changes.unfilled, changes.dropped, changes.certainty) == (["mood"], ["today"], "exact")
    assert not prompt_variable_changes("Hi {persona}", "Hello {persona}", field)


def test_context_prompt_changes_compare_two_contexts(templates: Registry) -> None:
    spec = templates.get("react")
    schema = graph_context_schema(spec)
    known = known_prompt_variables(spec)
    assert context_prompt_changes(schema, {}, {"model": "openai/gpt-4o"}, known) == {}
    changes = context_prompt_changes(schema, {}, {"system_prompt": "Hi {customer}"}, known)
    assert list(changes) == ["system_prompt"]
    change = changes["system_prompt"]
    assert (change.added, change.removed) == (["customer"], ["system_time"])
    assert (change.unfilled, change.dropped, change.certainty) == (
        ["customer"],
        ["system_time"],
        "likely",
    )


# -- the pages: edit page, live validation, graph page --------------------------------------------------


@pytest.fixture
def pages(settings) -> Registry:
    # pytest-django's settings only (an override_settings around them would not unwind in order)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STUDIO_GRAPHS_FILE = TEMPLATES_FILE
    reset_registry()
    return get_registry()


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def test_the_edit_page_of_an_unchanged_react_agent_has_no_false_warning(
    pages: Registry, editor_client: Client
) -> None:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="react", name="Agent"
    )
    html = editor_client.get(reverse("assistants:assistant-edit", args=[assistant.pk])).content
    text = html.decode()
    assert '<code class="var">{system_time}</code>' in text
    assert "does not fill in" not in text and "no longer uses" not in text


def test_live_validation_warns_when_a_draft_drops_system_time(
    pages: Registry, editor_client: Client
) -> None:
    endpoint = reverse("assistants:field-validate", args=["react"])
    data = {"ctx-system_prompt": "You are a helpful AI assistant.", "_field": "system_prompt"}
    html = editor_client.post(endpoint, data, **HTMX).content.decode()
    assert "The graph fills in <code>{system_time}</code>; this prompt no longer uses it." in html
    data["ctx-system_prompt"] = "Time: {system_time}. Hello {customer}."
    html = editor_client.post(endpoint, data, **HTMX).content.decode()
    assert "The graph does not fill in <code>{customer}</code>" in html
    assert "Likely, not certain" in html


def test_live_validation_with_a_contract_says_it_is_exact(
    pages: Registry, editor_client: Client
) -> None:
    endpoint = reverse("assistants:field-validate", args=["contract"])
    data = {"ctx-system_prompt": "You are {persona} on {today}, {mood}.", "_field": "system_prompt"}
    html = editor_client.post(endpoint, data, **HTMX).content.decode()
    assert "The graph does not fill in <code>{mood}</code>" in html
    assert "The graph declares the variables it fills:" in html
    assert "Likely" not in html


def test_the_graph_page_lists_each_prompt_fields_variables(
    pages: Registry, editor_client: Client
) -> None:
    react = editor_client.get(reverse("graphs:graph-detail", args=["react"])).content.decode()
    assert '<code class="var">{system_time}</code>' in react
    assert "used by the default prompt, so the graph fills them" in react
    contract = editor_client.get(reverse("graphs:graph-detail", args=["contract"])).content.decode()
    for name in ("persona", "today", "user_name"):
        assert f'<code class="var">{{{name}}}</code>' in contract
    assert "declared by the graph" in contract
    assert "none (declared by the graph)" in contract  # reply_format: a JSON example, no variable


def test_the_compare_partial_calls_out_a_changed_variable_set(templates: Registry) -> None:
    spec = templates.get("react")
    changes = context_prompt_changes(
        graph_context_schema(spec),
        {},
        {"system_prompt": "Hi {customer}"},
        known_prompt_variables(spec),
    )
    from django.template import Context, Template

    template = Template(
        "{% load graphs_forms %}{% variable_changes_for variable_changes path as vc %}"
        '{% if vc %}{% include "graphs/_variable_changes.html" %}{% endif %}'
    )
    html = template.render(Context({"variable_changes": changes, "path": "system_prompt"}))
    assert '<ins><code class="var">{customer}</code></ins>' in html
    assert '<del><code class="var">{system_time}</code></del>' in html
    assert (
        "The graph probably does not fill in <code>{customer}</code>: it stays as written." in html
    )
    assert (
        "The graph fills in <code>{system_time}</code>; the new prompt no longer uses it." in html
    )
    other = template.render(Context({"variable_changes": changes, "path": "model"}))
    assert other == ""
