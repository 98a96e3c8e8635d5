"""Restoring an old version: a new draft with its content; history is never rewritten."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assistants.models import Assistant, AssistantVersion
from tests.views.conftest import HTMX, PROMPT_V1

pytestmark = pytest.mark.django_db


def confirm_url(assistant, version: int) -> str:
    return reverse("assistants:version-restore-confirm", args=[assistant.pk, version])


def restore_url(assistant, version: int) -> str:
    return reverse("assistants:version-restore", args=[assistant.pk, version])


def test_the_confirmation_says_what_happens(editor_client, blog) -> None:
    html = editor_client.get(confirm_url(blog, 1)).content.decode()
    assert "Restore v1?" in html and "new draft, v4" in html and "live (v2) does not change" in html


def test_restoring_creates_a_new_draft_with_the_old_content(editor_client, blog) -> None:
    before = list(AssistantVersion.objects.filter(assistant=blog).order_by("version").values())
    response = editor_client.post(restore_url(blog, 1))
    assert response.status_code == 302
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number) == (2, 4)
    v4 = blog.versions.get(version=4)
    assert v4.context["system_prompt"] == PROMPT_V1 and v4.restored_from == 1
    assert (
        list(
            AssistantVersion.objects.filter(assistant=blog, version__lte=3)
            .order_by("version")
            .values()
        )
        == before
    )
    page = editor_client.get(response["Location"]).content.decode()
    assert "Restored v1 as draft v4" in page and "restored from v1" in page


def test_a_viewer_may_not_restore(viewer_client, blog) -> None:
    assert viewer_client.post(restore_url(blog, 1)).status_code == 403
    assert Assistant.objects.get(pk=blog.pk).latest_version_number == 3


def test_htmx_restore_answers_the_history_and_fires_version_restored(editor_client, blog) -> None:
    response = editor_client.post(restore_url(blog, 1), **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"version-restored": {}}
    assert ">v4</a>" in response.content.decode()


def test_an_unknown_version_is_a_404(editor_client, blog) -> None:
    assert editor_client.post(restore_url(blog, 42)).status_code == 404
