"""Fixtures for test inputs, comparisons and the gate: the runs' fixture graphs and workers, a
writer assistant with a draft, and helpers that execute queued runs in this process."""

from __future__ import annotations

from typing import Any

import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, Comparison, Run
from assistants.services.comparisons import comparison_refresh
from assistants.tasks import execute_run
from tests.runs.conftest import *  # noqa: F403 - fixtures: graphs, workers, clients
from tests.runs.conftest import _migrated_sqlite, _run_settings  # noqa: F401 - fixtures

SYSTEM = Actor.system_actor()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def writer(make_assistant: Any) -> Assistant:
    """A blog writer (v1 live) with a tweet draft v2."""
    assistant = make_assistant("writer", name="Writer", style="blog")
    services.version_save(
        actor=SYSTEM, assistant_id=assistant.pk, context={"style": "tweet"}, note="tweets"
    )
    assistant.refresh_from_db()
    return assistant


def add_tide_input(assistant: Assistant, *, gate: bool = False) -> None:
    """The test input the gate tests check on: "tide pools", expecting "in one breath" (a tweet
    has it, a blog post has not); with ``gate``, publishing then requires passing checks."""
    from assistants.services.gate import assistant_gate_set
    from assistants.services.test_inputs import test_input_create

    test_input_create(
        actor=SYSTEM,
        assistant_id=assistant.pk,
        name="tide",
        graph_input={"topic": "tide pools"},
        expectations=[{"kind": "contains", "value": "in one breath"}],
    )
    if gate:
        assistant_gate_set(actor=SYSTEM, assistant_id=assistant.pk, required=True)


def execute_queued(comparison: Comparison) -> Comparison:
    """Run every queued run of ``comparison`` here, as a worker would, then read it again."""
    for run_id in Run.objects.filter(
        comparison_link__comparison=comparison, status=Run.QUEUED
    ).values_list("pk", flat=True):
        execute_run.call(str(run_id))
    return comparison_refresh(comparison_id=comparison.pk)
