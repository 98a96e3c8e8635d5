"""Deleting an assistant (publishers), after a confirmation."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assistants.models import Assistant, AuditEntry
from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_the_confirmation_page_says_what_goes(publisher_client, blog) -> None:
    response = publisher_client.get(reverse("assistants:assistant-delete-confirm", args=[blog.pk]))
    assert response.status_code == 200
    assert "Delete “<bdi>Blog writer</bdi>”?" in response.content.decode()
    assert "all its 3 versions" in response.content.decode()


def test_deleting_removes_it_and_keeps_an_audit_record(publisher_client, blog) -> None:
    response = publisher_client.post(reverse("assistants:assistant-delete", args=[blog.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "assistants:assistant-list"
    )
    assert not Assistant.objects.filter(pk=blog.pk).exists()
    assert AuditEntry.objects.filter(assistant_id=blog.pk, action="assistant.deleted").exists()
    assert "Deleted “Blog writer”" in publisher_client.get(response["Location"]).content.decode()


def test_an_editor_may_not_delete(editor_client, blog) -> None:
    assert (
        editor_client.post(reverse("assistants:assistant-delete", args=[blog.pk])).status_code
        == 403
    )
    assert Assistant.objects.filter(pk=blog.pk).exists()


def test_htmx_delete_redirects_on_the_client(publisher_client, blog) -> None:
    dialog = publisher_client.get(
        reverse("assistants:assistant-delete-confirm", args=[blog.pk]), **HTMX
    )
    assert dialog.content.decode().lstrip().startswith('<dialog class="dialog" data-modal')
    response = publisher_client.post(reverse("assistants:assistant-delete", args=[blog.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("assistants:assistant-list")
    assert json.loads(response["HX-Trigger"]) == {"assistant-deleted": {}}
