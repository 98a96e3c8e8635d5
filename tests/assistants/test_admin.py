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
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "root", "root@example.com", "pw-for-tests-only"
    )
    client.force_login(user)
    return client


@pytest.fixture
def drafted(blog, system_actor):
    services.version_save(
        actor=system_actor, assistant_id=blog.pk, context={"temperature": 1.2}, note="warmer"
    )
    return blog


def test_the_changelist_lists_assistants_and_searches_and_filters_by_graph(admin_client_, drafted):
    url = reverse("admin:assistants_assistant_changelist")
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert "Blog writer" in page.content.decode()
    assert "Blog writer" in admin_client_.get(url, {"q": "blog"}).content.decode()
    assert "Blog writer" not in admin_client_.get(url, {"q": "zzz"}).content.decode()
    filtered = admin_client_.get(url, {"graph_id": "researcher"}).content.decode()
    assert "Blog writer" not in filtered and "researcher" in filtered


def test_the_change_page_shows_read_only_versions_with_the_published_one_marked(
    admin_client_, drafted
):
    page = admin_client_.get(reverse("admin:assistants_assistant_change", args=[drafted.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "v1 (published)" in html and "v2" in html and "v2 (published)" not in html
    assert "&quot;temperature&quot;: 1.2" in html  # pretty JSON of the draft
    assert 'name="versions-0-note"' not in html  # no editable inputs for versions
    assert "warmer" in html


def test_the_publish_action_publishes_the_newest_version_through_the_service(
    admin_client_, drafted
):
    url = reverse("admin:assistants_assistant_changelist")
    response = admin_client_.post(
        url,
        {"action": "publish_newest_version", "_selected_action": [str(drafted.pk)]},
        follow=True,
    )
    assert "Published the newest version of 1 assistant(s)." in response.content.decode()
    drafted.refresh_from_db()
    assert drafted.version == 2
    assert drafted.publications.latest("id").actor == "user:root"


def test_the_duplicate_action_creates_a_copy(admin_client_, drafted):
    url = reverse("admin:assistants_assistant_changelist")
    admin_client_.post(
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


def test_deleting_from_the_admin_goes_through_the_service_and_is_audited(admin_client_, drafted):
    from assistants.models import AuditEntry

    url = reverse("admin:assistants_assistant_delete", args=[drafted.pk])
    admin_client_.post(url, {"post": "yes"})
    assert not Assistant.objects.filter(pk=drafted.pk).exists()
    assert AuditEntry.objects.filter(
        assistant_id=drafted.pk, action="assistant.deleted", actor="user:root"
    ).exists()


def test_the_graphs_pages_show_schemas_and_drawings(admin_client_):
    listing = admin_client_.get(reverse("admin:graphs_graph_list")).content.decode()
    assert "writer" in listing and "researcher" in listing
    detail = admin_client_.get(
        reverse("admin:graphs_graph_detail", args=["writer"])
    ).content.decode()
    assert "context_schema" in detail and "system_prompt" in detail and "x-template-kind" in detail
    assert "__start__" in detail  # the mermaid drawing
    assert admin_client_.get(reverse("admin:graphs_graph_detail", args=["nope"])).status_code == 404


@override_settings(STUDIO_GRAPHS_FILE=FIXTURES / "langgraph.json")
def test_a_graph_that_fails_to_import_is_listed_with_its_error_and_breaks_nothing_else(
    admin_client_,
):
    from graphs.registry import reset_registry

    reset_registry()
    listing = admin_client_.get(reverse("admin:graphs_graph_list")).content.decode()
    assert "module_that_does_not_exist" in listing
    assert "writer" in listing
    detail = admin_client_.get(reverse("admin:graphs_graph_detail", args=["broken"]))
    assert detail.status_code == 200
    assert "fails to load" in detail.content.decode()
    # the site still serves, and the broken graph still has its default assistant
    assert admin_client_.get(reverse("admin:assistants_assistant_changelist")).status_code == 200
    assert set(Assistant.objects.values_list("name", flat=True)) == {"writer", "broken"}


def test_api_keys_are_revoked_from_the_admin(admin_client_, system_actor):
    key, raw = services.api_key_create(actor=system_actor, name="ci")
    url = reverse("admin:assistants_apikey_changelist")
    assert key.prefix in admin_client_.get(url).content.decode()
    assert raw not in admin_client_.get(url).content.decode()
    admin_client_.post(url, {"action": "revoke_keys", "_selected_action": [str(key.pk)]})
    key.refresh_from_db()
    assert key.revoked_at is not None
