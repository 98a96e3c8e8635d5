"""Run services: rights, the per-user cap, immutability, cancelling, the lost-worker reaper, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import AuditEntry, ImmutableRunError, Run, RunEvent
from assistants.services import VersionNotFound
from assistants.services.runs import (
    WORKER_LOST,
    RunLimitReached,
    RunNotActive,
    run_append_events,
    run_cancel,
    run_create,
    run_finish,
    run_start,
    runs_reap_lost,
)
from assistants.tasks import execute_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(make_assistant: Any) -> Any:
    return make_assistant("writer", style="tweet")


def start(actor: Actor, assistant: Any, **kw: Any) -> Run:
    kw.setdefault("version", 1)
    return run_create(actor=actor, assistant_id=assistant.pk, graph_input={"topic": "x"}, **kw)


def test_viewers_cannot_run(viewer: Any, writer: Any) -> None:
    with pytest.raises(PermissionDenied):
        start(Actor(user=viewer), writer)
    assert not Run.objects.exists()


def test_editors_and_publishers_can_run(editor: Any, publisher: Any, writer: Any) -> None:
    start(Actor(user=editor), writer)
    start(Actor(user=publisher), writer)
    assert Run.objects.count() == 2


def test_an_unknown_version_is_refused(editor: Any, writer: Any) -> None:
    with pytest.raises(VersionNotFound):
        start(Actor(user=editor), writer, version=9)
    assert not Run.objects.exists() and not AuditEntry.objects.filter(action="run.created")


def test_an_unsaved_context_is_checked_against_the_graph(editor: Any, writer: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        start(Actor(user=editor), writer, version=None, context={"style": "poem"})
    assert "style" in caught.value.message_dict
    run = start(Actor(user=editor), writer, version=None, context={"style": "blog"})
    assert run.version is None and run.context == {"style": "blog"}
    assert run.config["configurable"] == {"style": "blog"}


def test_the_cap_counts_only_the_users_active_runs(
    editor: Any, publisher: Any, writer: Any, settings: Any
) -> None:
    settings.STUDIO_RUN_MAX_ACTIVE_PER_USER = 1
    first = start(Actor(user=editor), writer)
    with pytest.raises(RunLimitReached, match="You already have 1 run queued or running"):
        start(Actor(user=editor), writer)
    start(Actor(user=publisher), writer)  # someone else's runs do not count
    run_cancel(actor=Actor(user=editor), run_id=first.pk)
    start(Actor(user=editor), writer)  # a finished run frees the slot


def test_a_finished_run_is_immutable(editor: Any, writer: Any) -> None:
    run = start(Actor(user=editor), writer)
    execute_run.call(str(run.pk))
    run.refresh_from_db()
    run.output_text = "changed"
    with pytest.raises(ImmutableRunError):
        run.save()
    assert run_finish(run_id=run.pk, status=Run.FAILED, error="late") is False
    assert run_append_events(run_id=run.pk, events=[{"type": "token", "text": "x"}]) == 0
    with pytest.raises(RunNotActive):
        run_cancel(actor=Actor(user=editor), run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Run.SUCCEEDED and run.output_text != "changed"


def test_a_cancel_wins_over_a_later_finish(editor: Any, writer: Any) -> None:
    run = start(Actor(user=editor), writer)
    assert run_start(run_id=run.pk, worker="w1") is not None
    run_cancel(actor=Actor(user=editor), run_id=run.pk)
    assert run_finish(run_id=run.pk, status=Run.SUCCEEDED, output_text="done") is False
    run.refresh_from_db()
    assert run.status == Run.CANCELLED and run.output_text == ""


def test_a_running_run_without_heartbeat_is_failed_as_worker_lost(editor: Any, writer: Any) -> None:
    run = start(Actor(user=editor), writer)
    run_start(run_id=run.pk, worker="w1")
    assert runs_reap_lost() == 0  # the heartbeat is fresh
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert runs_reap_lost() == 1
    run.refresh_from_db()
    assert (run.status, run.error) == (Run.FAILED, WORKER_LOST)
    assert AuditEntry.objects.filter(action="run.failed", payload__run_id=str(run.pk)).exists()


def test_every_run_is_audited_from_creation_to_its_end(editor: Any, writer: Any) -> None:
    run = start(Actor(user=editor), writer)
    execute_run.call(str(run.pk))
    entries = AuditEntry.objects.filter(payload__run_id=str(run.pk)).order_by("id")
    assert [(e.action, e.actor) for e in entries] == [
        ("run.created", "user:eddie"),
        ("run.succeeded", "system"),
    ]
    assert entries[0].assistant_id == writer.pk and entries[0].version == 1


def test_events_are_numbered_in_order(editor: Any, writer: Any) -> None:
    run = start(Actor(user=editor), writer)
    execute_run.call(str(run.pk))
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
