from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from graphs.registry import GraphNotFound, default_assistant_id
from tests.assistants.conftest import versions_snapshot

pytestmark = pytest.mark.django_db


def test_create_stores_the_assistant_its_first_version_a_publication_and_an_audit_entry(
    system_actor,
):
    assistant, created = services.assistant_create(
        actor=system_actor,
        graph_id="writer",
        name="Blog writer",
        description="Blogs",
        metadata={"team": "marketing"},
        context={"temperature": 0.3, "style": "blog"},
        note="initial",
    )
    assert created is True
    row = Assistant.objects.get(pk=assistant.pk)
    assert (row.graph_id, row.name, row.description, row.version, row.latest_version_number) == (
        "writer",
        "Blog writer",
        "Blogs",
        1,
        1,
    )
    assert row.context == {"temperature": 0.3, "style": "blog"}
    assert row.config == {"configurable": {"temperature": 0.3, "style": "blog"}}
    version = AssistantVersion.objects.get(assistant=row)
    assert row.published_version_id == version.pk
    assert (version.version, version.note, version.author) == (1, "initial", "system")
    assert version.context == row.context and version.metadata == {"team": "marketing"}
    assert list(
        Publication.objects.filter(assistant=row).values_list("from_version", "to_version")
    ) == [(None, 1)]
    entry = AuditEntry.objects.get(assistant_id=row.pk)
    assert (entry.action, entry.actor, entry.version) == ("assistant.created", "system", 1)
    assert entry.payload == {"graph_id": "writer", "name": "Blog writer"}


def test_create_defaults_the_name_to_untitled_and_mirrors_configurable_into_context(system_actor):
    assistant, _ = services.assistant_create(
        actor=system_actor,
        graph_id="writer",
        config={"configurable": {"style": "tweet"}, "tags": ["x"]},
    )
    assert assistant.name == "Untitled"
    assert assistant.context == {"style": "tweet"}
    assert assistant.config == {"configurable": {"style": "tweet"}, "tags": ["x"]}


def test_create_refuses_configurable_and_context_together_and_stores_nothing(system_actor):
    with pytest.raises(services.ConfigContextConflict):
        services.assistant_create(
            actor=system_actor,
            graph_id="writer",
            config={"configurable": {"style": "blog"}},
            context={"style": "tweet"},
        )
    assert not Assistant.objects.exclude(metadata__created_by="system").exists()


def test_create_with_an_unknown_graph_names_the_graphs_that_exist(system_actor):
    with pytest.raises(GraphNotFound) as info:
        services.assistant_create(actor=system_actor, graph_id="nope")
    assert str(info.value).startswith(
        "Graph 'nope' not found. Expected one of: ['researcher', 'writer']"
    )


def test_create_validates_the_context_and_names_the_bad_fields(system_actor):
    with pytest.raises(ValidationError) as info:
        services.assistant_create(
            actor=system_actor, graph_id="writer", context={"temperature": 7, "style": "poem"}
        )
    assert set(info.value.error_dict) == {"temperature", "style"}
    assert Assistant.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_create_with_an_existing_id_raises_unless_asked_to_do_nothing(system_actor, blog_v1):
    with pytest.raises(services.AssistantExists):
        services.assistant_create(actor=system_actor, graph_id="writer", assistant_id=blog_v1.pk)
    same, created = services.assistant_create(
        actor=system_actor,
        graph_id="writer",
        assistant_id=blog_v1.pk,
        name="other",
        if_exists="do_nothing",
    )
    assert created is False
    assert same.name == "Blog writer"
    assert AssistantVersion.objects.filter(assistant=blog_v1).count() == 1


def test_a_draft_save_adds_a_version_without_moving_the_published_pointer(system_actor, blog_v1):
    before = versions_snapshot(blog_v1.pk)
    version = services.version_save(
        actor=system_actor,
        assistant_id=blog_v1.pk,
        base_version=1,
        context={"temperature": 0.9},
        note="warmer",
    )
    blog_v1.refresh_from_db()
    assert (version.version, blog_v1.version, blog_v1.latest_version_number) == (2, 1, 2)
    assert blog_v1.context == {"system_prompt": "Write about {topic}.", "temperature": 0.5}
    assert version.context == {"temperature": 0.9}
    # the context change keeps the rest of the config (we differ from LangGraph's dev server)
    assert version.config == {
        "tags": ["demo"],
        "recursion_limit": 10,
        "configurable": {"temperature": 0.9},
    }
    assert versions_snapshot(blog_v1.pk)[:1] == before
    assert blog_v1.has_draft is True


