"""Concurrency through real server processes: gunicorn workers on PostgreSQL, many clients at once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import httpx
import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion

pytestmark = [pytest.mark.postgres]

CLIENTS = 50


def _parallel(count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            work(index)
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return errors


@pytest.fixture
def api_key(transactional_db) -> str:
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="load")
    return raw


def test_fifty_concurrent_patches_make_versions_one_to_fifty_one_each_request_once(
    gunicorn_url, api_key
):
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="writer", name="Hot"
    )
    statuses: list[int] = []

    def patch(index: int) -> None:
        with httpx.Client(
            base_url=gunicorn_url, headers={"X-Api-Key": api_key}, timeout=60
        ) as client:
            response = client.patch(
                f"/assistants/{assistant.pk}",
                json={"metadata": {"request": index}, "context": {"max_length": 1000 + index}},
            )
            statuses.append(response.status_code)

    assert _parallel(CLIENTS, patch) == []
    assert statuses == [200] * CLIENTS
    rows = list(AssistantVersion.objects.filter(assistant=assistant).order_by("version"))
    assert [row.version for row in rows] == list(range(1, CLIENTS + 2))
    requests_seen = Counter(row.metadata.get("request") for row in rows[1:])
    assert requests_seen == Counter(range(CLIENTS))
    # each version's context is the one its own request sent
    assert all(row.context == {"max_length": 1000 + row.metadata["request"]} for row in rows[1:])
    assistant.refresh_from_db()
    assert (assistant.version, assistant.latest_version_number) == (CLIENTS + 1, CLIENTS + 1)


def test_concurrent_publishes_and_saves_never_point_at_another_assistants_version(
    gunicorn_url, api_key
):
    actor = Actor.system_actor()
    one, _ = services.assistant_create(actor=actor, graph_id="writer", name="One")
    two, _ = services.assistant_create(actor=actor, graph_id="writer", name="Two")
    for assistant in (one, two):
        for index in range(3):
            services.version_save(
                actor=actor, assistant_id=assistant.pk, context={"max_length": 10 + index}
            )

    def work(index: int) -> None:
        target = (one, two)[index % 2]
        with httpx.Client(
            base_url=gunicorn_url, headers={"X-Api-Key": api_key}, timeout=60
        ) as client:
            if index % 3 == 0:
                response = client.post(
                    f"/assistants/{target.pk}/latest", json={"version": 1 + index % 4}
                )
            else:
                response = client.patch(f"/assistants/{target.pk}", json={"metadata": {"i": index}})
            assert response.status_code == 200, response.text

    assert _parallel(30, work) == []
    for assistant in Assistant.objects.filter(pk__in=[one.pk, two.pk]).select_related(
        "published_version"
    ):
        published = assistant.published_version
        assert published is not None
        assert published.assistant_id == assistant.pk
        assert published.version == assistant.version
        assert assistant.context == published.context and assistant.metadata == published.metadata
        numbers = list(assistant.versions.order_by("version").values_list("version", flat=True))
        assert numbers == list(range(1, assistant.latest_version_number + 1))


def test_unknown_ids_under_load_are_404_not_500(gunicorn_url, api_key):
    codes: list[int] = []

    def get(index: int) -> None:
        with httpx.Client(
            base_url=gunicorn_url, headers={"X-Api-Key": api_key}, timeout=60
        ) as client:
            codes.append(client.get(f"/assistants/{uuid.uuid4()}").status_code)

    assert _parallel(20, get) == []
    assert codes == [404] * 20
