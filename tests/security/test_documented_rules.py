"""Rules the README states that the code once disagreed with: who restores, broken graphs.

Restoring copies an old version into a new *draft*: what an editor could do by typing the old
values back. So editors restore; making the restored draft live is publishing, for publishers.

A graph that fails to import cannot check a context, so a write that brings a new context is
refused (424 from the API, naming the import error; the edit page is disabled). Writes that bring
no new context (name, description, metadata, publishing or restoring an existing version,
deleting) are judged only on what they change, as after any schema change, and go through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.urls import reverse

from assistants.models import Assistant, AuditEntry

from .conftest import ROOT

BROKEN = ROOT / "tests/reliability/fixtures/broken_writer.json"


@pytest.fixture
def broken(blog: Assistant) -> Iterator[Assistant]:
    """The Blog writer (v1, v2 live, v3 draft) after its graph stopped importing."""
    from graphs.registry import reset_registry

    with override_settings(STUDIO_GRAPHS_FILE=BROKEN):
        reset_registry()
        yield blog
    reset_registry()


def patch(client, assistant: Assistant, body: dict) -> object:
    return client.patch(
        f"/assistants/{assistant.pk}", json.dumps(body), content_type="application/json"
    )


def test_a_new_context_is_a_424_naming_the_import_error_and_nothing_is_stored(
    client_as, broken
) -> None:
    api = client_as("write_key")
    response = patch(api, broken, {"context": {"temperature": 0.1}})
    assert response.status_code == 424
    assert "Graph 'writer' failed to load" in response.json()["detail"]
    assert Assistant.objects.get(pk=broken.pk).latest_version_number == 3
    created = api.post(
        "/assistants",
        json.dumps({"graph_id": "writer", "context": {"style": "tweet"}}),
        content_type="application/json",
    )
    assert created.status_code == 424
    assert Assistant.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{"name": "Renamed"}, {"metadata": {"team": "blog"}}, {"description": "Still here"}]
)
def test_a_write_without_a_new_context_goes_through(client_as, broken, body) -> None:
    response = patch(client_as("write_key"), broken, body)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 4
    assert response.json()["context"] == broken.versions.get(version=2).context


def test_rolling_back_and_deleting_go_through(client_as, broken) -> None:
    api = client_as("write_key")
    rolled = api.post(
        f"/assistants/{broken.pk}/latest",
        json.dumps({"version": 1}),
        content_type="application/json",
    )
    assert rolled.status_code == 200 and rolled.json()["version"] == 1
    assert api.delete(f"/assistants/{broken.pk}").status_code == 204
    assert AuditEntry.objects.filter(action="assistant.deleted").count() == 1


def test_the_pages_publish_and_restore_but_the_edit_page_is_disabled(client_as, broken) -> None:
    editor, publisher = client_as("editor"), client_as("publisher")
    restored = editor.post(reverse("assistants:version-restore", args=[broken.pk, 1]))
    assert restored.status_code == 302
    assert broken.versions.get(version=4).restored_from == 1
    published = publisher.post(reverse("assistants:version-publish", args=[broken.pk, 4]))
    assert published.status_code == 302
    assert Assistant.objects.get(pk=broken.pk).version == 4
    edit = editor.get(reverse("assistants:assistant-edit", args=[broken.pk]))
    assert edit.status_code == 200 and "Editing is disabled" in edit.content.decode()


def test_an_editor_restores_as_a_draft_and_only_a_publisher_makes_it_live(client_as, blog) -> None:
    editor = client_as("editor")
    assert editor.post(reverse("assistants:version-restore", args=[blog.pk, 1])).status_code == 302
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number) == (2, 4)  # live unchanged, draft v4
    assert editor.post(reverse("assistants:version-publish", args=[blog.pk, 4])).status_code == 403
    assert (
        client_as("viewer")
        .post(reverse("assistants:version-restore", args=[blog.pk, 1]))
        .status_code
        == 403
    )
    publisher = client_as("publisher")
    assert (
        publisher.post(reverse("assistants:version-publish", args=[blog.pk, 4])).status_code == 302
    )
    blog.refresh_from_db()
    assert blog.version == 4
