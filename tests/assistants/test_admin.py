from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from assistants import services
from assistants.models import Assistant, AssistantVersion

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def drafted(blog_v1, system_actor):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.2}, note="warmer"
    )
    return blog_v1


def test_the_changelist_lists_assistants_and_searches_and_filters_by_graph(
    superuser_client, drafted
):
    url = reverse("admin:assistants_assistant_changelist")
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "Blog writer" in page.content.decode()
    assert "Blog writer" in superuser_client.get(url, {"q": "blog"}).content.decode()
    assert "Blog writer" not in superuser_client.get(url, {"q": "zzz"}).content.decode()
    filtered = superuser_client.get(url, {"graph_id": "researcher"}).content.decode()
    assert "Blog writer" not in filtered and "researcher" in filtered


def test_the_change_page_shows_read_only_versions_with_the_published_one_marked(
    superuser_client, drafted
):
    page = superuser_client.get(reverse("admin:assistants_assistant_change", args=[drafted.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "v1 (published)" in html and "v2" in html and "v2 (published)" not in html
    assert "&quot;temperature&quot;: 1.2" in html  # pretty JSON of the draft
    assert 'name="versions-0-note"' not in html  # no editable inputs for versions
    assert "warmer" in html


def test_the_publish_action_publishes_the_newest_version_through_the_service(
    superuser_client, drafted
):
    url = reverse("admin:assistants_assistant_changelist")
    response = superuser_client.post(
        url,
        {"action": "publish_newest_version", "_selected_action": [str(drafted.pk)]},
        follow=True,
    )
    assert "Published the newest version of 1 assistant(s)." in response.content.decode()
    drafted.refresh_from_db()
    assert drafted.version == 2
    assert drafted.publications.latest("id").actor == "user:root"


def test_the_duplicate_action_creates_a_copy(superuser_client, drafted):
    url = reverse("admin:assistants_assistant_changelist")
    superuser_client.post(
        url, {"action": "duplicate_assistants", "_selected_action": [str(drafted.pk)]}
    )
    copy = Assistant.objects.get(name="Blog writer (copy)")
    assert copy.context == drafted.context
    assert AssistantVersion.objects.filter(assistant=copy).count() == 1


def test_a_staff_editor_cannot_publish_from_the_admin(client, make_user, drafted):
    from django.contrib.auth.models import Permission

    user = make_user("staffeditor", "editor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_assistant"))
    client.force_login(user)
    url = reverse("admin:assistants_assistant_changelist")
    response = client.post(
        url,
        {"action": "publish_newest_version", "_selected_action": [str(drafted.pk)]},
        follow=True,
    )
    assert "You may not publish assistants." in response.content.decode()
    drafted.refresh_from_db()
    assert drafted.version == 1


def test_deleting_from_the_admin_goes_through_the_service_and_is_audited(superuser_client, drafted):
    from assistants.models import AuditEntry

    url = reverse("admin:assistants_assistant_delete", args=[drafted.pk])
    superuser_client.post(url, {"post": "yes"})
    assert not Assistant.objects.filter(pk=drafted.pk).exists()
    assert AuditEntry.objects.filter(
        assistant_id=drafted.pk, action="assistant.deleted", actor="user:root"
    ).exists()


def test_the_graphs_pages_show_schemas_and_drawings(superuser_client):
    listing = superuser_client.get(reverse("admin:graphs_graph_list")).content.decode()
    assert "writer" in listing and "researcher" in listing
    detail = superuser_client.get(
        reverse("admin:graphs_graph_detail", args=["writer"])
    ).content.decode()
    assert "context_schema" in detail and "system_prompt" in detail and "x-template-kind" in detail
    assert "__start__" in detail  # the mermaid drawing
    assert (
        superuser_client.get(reverse("admin:graphs_graph_detail", args=["nope"])).status_code == 404
    )


@override_settings(STUDIO_GRAPHS_FILE=FIXTURES / "langgraph.json")
def test_a_graph_that_fails_to_import_is_listed_with_its_error_and_breaks_nothing_else(
    superuser_client,
):
    from graphs.registry import reset_registry

    reset_registry()
    listing = superuser_client.get(reverse("admin:graphs_graph_list")).content.decode()
    assert "module_that_does_not_exist" in listing
    assert "writer" in listing
    detail = superuser_client.get(reverse("admin:graphs_graph_detail", args=["broken"]))
    assert detail.status_code == 200
    assert "fails to load" in detail.content.decode()
    # the site still serves, and the broken graph still has its default assistant
    assert superuser_client.get(reverse("admin:assistants_assistant_changelist")).status_code == 200
    assert set(Assistant.objects.values_list("name", flat=True)) == {"writer", "broken"}


def test_api_keys_are_revoked_from_the_admin(superuser_client, system_actor):
    key, raw = services.api_key_create(actor=system_actor, name="ci")
    url = reverse("admin:assistants_apikey_changelist")
    assert key.prefix in superuser_client.get(url).content.decode()
    assert raw not in superuser_client.get(url).content.decode()
    superuser_client.post(url, {"action": "revoke_keys", "_selected_action": [str(key.pk)]})
    key.refresh_from_db()
    assert key.revoked_at is not None
