"""Test inputs, the comparison state machine and the publish gate, through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistants import services
from assistants.actors import Actor
from assistants.models import (
    Assistant,
    AssistantVersion,
    AuditEntry,
    Comparison,
    ImmutableComparisonError,
    Publication,
    Run,
    TestInput,
)
from assistants.services.comparisons import comparison_create, comparison_refresh
from assistants.services.gate import PublishGateClosed, assistant_gate_set
from assistants.services.runs import WORKER_LOST, run_cancel
from assistants.services.test_inputs import (
    test_input_create as create_input,
)
from assistants.services.test_inputs import (
    test_input_delete as delete_input,
)
from assistants.services.test_inputs import (
    test_input_update as update_input,
)
from assistants.services.test_inputs import (
    test_inputs_copy as copy_inputs,
)
from tests.gate.conftest import SYSTEM, execute_queued

pytestmark = pytest.mark.django_db

TWEET = [{"kind": "contains", "value": "in one breath"}]


def add_input(assistant: Assistant, name: str = "tide", **kwargs: Any) -> TestInput:
    return create_input(
        actor=SYSTEM,
        assistant_id=assistant.pk,
        name=name,
        graph_input=kwargs.pop("graph_input", {"topic": "tide pools"}),
        expectations=kwargs.pop("expectations", TWEET),
    )


# -- test inputs ---------------------------------------------------------------------------------


def test_test_inputs_are_created_changed_and_deleted_with_an_audit_of_each(
    writer: Assistant, editor_actor: Actor
) -> None:
    row = create_input(
        actor=editor_actor,
        assistant_id=writer.pk,
        name=" tide ",
        graph_input={"topic": "tide pools"},
        expectations=TWEET,
    )
    assert (row.name, row.input, row.expectations) == ("tide", {"topic": "tide pools"}, TWEET)
    update_input(
        actor=editor_actor,
        assistant_id=writer.pk,
        test_input_id=row.pk,
        name="tide",
        graph_input={"topic": "rock pools"},
        expectations=[],
    )
    delete_input(actor=editor_actor, assistant_id=writer.pk, test_input_id=row.pk)
    assert not TestInput.objects.exists()
    entries = list(AuditEntry.objects.filter(action__startswith="test_input.").order_by("id"))
    assert [e.action for e in entries] == [
        "test_input.created",
        "test_input.updated",
        "test_input.deleted",
    ]
    assert all(e.actor == "user:eddie" for e in entries)
    assert entries[1].payload["before"]["input"] == {"topic": "tide pools"}
    assert entries[1].payload["after"] == {
        "id": row.pk,
        "name": "tide",
        "input": {"topic": "rock pools"},
        "expectations": [],
    }
    assert entries[2].payload["before"]["input"] == {"topic": "rock pools"}


def test_viewers_cannot_change_test_inputs(writer: Assistant, viewer: Any) -> None:
    with pytest.raises(PermissionDenied):
        create_input(
            actor=Actor(user=viewer), assistant_id=writer.pk, name="x", graph_input={"topic": "x"}
        )
    assert not TestInput.objects.exists()


def test_a_bad_input_or_regex_is_refused_with_errors_by_field(writer: Assistant) -> None:
    with pytest.raises(ValidationError) as caught:
        add_input(
            writer,
            name="",
            graph_input={"subject": "x"},
            expectations=[{"kind": "regex", "value": "[a-"}],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "input", "regex"}
    assert errors["input"] == [
        "“subject” is not an input of this graph any more.",
        "“topic” is required by the graph but missing.",
    ]
    assert not TestInput.objects.exists()


def test_test_inputs_are_copied_from_an_assistant_of_the_same_graph_only(
    writer: Assistant, make_assistant: Any
) -> None:
    add_input(writer, "one")
    add_input(writer, "two", expectations=[])
    other = make_assistant("writer", name="Other writer")
    copies = copy_inputs(actor=SYSTEM, source_id=writer.pk, target_id=other.pk)
    assert [(c.assistant_id, c.name) for c in copies] == [(other.pk, "one"), (other.pk, "two")]
    chat = make_assistant("chat", name="Chat")
    with pytest.raises(ValidationError) as caught:
        copy_inputs(actor=SYSTEM, source_id=writer.pk, target_id=chat.pk)
    assert caught.value.message_dict == {"source": ["“Writer” runs another graph (writer)."]}
    assert not chat.test_inputs.exists()


# -- comparisons ---------------------------------------------------------------------------------


def test_a_comparison_runs_both_versions_on_every_input_and_stores_the_results(
    writer: Assistant, editor_actor: Actor
) -> None:
    add_input(writer, "tide")
    add_input(writer, "plain", graph_input={"topic": "kites"}, expectations=[])
    comparison = comparison_create(actor=editor_actor, assistant_id=writer.pk, version=2, repeats=2)
    assert (comparison.status, comparison.total, comparison.done) == (Comparison.QUEUED, 8, 0)
    assert (comparison.candidate_version, comparison.live_version) == (2, 1)
    assert sorted(Run.objects.values_list("version", flat=True)) == [1] * 4 + [2] * 4
    comparison = execute_queued(comparison)
    assert (comparison.status, comparison.done) == (Comparison.SUCCEEDED, 8)
    assert (comparison.checks_total, comparison.candidate_passed, comparison.live_passed) == (
        2,
        2,
        1,
    )
    assert comparison.passes
    plain, tide = comparison.results
    assert tide["name"] == "tide" and len(tide["candidate"]) == 2 and len(tide["live"]) == 2
    assert tide["checks"] == [
        {"label": "contains “in one breath”", "candidate": True, "live": False}
    ]
    assert plain["checks"] == [
        {"label": "finishes without an error", "candidate": True, "live": True}
    ]
    assert tide["candidate"][0]["output"].startswith("Tide pools in one breath")
    assert tide["live"][0]["output"].startswith("# Tide pools")
    assert tide["candidate"][0]["tokens"] and tide["candidate"][0]["latency_ms"] is not None
    actions = AuditEntry.objects.filter(action__startswith="comparison.")
    assert sorted(actions.values_list("action", flat=True)) == [
        "comparison.created",
        "comparison.succeeded",
    ]
    with pytest.raises(ImmutableComparisonError):
        comparison.save()


def test_a_comparison_goes_queued_running_then_finished(writer: Assistant) -> None:
    add_input(writer)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    first = Run.objects.filter(comparison_link__comparison=comparison).first()
    assert first is not None
    from assistants.tasks import execute_run

    execute_run.call(str(first.pk))
    comparison = comparison_refresh(comparison_id=comparison.pk)
    assert (comparison.status, comparison.done, comparison.total) == (Comparison.RUNNING, 1, 2)
    assert execute_queued(comparison).status == Comparison.SUCCEEDED


def test_inputs_that_no_longer_fit_are_reported_not_run_and_fail_their_checks(
    writer: Assistant,
) -> None:
    add_input(writer, "good")
    # The graph changed since this one was saved (written past the service, as old data would be).
    TestInput.objects.create(
        assistant=writer, name="stale", input={"subject": "x"}, expectations=TWEET
    )
    comparison = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    assert comparison.total == 2 and comparison.status == Comparison.SUCCEEDED
    good, stale = comparison.results
    assert stale["error"].startswith("Not run: it no longer fits the graph's input.")
    assert stale["candidate"] == [] and stale["checks"][0]["candidate"] is False
    assert good["checks"][0]["candidate"] is True
    assert not comparison.passes


def test_a_run_lost_with_its_worker_fails_the_comparison(writer: Assistant, settings: Any) -> None:
    add_input(writer)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    runs = Run.objects.filter(comparison_link__comparison=comparison)
    lost = runs.first()
    assert lost is not None
    Run.objects.filter(pk=lost.pk).update(
        status=Run.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    comparison = execute_queued(comparison)
    assert Run.objects.get(pk=lost.pk).error == WORKER_LOST
    assert comparison.status == Comparison.FAILED and not comparison.passes
    assert "worker was lost" in comparison.error


def test_a_cancelled_run_fails_the_comparison(writer: Assistant) -> None:
    add_input(writer)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    run_cancel(
        actor=SYSTEM, run_id=Run.objects.filter(comparison_link__comparison=comparison)[0].pk
    )
    assert execute_queued(comparison).status == Comparison.FAILED


def test_comparisons_need_a_test_input_an_editor_and_1_to_5_repeats(
    writer: Assistant, viewer: Any
) -> None:
    with pytest.raises(ValidationError):
        comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    add_input(writer)
    with pytest.raises(PermissionDenied):
        comparison_create(actor=Actor(user=viewer), assistant_id=writer.pk, version=2)
    for repeats in (0, 6):
        with pytest.raises(ValidationError):
            comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2, repeats=repeats)
    with pytest.raises(services.VersionNotFound):
        comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=9)
    assert not Comparison.objects.exists() and not Run.objects.exists()


# -- the gate ------------------------------------------------------------------------------------


def gate_on(assistant: Assistant) -> None:
    assistant_gate_set(actor=SYSTEM, assistant_id=assistant.pk, required=True)


def test_with_the_gate_off_publishing_is_unchanged(writer: Assistant) -> None:
    services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
    assert Assistant.objects.get(pk=writer.pk).version == 2


def test_the_gate_refuses_a_version_never_compared(writer: Assistant) -> None:
    gate_on(writer)
    with pytest.raises(PublishGateClosed) as caught:
        services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
    assert str(caught.value) == (
        "v2 cannot be published: this assistant requires passing checks. "
        "It has not been compared with live yet."
    )
    assert Assistant.objects.get(pk=writer.pk).version == 1
    assert Publication.objects.filter(assistant=writer).count() == 1


def test_the_gate_names_the_failing_checks_and_opens_once_they_pass(writer: Assistant) -> None:
    add_input(writer, "tide")
    gate_on(writer)
    # v3 writes blogs again: it fails "contains in one breath".
    services.version_save(actor=SYSTEM, assistant_id=writer.pk, context={"style": "blog"})
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=3))
    with pytest.raises(PublishGateClosed) as caught:
        services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=3)
    assert caught.value.failing == ["tide: contains “in one breath”"]
    assert "0 of 1 checks pass. Failing checks: tide: contains “in one breath”." in str(
        caught.value
    )
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    with pytest.raises(PublishGateClosed, match="still running"):
        services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
    execute_queued(comparison)
    services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
    assert Assistant.objects.get(pk=writer.pk).version == 2


def test_the_gate_refuses_saves_and_restores_that_publish_and_writes_nothing(
    writer: Assistant,
) -> None:
    gate_on(writer)
    before = (AssistantVersion.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PublishGateClosed, match="A new version cannot be published"):
        services.version_save(
            actor=SYSTEM, assistant_id=writer.pk, context={"style": "blog"}, publish=True
        )
    with pytest.raises(PublishGateClosed):
        services.version_restore(actor=SYSTEM, assistant_id=writer.pk, version=1, publish=True)
    assert (AssistantVersion.objects.count(), AuditEntry.objects.count()) == before
    writer.refresh_from_db()
    assert (writer.version, writer.latest_version_number) == (1, 2)


def test_a_failed_comparison_keeps_the_gate_closed(writer: Assistant) -> None:
    add_input(writer)
    gate_on(writer)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    run_cancel(
        actor=SYSTEM, run_id=Run.objects.filter(comparison_link__comparison=comparison)[0].pk
    )
    execute_queued(comparison)
    with pytest.raises(PublishGateClosed, match="did not complete"):
        services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)


def test_only_publishers_change_the_gate_and_each_change_is_audited(
    writer: Assistant, editor_actor: Actor, publisher_actor: Actor
) -> None:
    with pytest.raises(PermissionDenied):
        assistant_gate_set(actor=editor_actor, assistant_id=writer.pk, required=True)
    assistant_gate_set(actor=publisher_actor, assistant_id=writer.pk, required=True)
    assistant_gate_set(actor=publisher_actor, assistant_id=writer.pk, required=True)
    assert Assistant.objects.get(pk=writer.pk).require_passing_checks is True
    entries = AuditEntry.objects.filter(action="assistant.gate_changed")
    assert [(e.actor, e.payload) for e in entries] == [
        ("user:pat", {"require_passing_checks": True})
    ]
