"""Publishing a version: a confirmation naming what it replaces, then the pointer moves."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assistants.models import Assistant, AuditEntry, Publication
from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db


def confirm_url(assistant, version: int) -> str:
    return reverse("assistants:version-publish-confirm", args=[assistant.pk, version])


def publish_url(assistant, version: int) -> str:
    return reverse("assistants:version-publish", args=[assistant.pk, version])


def test_the_confirmation_names_the_version_it_replaces(publisher_client, blog) -> None:
    response = publisher_client.get(confirm_url(blog, 3))
    assert response.status_code == 200
    html = response.content.decode()
    assert "v2 is live; publish v3?" in html
    assert f'action="{publish_url(blog, 3)}"' in html
    assert "<ins>openai/gpt-4o</ins>" in html  # what changes for integrations
    assert "hx-post" not in html  # a full page posts normally


def test_publishing_moves_the_pointer_and_records_it(publisher_client, blog) -> None:
    response = publisher_client.post(publish_url(blog, 3))
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:assistant-detail", args=[blog.pk])
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number, blog.has_draft) == (3, 3, False)
    assert Publication.objects.filter(assistant=blog).latest("id").from_version == 2
    assert AuditEntry.objects.filter(
        assistant_id=blog.pk, action="version.published", actor="user:pat"
    ).exists()
    page = publisher_client.get(response["Location"]).content.decode()
    assert "v3 of “Blog writer” is live (it replaces v2)." in page
    assert "v3</strong> went live, replacing v2 · pat" in page


def test_an_editor_sees_no_publish_button_and_is_refused(editor_client, blog) -> None:
    assert editor_client.get(confirm_url(blog, 3)).status_code == 403
    assert editor_client.post(publish_url(blog, 3)).status_code == 403
    assert Assistant.objects.get(pk=blog.pk).version == 2


def test_an_unknown_version_is_a_404(publisher_client, blog) -> None:
    assert publisher_client.get(confirm_url(blog, 9)).status_code == 404
    assert publisher_client.post(publish_url(blog, 9)).status_code == 404


def test_publishing_the_live_version_again_changes_nothing_and_says_so(
    publisher_client, blog
) -> None:
    assert "is already live" in publisher_client.get(confirm_url(blog, 2)).content.decode()
    response = publisher_client.post(publish_url(blog, 2), follow=True)
    assert "was already live" in response.content.decode()
    assert Publication.objects.filter(assistant=blog).count() == 2


def test_htmx_gets_a_dialog_then_the_new_history_messages_and_the_event(
    publisher_client, blog
) -> None:
    dialog = publisher_client.get(confirm_url(blog, 3), **HTMX).content.decode().lstrip()
    assert dialog.startswith('<dialog class="dialog" data-modal')
    assert f'hx-post="{publish_url(blog, 3)}" hx-target="#versions"' in dialog
    response = publisher_client.post(publish_url(blog, 3), **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"version-published": {}}
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="versions"')
    assert (
        '<div id="messages" class="messages" role="status" aria-live="polite" hx-swap-oob="true">'
        in html
    )
    assert "is live (it replaces v2)" in html
    assert '<div id="dialog-slot" hx-swap-oob="true"></div>' in html
