"""Runs: who may run what, queueing, cancelling, re-running, and the worker's writes.

Starting a run checks the actor's rights, the user's cap on active runs and the configuration,
stores the run with the exact configuration it will use, records ``run.created`` in the audit trail
and enqueues the worker task, all in one transaction (the database queue commits with it, so a
run is never stored without its task, nor a task without its run). The worker reports through
:func:`run_start`, :func:`run_append_events`, :func:`run_heartbeat` and :func:`run_finish`; every
transition is a conditional update, so a cancel and a finish racing each other cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, Run, RunEvent
from assistants.services.audit import audit_record
from assistants.services.context import check_context
from assistants.services.errors import AssistantNotFound, ServiceError, VersionNotFound

__all__ = [
    "RunLimitReached",
    "RunNotActive",
    "WORKER_LOST",
    "run_append_events",
    "run_cancel",
    "run_create",
    "run_finish",
    "run_heartbeat",
    "run_rerun",
    "run_start",
    "runs_reap_lost",
]

WORKER_LOST = "Worker lost: the worker process running this run stopped before it finished."


class RunLimitReached(ServiceError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"You already have {limit} run{'s' if limit != 1 else ''} queued or running, the "
            "most allowed at once. Wait for one to finish or cancel one, then try again."
        )


class RunNotActive(ServiceError):
    def __init__(self, run: Run) -> None:
        super().__init__(f"This run has already finished ({run.get_status_display().lower()}).")


def _check_can_run(actor: Actor) -> None:
    if not actor.can_edit():
        raise PermissionDenied("Only editors and publishers can run assistants.")


def _check_cap(actor: Actor) -> None:
    """At most ``STUDIO_RUN_MAX_ACTIVE_PER_USER`` queued or running runs per user (a comparison's
    runs are not counted: it has its own size).

    The user's row is locked first, so two simultaneous starts by one user are counted in turn.
    """
    user = actor.user_or_none
    if user is None:
        return
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.STUDIO_RUN_MAX_ACTIVE_PER_USER
    runs_reap_lost(Run.objects.for_user(user))
    active = Run.objects.for_user(user).active().filter(comparison_link__isnull=True)
    if active.count() >= limit:
        raise RunLimitReached(limit)


def _enqueue(run: Run) -> None:
    """Queue the worker task: inside the transaction for the database queue, after it otherwise."""
    from django_tasks_db import DatabaseBackend

    from assistants.tasks import execute_run

    def enqueue() -> None:
        result = execute_run.enqueue(str(run.pk))
        run.task_id = str(result.id)[:64]
        Run.objects.filter(pk=run.pk).update(task_id=run.task_id)

    if isinstance(execute_run.get_backend(), DatabaseBackend):
        enqueue()
    else:
        transaction.on_commit(enqueue)


def run_create(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    graph_input: dict[str, Any],
    version: int | None = None,
    context: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    rerun_of: Run | None = None,
    capped: bool = True,
) -> Run:
    """Queue a run of ``version`` (its stored configuration) or, when ``version`` is None, of the
    unsaved ``context`` (and ``config``), which is checked against the graph's schema first.

    ``capped=False`` skips the per-user cap on active runs: a comparison's runs are credited to
    the user who started it but are bounded by the comparison itself (and not counted in the cap).

    Raises PermissionDenied, AssistantNotFound, VersionNotFound, ValidationError (keyed by field)
    or RunLimitReached; nothing is stored or queued then.
    """
    _check_can_run(actor)
    with transaction.atomic():
        assistant = Assistant.objects.filter(pk=assistant_id).first()
        if assistant is None:
            raise AssistantNotFound(assistant_id)
        if version is not None:
            row = AssistantVersion.objects.filter(assistant=assistant, version=version).first()
            if row is None:
                raise VersionNotFound(assistant.pk, version)
            config, context = row.config, row.context
        else:
            if not isinstance(context, dict):
                raise ValidationError({"__all__": ["An unsaved configuration needs a context."]})
            check_context(graph_id=assistant.graph_id, context=context)
            config = {**(config or {}), "configurable": dict(context)}
        if capped:
            _check_cap(actor)
        run = Run.objects.create(
            assistant=assistant,
            graph_id=assistant.graph_id,
            version=version,
            config=config or {},
            context=context or {},
            input=graph_input,
            timeout_seconds=settings.STUDIO_RUN_TIMEOUT,
            actor=actor.label,
            created_by=actor.user_or_none,
            rerun_of=rerun_of,
        )
        audit_record(
            actor=actor,
            action="run.created",
            assistant_id=assistant.pk,
            version=version,
            payload={
                "run_id": str(run.pk),
                "unsaved": version is None,
                "rerun_of": str(rerun_of.pk) if rerun_of else None,
            },
        )
        _enqueue(run)
    return run


def run_rerun(*, actor: Actor, run_id: uuid.UUID | str) -> Run:
    """Queue a new run with the same assistant, configuration and input as ``run_id``."""
    old = Run.objects.filter(pk=run_id).first()
    if old is None:
        raise ServiceError(f"Run {run_id} not found")
    if old.version is not None:
        return run_create(
            actor=actor,
            assistant_id=old.assistant_id,
            graph_input=old.input,
            version=old.version,
            rerun_of=old,
        )
    return run_create(
        actor=actor,
        assistant_id=old.assistant_id,
        graph_input=old.input,
        context=old.context,
        config={k: v for k, v in old.config.items() if k != "configurable"},
        rerun_of=old,
    )


def run_cancel(*, actor: Actor, run_id: uuid.UUID | str) -> Run:
    """Cancel a queued or running run (a running one stops within a second or so)."""
    _check_can_run(actor)
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise ServiceError(f"Run {run_id} not found")
        if run.is_finished:
            raise RunNotActive(run)
        now = timezone.now()
        Run.objects.filter(pk=run.pk, status__in=Run.ACTIVE).update(
            status=Run.CANCELLED,
            error=f"Cancelled by {actor.label.removeprefix('user:')}.",
            finished_at=now,
        )
        audit_record(
            actor=actor,
            action="run.cancelled",
            assistant_id=run.assistant_id,
            version=run.version,
            payload={"run_id": str(run.pk), "was": run.status},
        )
    run.refresh_from_db()
    return run


# -- the worker's side ---------------------------------------------------------------------------


def run_start(*, run_id: uuid.UUID | str, worker: str) -> Run | None:
    """Mark a queued run running; None if it is not queued any more (cancelled meanwhile)."""
    runs_reap_lost()
    now = timezone.now()
    started = Run.objects.filter(pk=run_id, status=Run.QUEUED).update(
        status=Run.RUNNING, started_at=now, heartbeat_at=now, worker=worker[:255]
    )
    return Run.objects.get(pk=run_id) if started else None


def run_heartbeat(*, run_id: uuid.UUID | str) -> str:
    """Record that the worker is alive; returns the run's status (``cancelled`` stops the run)."""
    Run.objects.filter(pk=run_id, status=Run.RUNNING).update(heartbeat_at=timezone.now())
    return Run.objects.filter(pk=run_id).values_list("status", flat=True).first() or Run.FAILED


