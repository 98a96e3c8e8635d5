"""Row locks under real concurrency: these need PostgreSQL (SQLite serialises whole writes)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connections

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(index)
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return errors


def test_twenty_concurrent_saves_end_with_versions_one_to_twenty_one_and_no_gap():
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(actor=actor, graph_id="writer", name="Busy")

    def save(index: int) -> None:
        services.version_save(
            actor=actor,
            assistant_id=assistant.pk,
            context={"max_length": 100 + index},
            note=f"t{index}",
            publish=True,
        )

    assert run_in_threads(20, save) == []
    numbers = list(
        AssistantVersion.objects.filter(assistant=assistant)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert numbers == list(range(1, 22))
    notes = sorted(
        AssistantVersion.objects.filter(assistant=assistant, version__gt=1).values_list(
            "note", flat=True
        )
    )
    assert notes == sorted(f"t{i}" for i in range(20))
    assistant.refresh_from_db()
    assert (assistant.version, assistant.latest_version_number) == (21, 21)


def test_concurrent_saves_based_on_the_same_version_let_exactly_one_win():
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(actor=actor, graph_id="writer")
    outcomes: list[str] = []

    def save(index: int) -> None:
        try:
            services.version_save(
                actor=actor,
                assistant_id=assistant.pk,
                base_version=1,
                context={"max_length": 10 + index},
            )
            outcomes.append("saved")
        except services.VersionConflict:
            outcomes.append("conflict")

    assert run_in_threads(8, save) == []
    assert sorted(outcomes) == ["conflict"] * 7 + ["saved"]
    assert AssistantVersion.objects.filter(assistant=assistant).count() == 2


def test_default_assistants_are_created_once_under_concurrent_start_up():
    assert run_in_threads(8, lambda i: services.default_assistants_sync()) == []
    assert sorted(Assistant.objects.values_list("graph_id", flat=True)) == ["researcher", "writer"]
    assert AssistantVersion.objects.count() == 2
