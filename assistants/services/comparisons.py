"""Compare with live: run a version and the live version on every test input, k times each.

:func:`comparison_create` snapshots the test inputs, reports those that no longer fit the graph's
input schema (they are not run), and queues two runs per input and repeat through the run
services, all in one transaction. The worker executes them like any run; when one finishes,
:func:`comparison_run_finished` (called by the task) or any reader (:func:`comparison_refresh`:
the page's polling, the gate) moves the comparison on. Once every run has finished, the results
are computed and stored under the assistant's row lock, and the comparison never changes again.

A run lost with its worker, or cancelled, makes the whole comparison *failed*: it cannot count
as passing. A run whose graph raised or timed out is a result like any other: its checks fail.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assistants.actors import Actor
from assistants.expectations import describe, evaluate
from assistants.models import Comparison, ComparisonRun, Run
from assistants.services.audit import audit_record
from assistants.services.errors import ServiceError, VersionNotFound
from assistants.services.rows import lock_assistant
from assistants.services.runs import WORKER_LOST, run_create, runs_reap_lost
from assistants.services.test_inputs import input_problems

__all__ = [
    "MAX_REPEATS",
    "comparison_create",
    "comparison_refresh",
    "comparison_run_finished",
]

MAX_REPEATS = 5
#: Output kept per run in the stored results (the run itself keeps all of it).
MAX_OUTPUT = 20_000
NO_ERRORS = "finishes without an error"


def _schema(graph_id: str) -> dict[str, Any] | None:
    from graphs.inputs import input_schema
    from graphs.registry import get_registry

    try:
        return input_schema(get_registry().get(graph_id))
    except Exception as exc:  # the graph does not load: nothing can run
        raise ServiceError(f"The graph “{graph_id}” cannot be loaded: {exc}") from exc


@transaction.atomic
def comparison_create(
    *, actor: Actor, assistant_id: uuid.UUID | str, version: int, repeats: int = 1
) -> Comparison:
    """Queue a comparison of ``version`` against the live version (editors and publishers)."""
    if not actor.can_edit():
        raise PermissionDenied("Only editors and publishers can start comparisons.")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= MAX_REPEATS:
        raise ValidationError({"repeats": [f"Run each input 1 to {MAX_REPEATS} times."]})
    assistant = lock_assistant(assistant_id)
    if not assistant.versions.filter(version=version).exists():
        raise VersionNotFound(assistant.pk, version)
    rows = list(assistant.test_inputs.order_by("name", "id"))
    if not rows:
        raise ValidationError({"__all__": ["Add a test input first: there is nothing to run."]})
    schema = _schema(assistant.graph_id)
    inputs = []
    for row in rows:
        item = row.snapshot()
        if problems := input_problems(schema, row.input):
            item["error"] = "Not run: it no longer fits the graph's input. " + " ".join(problems)
        inputs.append(item)
    runnable = [i for i, item in enumerate(inputs) if "error" not in item]
    comparison = Comparison.objects.create(
        assistant=assistant,
        candidate_version=version,
        live_version=assistant.version,
        repeats=repeats,
        inputs=inputs,
        total=len(runnable) * repeats * 2,
        actor=actor.label,
        created_by=actor.user_or_none,
    )
    audit_record(
        actor=actor,
        action="comparison.created",
        assistant_id=assistant.pk,
        version=version,
        payload={
            "comparison_id": str(comparison.pk),
            "live_version": assistant.version,
            "repeats": repeats,
            "inputs": len(inputs),
            "not_run": len(inputs) - len(runnable),
        },
    )
    # The runs are credited to who started the comparison; the per-user cap on runs does not
    # apply to them (the comparison's size is bounded by its inputs and repeats).
    for index in runnable:
        for side, number in (
            (ComparisonRun.LIVE, assistant.version),
            (ComparisonRun.CANDIDATE, version),
        ):
            for repeat in range(repeats):
                run = run_create(
                    actor=actor,
                    assistant_id=assistant.pk,
                    graph_input=inputs[index]["input"],
                    version=number,
                    capped=False,
                )
                ComparisonRun.objects.create(
                    comparison=comparison, run=run, side=side, input_index=index, repeat=repeat
                )
    if not runnable:
        _store_results(comparison)
        _finish(comparison, Comparison.FAILED, "No test input fits the graph's input any more.")
    return comparison


def comparison_run_finished(*, run_id: uuid.UUID | str) -> Comparison | None:
    """Called when a run finishes: move its comparison on (None if it belongs to none)."""
    link = ComparisonRun.objects.filter(run_id=run_id).only("comparison_id").first()
    if link is None:
        return None
    return comparison_refresh(comparison_id=link.comparison_id)


def comparison_refresh(*, comparison_id: uuid.UUID | str, locked: bool = False) -> Comparison:
    """Count finished runs and, once all have finished, store the results (idempotent).

    ``locked``: the caller already holds the assistant's row lock in its transaction.
    """
    comparison = Comparison.objects.get(pk=comparison_id)
    if comparison.is_finished:
        return comparison
    runs = Run.objects.filter(comparison_link__comparison=comparison)
    runs_reap_lost(runs)
    statuses = list(runs.values_list("status", flat=True))
    done = sum(status not in Run.ACTIVE for status in statuses)
    started = any(status != Run.QUEUED for status in statuses)
    if done < comparison.total:
        new_status = Comparison.RUNNING if started else Comparison.QUEUED
        Comparison.objects.filter(pk=comparison.pk, status__in=Comparison.ACTIVE).update(
            done=done, status=new_status
        )
        comparison.refresh_from_db()
        return comparison
    with transaction.atomic():
        if not locked:
            lock_assistant(comparison.assistant_id)
        comparison = Comparison.objects.select_for_update().get(pk=comparison.pk)
        if comparison.is_finished:
            return comparison
        comparison.done = done
        lost = runs.filter(status=Run.CANCELLED).exists() or runs.filter(error=WORKER_LOST).exists()
        _store_results(comparison)
        if lost:
            _finish(comparison, Comparison.FAILED, "a run was cancelled or its worker was lost")
        else:
            _finish(comparison, Comparison.SUCCEEDED, "")
    return comparison


def _run_info(run: Run) -> dict[str, Any]:
    duration = run.duration_seconds
    return {
        "run_id": str(run.pk),
        "status": run.status,
        "output": run.output_text[:MAX_OUTPUT],
        "error": run.error[:2000],
        "latency_ms": round(duration * 1000) if duration is not None else None,
        "tokens": run.total_tokens,
    }


def _side_passes(runs: list[dict[str, Any]], expectation: dict[str, Any] | None) -> bool:
    if not runs:
        return False
    return all(
        run["status"] == Run.SUCCEEDED
        and (expectation is None or evaluate(expectation, run["output"]))
        for run in runs
    )


def _store_results(comparison: Comparison) -> None:
    """Per input: the runs of each side and each check's pass or fail on each side.

    A check passes on a side only if it passes in every repeat. An input without expectations has
    one check: the run finishes without an error. An input that was not run fails its checks.
    """
    links = ComparisonRun.objects.filter(comparison=comparison).select_related("run")
    sides: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for link in links.order_by("input_index", "side", "repeat"):
        sides.setdefault((link.input_index, link.side), []).append(_run_info(link.run))
    results = []
    passed = {ComparisonRun.CANDIDATE: 0, ComparisonRun.LIVE: 0}
    total = 0
    for index, item in enumerate(comparison.inputs):
        expectations: list[dict[str, Any] | None] = list(item.get("expectations") or []) or [None]
        entry: dict[str, Any] = {
            "name": item["name"],
            "input": item["input"],
            "error": item.get("error", ""),
            "candidate": sides.get((index, ComparisonRun.CANDIDATE), []),
            "live": sides.get((index, ComparisonRun.LIVE), []),
            "checks": [],
        }
        for expectation in expectations:
            check: dict[str, Any] = {"label": describe(expectation) if expectation else NO_ERRORS}
            for side in (ComparisonRun.CANDIDATE, ComparisonRun.LIVE):
                check[side] = _side_passes(entry[side], expectation)
                passed[side] += int(check[side])
            entry["checks"].append(check)
            total += 1
        results.append(entry)
    comparison.results = results
    comparison.candidate_passed = passed[ComparisonRun.CANDIDATE]
    comparison.live_passed = passed[ComparisonRun.LIVE]
    comparison.checks_total = total


def _finish(comparison: Comparison, status: str, error: str) -> None:
    comparison.status = status
    comparison.error = error
    comparison.finished_at = timezone.now()
    comparison.save()
    audit_record(
        actor=Actor.system_actor(),
        action=f"comparison.{status}",
        assistant_id=comparison.assistant_id,
        version=comparison.candidate_version,
        payload={
            "comparison_id": str(comparison.pk),
            "live_version": comparison.live_version,
            "checks": comparison.checks_total,
            "candidate_passed": comparison.candidate_passed,
            "live_passed": comparison.live_passed,
            "error": error,
        },
    )