def test_a_published_save_moves_the_pointer_and_copies_the_fields(system_actor, blog_v1):
    services.version_save(
        actor=system_actor,
        assistant_id=blog_v1.pk,
        name="Blog writer 2",
        metadata={"channel": "blog"},
        merge_metadata=True,
        publish=True,
    )
    blog_v1.refresh_from_db()
    assert (blog_v1.version, blog_v1.name) == (2, "Blog writer 2")
    assert blog_v1.metadata == {"team": "marketing", "channel": "blog"}
    assert blog_v1.published_version.version == 2
    assert list(
        Publication.objects.filter(assistant=blog_v1)
        .order_by("id")
        .values_list("from_version", "to_version")
    ) == [
        (None, 1),
        (1, 2),
    ]


def test_metadata_replaces_when_not_merging(system_actor, blog_v1):
    version = services.version_save(actor=system_actor, assistant_id=blog_v1.pk, metadata={"a": 1})
    assert version.metadata == {"a": 1}


def test_a_save_based_on_an_outdated_version_raises_a_conflict_and_stores_nothing(
    system_actor, blog_v1
):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, base_version=1, context={"temperature": 1.0}
    )
    before = versions_snapshot(blog_v1.pk)
    with pytest.raises(services.VersionConflict) as info:
        services.version_save(
            actor=system_actor,
            assistant_id=blog_v1.pk,
            base_version=1,
            context={"temperature": 0.1},
        )
    assert (info.value.base_version, info.value.latest_version) == (1, 2)
    assert versions_snapshot(blog_v1.pk) == before


def test_an_invalid_context_on_save_stores_nothing(system_actor, blog_v1):
    with pytest.raises(ValidationError) as info:
        services.version_save(
            actor=system_actor, assistant_id=blog_v1.pk, context={"max_length": 0}
        )
    assert list(info.value.error_dict) == ["max_length"]
    assert AssistantVersion.objects.filter(assistant=blog_v1).count() == 1


def test_saving_an_unknown_assistant_raises_not_found(system_actor):
    with pytest.raises(services.AssistantNotFound):
        services.version_save(actor=system_actor, assistant_id=uuid.uuid4(), context={})


def test_publish_moves_the_published_pointer_to_an_older_version(system_actor, blog_v1):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.1}, publish=True
    )
    before = versions_snapshot(blog_v1.pk)
    services.version_publish(actor=system_actor, assistant_id=blog_v1.pk, version=1)
    blog_v1.refresh_from_db()
    assert (blog_v1.version, blog_v1.latest_version_number) == (1, 2)
    assert blog_v1.context == {"system_prompt": "Write about {topic}.", "temperature": 0.5}
    assert versions_snapshot(blog_v1.pk) == before
    actions = list(
        AuditEntry.objects.filter(assistant_id=blog_v1.pk)
        .order_by("id")
        .values_list("action", "version")
    )
    assert actions[-1] == ("version.published", 1)


def test_publishing_an_unknown_version_is_a_loud_error(system_actor, blog_v1):
    with pytest.raises(services.VersionNotFound) as info:
        services.version_publish(actor=system_actor, assistant_id=blog_v1.pk, version=99)
    assert str(info.value) == f"Version 99 not found for assistant {blog_v1.pk}"


def test_an_editor_may_save_drafts_but_not_publish(editor_actor, blog_v1):
    services.version_save(actor=editor_actor, assistant_id=blog_v1.pk, context={"temperature": 0.2})
    with pytest.raises(PermissionDenied):
        services.version_publish(actor=editor_actor, assistant_id=blog_v1.pk, version=2)
    with pytest.raises(PermissionDenied):
        services.version_save(actor=editor_actor, assistant_id=blog_v1.pk, publish=True)
    with pytest.raises(PermissionDenied):
        services.assistant_delete(actor=editor_actor, assistant_id=blog_v1.pk)
    blog_v1.refresh_from_db()
    assert (blog_v1.version, blog_v1.latest_version_number) == (1, 2)
    assert AssistantVersion.objects.get(assistant=blog_v1, version=2).author == "user:eddie"


def test_a_viewer_may_not_save(make_user, blog_v1):
    viewer = Actor(user=make_user("v", "viewer"))
    with pytest.raises(PermissionDenied):
        services.version_save(actor=viewer, assistant_id=blog_v1.pk)


def test_a_publisher_may_publish(publisher_actor, blog_v1):
    services.version_save(
        actor=publisher_actor, assistant_id=blog_v1.pk, context={"style": "tweet"}, publish=True
    )
    blog_v1.refresh_from_db()
    assert blog_v1.version == 2
    assert Publication.objects.filter(assistant=blog_v1).latest("id").actor == "user:pat"