def run_append_events(*, run_id: uuid.UUID | str, events: Iterable[dict[str, Any]]) -> int:
    """Append events (in order) to a running run; returns how many were stored."""
    events = list(events)
    if not events:
        return 0
    with transaction.atomic():
        if not Run.objects.select_for_update().filter(pk=run_id, status=Run.RUNNING).exists():
            return 0
        last = RunEvent.objects.filter(run_id=run_id).aggregate(last=Max("seq"))["last"] or 0
        RunEvent.objects.bulk_create(
            RunEvent(run_id=run_id, seq=last + n, kind=str(e.get("type", "")), data=e)
            for n, e in enumerate(events, 1)
        )
        Run.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
    return len(events)


def run_finish(
    *,
    run_id: uuid.UUID | str,
    status: str,
    output: Any = None,
    output_text: str | None = None,
    error: str = "",
    error_node: str = "",
    traceback: str = "",
    usage: dict[str, int] | None = None,
) -> bool:
    """Store a running run's result; False if it had already finished (e.g. cancelled)."""
    usage = usage or {}
    with transaction.atomic():
        finished = Run.objects.filter(pk=run_id, status=Run.RUNNING).update(
            status=status,
            output=output,
            output_text=output_text or "",
            error=error,
            error_node=error_node[:255],
            traceback=traceback,
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
            total_tokens=usage.get("total_tokens"),
            finished_at=timezone.now(),
        )
        if finished:
            run = Run.objects.get(pk=run_id)
            audit_record(
                actor=Actor.system_actor(),
                action=f"run.{status}",
                assistant_id=run.assistant_id,
                version=run.version,
                payload={"run_id": str(run.pk), "error": error[:500]},
            )
    return bool(finished)


def runs_reap_lost(runs: Any = None) -> int:
    """Fail running runs whose worker stopped sending heartbeats ("worker lost").

    Called when a run is read, when a worker starts a run and before counting a user's runs, so
    no run stays "running" longer than ``STUDIO_RUN_LOST_AFTER`` seconds after its worker died.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.STUDIO_RUN_LOST_AFTER)
    queryset = (runs if runs is not None else Run.objects.all()).filter(
        status=Run.RUNNING, heartbeat_at__lt=cutoff
    )
    lost = list(queryset.values_list("pk", "assistant_id", "version"))
    count = 0
    for pk, assistant_id, version in lost:
        with transaction.atomic():
            if Run.objects.filter(pk=pk, status=Run.RUNNING, heartbeat_at__lt=cutoff).update(
                status=Run.FAILED, error=WORKER_LOST, finished_at=timezone.now()
            ):
                count += 1
                audit_record(
                    actor=Actor.system_actor(),
                    action="run.failed",
                    assistant_id=assistant_id,
                    version=version,
                    payload={"run_id": str(pk), "error": WORKER_LOST},
                )
    return count
