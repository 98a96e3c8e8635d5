"""Duplicating an assistant: a new one whose v1 copies the chosen version."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assistants.models import Assistant
from tests.views.conftest import HTMX, PROMPT_V2, PROMPT_V3

pytestmark = pytest.mark.django_db


def url(assistant) -> str:
    return reverse("assistants:assistant-duplicate", args=[assistant.pk])


def test_the_form_suggests_a_name_and_offers_the_versions(editor_client, blog) -> None:
    html = editor_client.get(url(blog)).content.decode()
    assert 'value="Blog writer (copy)"' in html
    assert '<option value="3">v3</option>' in html


def test_duplicating_the_published_version(editor_client, blog) -> None:
    response = editor_client.post(url(blog), {"name": "Blog writer EU", "version": ""})
    copy = Assistant.objects.get(name="Blog writer EU")
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:assistant-detail", args=[copy.pk])
    assert copy.context["system_prompt"] == PROMPT_V2 and copy.version == 1


def test_duplicating_a_chosen_version(publisher_client, blog) -> None:
    publisher_client.post(url(blog), {"name": "From the draft", "version": "3"})
    assert Assistant.objects.get(name="From the draft").context["system_prompt"] == PROMPT_V3


def test_an_editor_cannot_publish_a_draft_by_duplicating_it(editor_client, blog) -> None:
    response = editor_client.post(url(blog), {"name": "From the draft", "version": "3"})
    assert response.status_code == 403
    assert not Assistant.objects.filter(name="From the draft").exists()


def test_a_name_is_required(editor_client, blog) -> None:
    response = editor_client.post(url(blog), {"name": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert Assistant.objects.count() == 1


def test_htmx_duplicate(editor_client, blog) -> None:
    form = editor_client.get(url(blog), **HTMX).content.decode().lstrip()
    assert form.startswith('<section class="card card--narrow" id="duplicate-form"')
    response = editor_client.post(url(blog), {"name": "Copy"}, **HTMX)
    assert response["HX-Redirect"].startswith("/assistant/")
    assert json.loads(response["HX-Trigger"]) == {"assistant-created": {}}
