"""Rules the README states that the code once disagreed with: who restores, broken graphs.

Restoring copies an old version into a new *draft*: what an editor could do by typing the old
values back. So editors restore; making the restored draft live is publishing, for publishers.

A graph that fails to import cannot check anything, so nothing new is stored for it: creating an
assistant, saving or PATCHing a version (with or without a context), restoring and duplicating are
refused (424 from the API naming the import error; the pages say so and store nothing). Moving
the live pointer to a version that exists (publish, roll back) and deleting still work, so an
assistant can be rolled back or cleaned up while its graph is being fixed.
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
def test_a_write_without_a_new_context_is_refused_too(client_as, broken, body) -> None:
    response = patch(client_as("write_key"), broken, body)
    assert response.status_code == 424
    assert "Graph 'writer' failed to load" in response.json()["detail"]
    assert Assistant.objects.get(pk=broken.pk).latest_version_number == 3


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


def test_the_pages_refuse_restore_and_duplicate_but_publish(client_as, broken) -> None:
    editor, publisher = client_as("editor"), client_as("publisher")
    restore = reverse("assistants:version-restore", args=[broken.pk, 1])
    refused = editor.post(restore, follow=True)
    assert refused.status_code == 200
    assert "Graph &#x27;writer&#x27; failed to load" in refused.content.decode()
    htmx = editor.post(restore, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "failed to load" in htmx.content.decode()
    duplicate = editor.post(
        reverse("assistants:assistant-duplicate", args=[broken.pk]),
        {"name": "Copy", "version": 2},
    )
    assert duplicate.status_code == 422 and "failed to load" in duplicate.content.decode()
    assert Assistant.objects.count() == 1
    assert Assistant.objects.get(pk=broken.pk).latest_version_number == 3
    published = publisher.post(reverse("assistants:version-publish", args=[broken.pk, 3]))
    assert published.status_code == 302
    assert Assistant.objects.get(pk=broken.pk).version == 3
    edit = editor.get(reverse("assistants:assistant-edit", args=[broken.pk]))
    assert edit.status_code == 200 and "Editing is disabled" in edit.content.decode()


def test_the_admin_duplicate_action_refuses_all_copies_when_one_graph_fails(
    admin_client_, broken
) -> None:
    from assistants import services
    from assistants.actors import Actor

    healthy, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="researcher", name="Healthy"
    )
    response = admin_client_.post(
        reverse("admin:assistants_assistant_changelist"),
        {"action": "duplicate_assistants", "_selected_action": [str(healthy.pk), str(broken.pk)]},
        follow=True,
    )
    assert response.status_code == 200 and "failed to load" in response.content.decode()
    assert Assistant.objects.count() == 2  # no copy of the healthy one either


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
