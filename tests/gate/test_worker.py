"""Comparisons executed by real ``db_worker`` processes (SQLite file and PostgreSQL): the task that
finishes a run moves its comparison on, and a worker killed mid-comparison leaves it failed,
never passing, while the runs still queued are picked up by the next worker."""

from __future__ import annotations

from typing import Any

import pytest

from assistants import services
from assistants.models import Comparison, Run
from assistants.services.comparisons import comparison_create, comparison_refresh
from assistants.services.gate import PublishGateClosed, assistant_gate_set
from assistants.services.test_inputs import test_input_create as create_input
from tests.gate.conftest import SYSTEM, add_tide_input
from tests.runs.conftest import LOST_AFTER, wait_for

pytestmark = pytest.mark.slow_server


def status_of(comparison: Comparison) -> str:
    return Comparison.objects.values_list("status", flat=True).get(pk=comparison.pk)


def test_the_worker_finishes_a_comparison_without_anyone_reading_it(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    writer = make_assistant("writer", name="Writer", style="blog")
    services.version_save(actor=SYSTEM, assistant_id=writer.pk, context={"style": "tweet"})
    add_tide_input(writer)
    comparison = comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2, repeats=2)
    worker = start_worker()
    wait_for(lambda: status_of(comparison) not in Comparison.ACTIVE, timeout=90)
    comparison.refresh_from_db()
    assert comparison.status == Comparison.SUCCEEDED, worker.output()
    assert (comparison.done, comparison.total, comparison.candidate_passed) == (4, 4, 1)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)


def test_a_worker_killed_mid_comparison_leaves_it_failed_and_the_gate_closed(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    slow = make_assistant("slow", name="Slow", seconds=0.5)
    services.version_save(actor=SYSTEM, assistant_id=slow.pk, context={"seconds": 20})
    create_input(actor=SYSTEM, assistant_id=slow.pk, name="one", graph_input={"topic": "x"})
    comparison = comparison_create(actor=SYSTEM, assistant_id=slow.pk, version=2)
    assistant_gate_set(actor=SYSTEM, assistant_id=slow.pk, required=True)
    worker = start_worker()
    runs = Run.objects.filter(comparison_link__comparison=comparison)
    wait_for(lambda: runs.filter(version=2, status=Run.RUNNING).exists(), timeout=60)
    worker.kill()
    start_worker()  # the next worker: nothing it does may make the comparison pass
    wait_for(
        lambda: comparison_refresh(comparison_id=comparison.pk).is_finished, timeout=LOST_AFTER + 30
    )
    comparison.refresh_from_db()
    assert comparison.status == Comparison.FAILED and not comparison.passes
    assert "worker was lost" in comparison.error
    with pytest.raises(PublishGateClosed, match="did not complete"):
        services.version_publish(actor=SYSTEM, assistant_id=slow.pk, version=2)
