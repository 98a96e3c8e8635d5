"""The background task that executes a run (Django's Tasks API; the worker is ``db_worker``).

The web process only enqueues :data:`execute_run`; a worker process picks it up, runs the graph
through :func:`graphs.runner.run_graph` and writes what happens through the run services: events
in small batches while the graph streams (about four writes a second, so the page can show tokens
as they come), a heartbeat every second (which is also when a cancel is noticed), and the result.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from typing import Any

from django_tasks import task

from assistants.models import Run
from assistants.services.runs import run_append_events, run_finish, run_heartbeat, run_start
from graphs.registry import GraphNotFound, get_registry
from graphs.runner import run_graph

#: Seconds between two writes of buffered events, and between two heartbeats.
FLUSH_SECONDS = 0.25
HEARTBEAT_SECONDS = 1.0


class _Writer:
    """Buffers the runner's events (joining streamed text) and writes them a few times a second."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.buffer: list[dict[str, Any]] = []
        self.flushed = time.monotonic()
        self.beat = time.monotonic()

    def emit(self, event: dict[str, Any]) -> None:
        last = self.buffer[-1] if self.buffer else None
        if (
            last is not None
            and event["type"] == "token"
            and last["type"] == "token"
            and last.get("call") == event.get("call")
        ):
            last["text"] += event["text"]
        else:
            self.buffer.append(dict(event))
        if time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        events, self.buffer = self.buffer, []
        run_append_events(run_id=self.run_id, events=events)
        self.flushed = time.monotonic()

    def tick(self) -> str | None:
        """Flush, beat, and stop if the run was cancelled or given up meanwhile."""
        if self.buffer and time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()
        if time.monotonic() - self.beat < HEARTBEAT_SECONDS:
            return None
        self.beat = time.monotonic()
        status = run_heartbeat(run_id=self.run_id)
        return None if status == Run.RUNNING else status


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def execute_run(run_id: str) -> str:
    """Execute one queued run; returns its final status (a cancelled run is skipped)."""
    run = run_start(run_id=run_id, worker=_worker_name())
    if run is None:
        return "skipped"
    writer = _Writer(run_id)
    try:
        spec = get_registry().get(run.graph_id)
        outcome = run_graph(
            spec,
            graph_input=run.input,
            context=run.context,
            config=run.config,
            emit=writer.emit,
            tick=writer.tick,
            timeout=run.timeout_seconds,
        )
        writer.flush()
        run_finish(
            run_id=run_id,
            status=outcome.status,
            output=outcome.output,
            output_text=outcome.output_text,
            error=outcome.error,
            error_node=outcome.error_node,
            traceback=outcome.traceback,
            usage=outcome.usage,
        )
        return outcome.status
    except GraphNotFound as exc:
        run_finish(run_id=run_id, status=Run.FAILED, error=str(exc))
    except Exception as exc:  # the worker must record every failure on the run, then carry on
        run_finish(
            run_id=run_id,
            status=Run.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )
    finally:
        _comparison_moves_on(run_id)
    return Run.FAILED


def _comparison_moves_on(run_id: str) -> None:
    """A run of a comparison finished: let the comparison count it (and finish when all did)."""
    from assistants.services.comparisons import comparison_run_finished

    try:
        comparison_run_finished(run_id=run_id)
    except Exception:  # the comparison's readers move it on as well; never lose the run over it
        traceback.print_exc()
