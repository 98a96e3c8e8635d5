"""Search totals and pages kept by each worker (assistants/counts.py) are never older than a write.

gunicorn runs several worker processes (``gunicorn_url``), each keeping the totals it counted and
the pages it rendered. Writes and searches go over separate connections (so, most of the time, to
different workers). Every search that starts after a write's response must show that write.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from assistants import services
from assistants.actors import Actor
from tests.reliability.conftest import reading_meanwhile

pytestmark = [pytest.mark.postgres, pytest.mark.slow_server]

WORKERS = 3  # running_gunicorn's default


@pytest.fixture
def clients(gunicorn_url, transactional_db) -> Iterator[list[httpx.Client]]:
    _, key = services.api_key_create(actor=Actor.system_actor(), name="counts")
    made = [
        httpx.Client(base_url=gunicorn_url, headers={"X-Api-Key": key}, timeout=30)
        for _ in range(1 + 2 * WORKERS)
    ]
    yield made
    for client in made:
        client.close()


def _total(client: httpx.Client, **filters: object) -> int:
    response = client.post("/assistants/search", json={"limit": 1, **filters})
    assert response.status_code == 200, response.text
    return int(response.headers["X-Pagination-Total"])


def test_every_search_after_a_write_counts_it_on_every_worker(clients):
    writer, *readers = clients
    team = {"team": "probe"}
    made: list[str] = []
    expected = 0
    for step in range(24):
        for reader in readers:  # every worker keeps the current total
            assert _total(reader, metadata=team) == expected
            assert _total(reader, metadata=team) == expected
        if step % 6 == 2:  # move one away, by a new published version
            moved = made.pop()
            response = writer.patch(f"/assistants/{moved}", json={"metadata": {"team": "x"}})
            expected -= 1
        elif step % 6 == 5:  # remove one
            response = writer.delete(f"/assistants/{made.pop()}")
            expected -= 1
        else:
            response = writer.post("/assistants", json={"graph_id": "writer", "metadata": team})
            made.append(response.json()["assistant_id"])
            expected += 1
        assert response.status_code in (200, 204), response.text
        for reader in readers:
            assert _total(reader, metadata=team) == expected, f"step {step}"
    assert expected == 8


def _names(client: httpx.Client, team: dict[str, str]) -> list[str]:
    response = client.post("/assistants/search", json={"limit": 5, "metadata": team})
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()]


def test_every_search_after_a_rename_shows_it_on_every_worker(clients):
    writer, *readers = clients
    team = {"team": "names"}
    response = writer.post(
        "/assistants", json={"graph_id": "writer", "metadata": team, "name": "v0"}
    )
    made = response.json()["assistant_id"]
    for step in range(1, 13):
        for reader in readers:
            for _ in range(2):  # the second one from the page this worker keeps
                assert _names(reader, team) == [f"v{step - 1}"]
        response = writer.patch(f"/assistants/{made}", json={"name": f"v{step}"})
        assert response.status_code == 200, response.text
        for reader in readers:
            assert _names(reader, team) == [f"v{step}"], f"step {step}"


def test_concurrent_searches_never_count_fewer_than_the_finished_creates(clients):
    writer, *readers = clients
    team = {"team": "race"}
    finished: list[float] = []  # when each create's response arrived
    # (when the search started, the total it gave)
    with reading_meanwhile(readers, lambda client: _total(client, metadata=team)) as seen:
        for _ in range(30):
            response = writer.post("/assistants", json={"graph_id": "writer", "metadata": team})
            assert response.status_code == 200
            finished.append(time.monotonic())
            time.sleep(0.01)

    assert len(seen) > 60
    for started, total in seen:
        done = sum(1 for when in finished if when < started)
        assert done <= total <= 30, f"a search started after {done} creates counted {total}"
    assert _total(readers[0], metadata=team) == 30
