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


def execute_queued(comparison: Comparison) -> Comparison:
    """Run every queued run of ``comparison`` here, as a worker would, then read it again."""
    for run_id in Run.objects.filter(
        comparison_link__comparison=comparison, status=Run.QUEUED
    ).values_list("pk", flat=True):
        execute_run.call(str(run_id))
    return comparison_refresh(comparison_id=comparison.pk)
