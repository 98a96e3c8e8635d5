"""Rebasing a draft that an API update published over: who may, what is written, what is not."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistants import selectors, services
from assistants.actors import Actor
from assistants.models import Assistant, AuditEntry
from assistants.services.rebase import draft_rebase
from tests.assistants.conftest import versions_snapshot

pytestmark = pytest.mark.django_db

MINE = "Write about {topic} for experts."
THEIRS = "Write briefly about {topic}."


@pytest.fixture
def integration(system_actor) -> Actor:
    key, _ = services.api_key_create(actor=system_actor, name="integration")
    return Actor(api_key=key)


@pytest.fixture
def passed_over(blog, editor_actor, integration) -> Assistant:
    """v1 live; an editor's draft v2; then an API update publishes v3 over it."""
    services.version_save(
        actor=editor_actor,
        assistant_id=blog.pk,
        base_version=1,
        context={"system_prompt": MINE, "temperature": 0.9},
        note="For experts",
    )
    services.version_save(
        actor=integration,
        assistant_id=blog.pk,
        context={"system_prompt": THEIRS, "temperature": 0.5},
        metadata={"owner": "ops"},
        merge_metadata=True,
        publish=True,
    )
    blog.refresh_from_db()
    return blog


def test_a_publish_over_a_draft_is_reported_with_the_base_both_started_from(passed_over) -> None:
    found = selectors.passed_over_draft(passed_over)
    assert found is not None
    assert (found.draft, found.base, found.live) == (2, 1, 3)
    assert found.by.startswith("api-key:integration")


def test_without_drafts_or_after_an_editor_saved_nothing_is_reported(
    blog, passed_over, editor_actor, integration
) -> None:
    services.version_save(actor=integration, assistant_id=blog.pk, publish=True, context={})
    blog.refresh_from_db()
    assert selectors.passed_over_draft(blog).draft == 2  # another API update: still unsettled
    services.version_save(actor=editor_actor, assistant_id=blog.pk, base_version=4, note="x")
    blog.refresh_from_db()
    assert selectors.passed_over_draft(blog) is None  # a new draft: the editor moved on


def test_rebasing_saves_the_merge_as_a_new_draft_and_changes_nothing_else(
    passed_over, editor_actor
) -> None:
    before = versions_snapshot(passed_over.pk)
    version = draft_rebase(
        actor=editor_actor,
        assistant_id=passed_over.pk,
        draft=2,
        base=1,
        onto=3,
        choices={"context.system_prompt": "ours"},
    )
    assert version.version == 4
    assert version.context == {"system_prompt": MINE, "temperature": 0.9}  # both from the draft
    assert version.metadata == {"team": "marketing", "owner": "ops"}  # the update's metadata
    assert version.config == {
        "tags": ["demo"],
        "recursion_limit": 10,
        "configurable": {"system_prompt": MINE, "temperature": 0.9},
    }
    assert (version.note, version.author) == ("Draft v2 rebased onto v3", "user:eddie")
    assistant = Assistant.objects.get(pk=passed_over.pk)
    assert (assistant.version, assistant.latest_version_number) == (3, 4)  # a draft, not live
    assert versions_snapshot(passed_over.pk)[:3] == before
    entry = AuditEntry.objects.get(action="version.rebased")
    assert (entry.version, entry.actor, entry.payload) == (
        4,
        "user:eddie",
        {"draft": 2, "base": 1, "onto": 3, "choices": {"context.system_prompt": "ours"}},
    )
    assert selectors.passed_over_draft(assistant) is None


def test_taking_the_live_value_of_a_conflict(passed_over, editor_actor) -> None:
    version = draft_rebase(
        actor=editor_actor,
        assistant_id=passed_over.pk,
        draft=2,
        base=1,
        onto=3,
        choices={"context.system_prompt": "theirs"},
        note="Kept their prompt",
    )
    assert version.context == {"system_prompt": THEIRS, "temperature": 0.9}
    assert version.note == "Kept their prompt"


def test_an_unsettled_conflict_is_refused_and_nothing_is_written(passed_over, editor_actor) -> None:
    before = versions_snapshot(passed_over.pk)
    with pytest.raises(ValidationError) as caught:
        draft_rebase(actor=editor_actor, assistant_id=passed_over.pk, draft=2, base=1, onto=3)
    assert caught.value.message_dict == {"context.system_prompt": ["Choose which value to keep."]}
    assert versions_snapshot(passed_over.pk) == before
    assert not AuditEntry.objects.filter(action="version.rebased").exists()


def test_a_rebase_onto_an_outdated_version_is_a_conflict(
    passed_over, editor_actor, integration
) -> None:
    services.version_save(actor=integration, assistant_id=passed_over.pk, publish=True)
    before = versions_snapshot(passed_over.pk)
    with pytest.raises(services.VersionConflict):
        draft_rebase(
            actor=editor_actor,
            assistant_id=passed_over.pk,
            draft=2,
            base=1,
            onto=3,
            choices={"context.system_prompt": "ours"},
        )
    assert versions_snapshot(passed_over.pk) == before


def test_viewers_may_not_rebase_and_versions_must_be_in_order(
    passed_over, make_user, editor_actor
) -> None:
    viewer = Actor(user=make_user("val", "viewer"))
    with pytest.raises(PermissionDenied):
        draft_rebase(actor=viewer, assistant_id=passed_over.pk, draft=2, base=1, onto=3)
    with pytest.raises(ValidationError):
        draft_rebase(actor=editor_actor, assistant_id=passed_over.pk, draft=3, base=1, onto=2)
    with pytest.raises(services.VersionNotFound):
        draft_rebase(actor=editor_actor, assistant_id=passed_over.pk, draft=2, base=1, onto=9)
