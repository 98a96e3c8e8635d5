"""A real ``db_worker`` process executes runs from the database queue (SQLite file and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from assistants.actors import Actor
from assistants.models import AuditEntry, Run
from assistants.services.runs import WORKER_LOST, run_cancel, run_create, runs_reap_lost
from tests.runs.conftest import LOST_AFTER, wait_for

pytestmark = pytest.mark.slow_server

SYSTEM = Actor.system_actor()


def status_of(run: Run) -> str:
    return Run.objects.values_list("status", flat=True).get(pk=run.pk)


def queue(make_assistant: Any, graph_id: str = "writer", **context: Any) -> Run:
    assistant = make_assistant(graph_id, name=f"{graph_id} assistant", **context)
    return run_create(
        actor=SYSTEM, assistant_id=assistant.pk, graph_input={"topic": "tide pools"}, version=1
    )


def test_the_worker_picks_up_a_queued_run_and_stores_its_result(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    run = queue(make_assistant, style="tweet")
    assert status_of(run) == Run.QUEUED
    worker = start_worker()
    wait_for(lambda: status_of(run) not in Run.ACTIVE, timeout=60)
    run.refresh_from_db()
    assert run.status == Run.SUCCEEDED, (run.error, worker.output())
    assert run.output_text.startswith("Tide pools")
    assert run.output["draft"] == run.output_text
    assert run.total_tokens and run.total_tokens > 0
    assert run.started_at and run.finished_at and run.worker
    kinds = [e.kind for e in run.events.all()]
    assert {"model_start", "token", "model_end", "step"} <= set(kinds)
    assert [e.data["node"] for e in run.events.all() if e.kind == "step"] == ["write", "polish"]
    actions = list(
        AuditEntry.objects.filter(payload__run_id=str(run.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["run.created", "run.succeeded"]


def test_runs_queued_while_no_worker_is_up_run_when_one_comes_back(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    first = queue(make_assistant, style="tweet")
    worker = start_worker()
    wait_for(lambda: status_of(first) == Run.SUCCEEDED, timeout=60)
    worker.stop()  # graceful stop, nothing running
    waiting = [queue(make_assistant, style=style) for style in ("blog", "tweet")]
    assert [status_of(run) for run in waiting] == [Run.QUEUED, Run.QUEUED]
    start_worker()
    wait_for(lambda: all(status_of(run) == Run.SUCCEEDED for run in waiting), timeout=60)


def test_a_killed_worker_leaves_the_run_failed_worker_lost(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    run = queue(make_assistant, "slow", seconds=60)
    worker = start_worker()
    wait_for(lambda: status_of(run) == Run.RUNNING, timeout=60)
    worker.kill()
    # Anyone reading the run (the run page does this) sees it failed within a bounded time.
    wait_for(lambda: runs_reap_lost(Run.objects.filter(pk=run.pk)) or None, timeout=LOST_AFTER + 5)
    run.refresh_from_db()
    assert run.status == Run.FAILED
    assert run.error == WORKER_LOST
    assert run.finished_at is not None
    # A new worker neither resurrects it nor blocks on it: the next run goes through.
    start_worker()
    after = queue(make_assistant, style="tweet")
    wait_for(lambda: status_of(after) == Run.SUCCEEDED, timeout=60)
    assert status_of(run) == Run.FAILED


def test_cancelling_a_running_run_stops_it(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    run = queue(make_assistant, "slow", seconds=60)
    start_worker()
    wait_for(lambda: status_of(run) == Run.RUNNING, timeout=60)
    run_cancel(actor=SYSTEM, run_id=run.pk)
    assert status_of(run) == Run.CANCELLED
    # The worker notices at its next heartbeat and takes the next run.
    after = queue(make_assistant, style="tweet")
    wait_for(lambda: status_of(after) == Run.SUCCEEDED, timeout=90)
    assert status_of(run) == Run.CANCELLED


def test_stopping_a_worker_mid_run_finishes_that_run_and_keeps_the_queued_ones(
    worker_db: str, start_worker: Any, make_assistant: Any
) -> None:
    running = queue(make_assistant, "slow", seconds=3)
    worker = start_worker()
    wait_for(lambda: status_of(running) == Run.RUNNING, timeout=60)
    waiting = queue(make_assistant, style="tweet")
    worker.stop()  # SIGTERM: db_worker finishes the task in hand, then exits
    assert status_of(running) == Run.SUCCEEDED
    assert status_of(waiting) == Run.QUEUED
    start_worker()
    wait_for(lambda: status_of(waiting) == Run.SUCCEEDED, timeout=60)