def test_restore_creates_a_new_version_copied_from_the_old_one(system_actor, blog_v1):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.5}, publish=True
    )
    before = versions_snapshot(blog_v1.pk)
    restored = services.version_restore(actor=system_actor, assistant_id=blog_v1.pk, version=1)
    assert (restored.version, restored.restored_from, restored.note) == (
        3,
        1,
        "Restored from version 1",
    )
    assert restored.context == before[0]["context"] and restored.config == before[0]["config"]
    blog_v1.refresh_from_db()
    assert (blog_v1.version, blog_v1.latest_version_number) == (2, 3)
    assert versions_snapshot(blog_v1.pk)[:2] == before


def test_restore_and_publish_makes_the_copy_live(system_actor, blog_v1):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.5}, publish=True
    )
    services.version_restore(actor=system_actor, assistant_id=blog_v1.pk, version=1, publish=True)
    blog_v1.refresh_from_db()
    assert blog_v1.version == 3
    assert blog_v1.context["temperature"] == 0.5


def test_delete_removes_the_assistant_and_its_versions_but_keeps_the_audit_trail(
    system_actor, blog_v1
):
    services.version_save(actor=system_actor, assistant_id=blog_v1.pk, context={})
    services.assistant_delete(actor=system_actor, assistant_id=blog_v1.pk)
    assert not Assistant.objects.filter(pk=blog_v1.pk).exists()
    assert not AssistantVersion.objects.filter(assistant_id=blog_v1.pk).exists()
    entry = AuditEntry.objects.filter(assistant_id=blog_v1.pk).latest("id")
    assert (entry.action, entry.payload["versions"]) == ("assistant.deleted", 2)


def test_duplicate_copies_the_published_version_into_a_new_assistant(system_actor, blog_v1):
    copy = services.assistant_duplicate(actor=system_actor, assistant_id=blog_v1.pk)
    assert copy.pk != blog_v1.pk
    assert (copy.name, copy.version, copy.context, copy.config) == (
        "Blog writer (copy)",
        1,
        blog_v1.context,
        blog_v1.config,
    )
    assert AssistantVersion.objects.filter(assistant=blog_v1).count() == 1


def test_stored_versions_cannot_be_changed_or_deleted(blog_v1):
    from assistants.models import ImmutableVersionError

    version = AssistantVersion.objects.get(assistant=blog_v1)
    version.note = "rewritten"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    with pytest.raises(ImmutableVersionError):
        AssistantVersion.objects.filter(assistant=blog_v1).update(note="x")
    with pytest.raises(ImmutableVersionError):
        AssistantVersion.objects.filter(assistant=blog_v1).delete()
    assert AssistantVersion.objects.get(assistant=blog_v1).note == ""


def test_default_assistants_are_created_once_with_the_platform_ids():
    created = services.default_assistants_sync()
    assert sorted(a.graph_id for a in created) == ["researcher", "writer"]
    writer = Assistant.objects.get(pk=default_assistant_id("writer"))
    assert str(writer.pk) == str(
        uuid.uuid5(uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8"), "writer")
    )
    assert (writer.name, writer.metadata, writer.config, writer.context, writer.version) == (
        "writer",
        {"created_by": "system"},
        {},
        {},
        1,
    )
    assert services.default_assistants_sync() == []
    assert Assistant.objects.count() == 2
    assert AssistantVersion.objects.count() == 2


def test_the_first_request_creates_the_default_assistants(client):
    assert Assistant.objects.count() == 0
    client.get("/admin/login/")
    assert set(Assistant.objects.values_list("graph_id", flat=True)) == {"researcher", "writer"}


def test_an_editor_cannot_publish_a_draft_by_duplicating_it(editor_actor, blog_v1):
    services.version_save(
        actor=editor_actor, assistant_id=blog_v1.pk, context={"system_prompt": "NOT APPROVED"}
    )
    with pytest.raises(PermissionDenied):
        services.assistant_duplicate(actor=editor_actor, assistant_id=blog_v1.pk, version=2)
    copy = services.assistant_duplicate(
        actor=editor_actor, assistant_id=blog_v1.pk
    )  # the live version
    assert copy.context == blog_v1.context
    assert Assistant.objects.filter(name="Blog writer (copy)").count() == 1


def test_publishing_over_a_draft_keeps_it_in_history_and_records_that_it_was_passed_over(
    system_actor, blog_v1
):
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.9}, note="draft"
    )
    services.version_save(
        actor=system_actor,
        assistant_id=blog_v1.pk,
        metadata={"x": 1},
        merge_metadata=True,
        publish=True,
    )
    blog_v1.refresh_from_db()
    assert (blog_v1.version, blog_v1.has_draft) == (3, False)
    assert AssistantVersion.objects.get(assistant=blog_v1, version=2).note == "draft"
    entry = AuditEntry.objects.filter(
        assistant_id=blog_v1.pk, action="version.saved", version=3
    ).get()
    assert entry.payload["passed_over_drafts"] == [2]
