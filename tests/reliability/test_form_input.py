"""The studio's page forms refuse what the API refuses: NUL, lone surrogates, deep JSON.

Form posts cannot carry a lone surrogate as text (Django decodes invalid UTF-8 as U+FFFD), but a
JSON field's text can spell one (``"\\ud83d"``), and NUL comes through any input (``%00``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import AssistantVersion
from graphs.forms import ContextForm

HEADERS = {
    "type": "object",
    "properties": {
        "headers": {"type": "object", "additionalProperties": True},
        "tags": {"type": "array", "items": {"type": "string"}},
        "model": {"type": "string", "default": "openai/gpt-4o-mini"},
    },
}


def post(pairs: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in pairs.items():
        data.setlist(f"ctx-{name}", value if isinstance(value, list) else [value])
    return data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": "\\ud83d"}', "a: Text must be valid Unicode: \\ud83d at character 0"),
        ('{"\\udc00": 1}', "\ufffd: This key must be valid Unicode: \\udc00"),
        ('{"a": ["ok", "x\\u0000"]}', "a.1: Text must not contain NUL (\\u0000) characters."),
        ('{"a": ' * 70 + "1" + "}" * 70, "JSON is nested deeper than 64 levels"),
        ("[" * 700 + "]" * 700, "JSON is nested deeper than 64 levels"),
        ("[" * 50_000 + "]" * 50_000, "JSON is nested deeper than 64 levels"),
    ],
    ids=["surrogate", "surrogate-key", "nul", "deep-70", "deep-700", "deep-50000"],
)
def test_a_json_field_refuses_what_no_database_stores(text: str, message: str) -> None:
    form = ContextForm(post({"headers": text}), schema=HEADERS, context=None)

    assert not form.is_valid()
    assert form.errors["headers"][0].startswith(message) or message in form.errors["headers"][0]


def test_a_nul_typed_into_a_list_row_is_an_error_beside_the_field() -> None:
    form = ContextForm(post({"tags": ["fine", "bad\x00"]}), schema=HEADERS, context=None)

    assert not form.is_valid()
    assert form.errors["tags"] == ["Item 2: text must not contain NUL (\\u0000) characters."]


def test_emoji_rtl_marks_and_combining_characters_are_kept() -> None:
    text = '{"a": "\\ud83d\\ude00 \u202eabc\u202c e\u0301 \ufdd0"}'
    form = ContextForm(post({"headers": text}), schema=HEADERS, context=None)

    assert form.is_valid(), form.errors
    assert form.context["headers"] == {"a": "\U0001f600 \u202eabc\u202c e\u0301 \ufdd0"}


@pytest.mark.django_db
def test_the_edit_page_stores_nothing_from_a_bad_post(make_user, client) -> None:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="researcher", name="R"
    )
    client.force_login(make_user("eddie", "editor"))
    url = reverse("assistants:assistant-edit", args=[assistant.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = {
        "name": "R\x00",
        "description": "",
        "note": "",
        "base_version": 1,
        "ctx-queries": ["one", "tw\x00o"],
    }

    response = client.post(url, body)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Null characters are not allowed." in html
    assert "Item 2: text must not contain NUL" in html
    assert AssistantVersion.objects.filter(assistant=assistant).count() == 1


@pytest.mark.django_db
def test_invalid_utf8_in_a_form_post_is_stored_as_replacement_characters(make_user, client):
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="researcher", name="R"
    )
    client.force_login(make_user("eddie", "editor"))
    url = reverse("assistants:assistant-edit", args=[assistant.pk])
    raw = b"name=R%ED%A0%BD&description=&note=&base_version=1&ctx-queries=q%ED%A0%BD"

    response = client.post(url, raw, content_type="application/x-www-form-urlencoded")

    assert response.status_code in (302, 422), response.status_code
    for version in AssistantVersion.objects.filter(assistant=assistant):
        version.name.encode("utf-8")  # valid text whatever was stored
