"""Two publishes of a gated version while its comparison finishes (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from assistants import services
from assistants.models import Assistant, AuditEntry, Comparison, Publication, Run
from assistants.services.comparisons import comparison_create, comparison_refresh
from assistants.services.gate import PublishGateClosed
from assistants.services.runs import run_finish, run_start
from tests.gate.conftest import SYSTEM, add_tide_input

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def finish_runs_without_the_comparison_noticing(comparison: Comparison, text: str) -> None:
    """The worker's side of every run, minus the task's call that moves the comparison on."""
    for run in Run.objects.filter(comparison_link__comparison=comparison):
        run_start(run_id=run.pk, worker="test")
        run_finish(run_id=run.pk, status=Run.SUCCEEDED, output_text=text, usage={})


@pytest.mark.parametrize("text", ["Tide pools in one breath", "# Tide pools"])
def test_two_publishes_racing_a_finishing_comparison_publish_once_and_only_if_it_passes(
    writer: Assistant, text: str
) -> None:
    add_tide_input(writer, gate=True)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2)
    finish_runs_without_the_comparison_noticing(comparison, text)
    start = threading.Barrier(3)
    outcomes: list[Any] = []

    def publish() -> None:
        start.wait()
        try:
            services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
            outcomes.append("published")
        except PublishGateClosed as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    def finish() -> None:
        start.wait()
        try:
            comparison_refresh(comparison_id=comparison.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=t) for t in (publish, publish, finish)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    comparison.refresh_from_db()
    passes = "one breath" in text
    assert comparison.status == Comparison.SUCCEEDED and comparison.passes is passes
    # Finished exactly once, whoever got there first (a publish finishes it too, under the lock).
    assert AuditEntry.objects.filter(action="comparison.succeeded").count() == 1
    assert Assistant.objects.get(pk=writer.pk).version == (2 if passes else 1)
    assert Publication.objects.filter(assistant=writer, to_version=2).count() == int(passes)
    if passes:
        assert outcomes == ["published", "published"]
    else:
        assert [type(o) for o in outcomes] == [PublishGateClosed, PublishGateClosed]
