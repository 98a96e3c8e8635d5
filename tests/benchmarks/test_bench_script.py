"""The benchmark script itself runs (a few iterations against a live server) and stays local."""

from __future__ import annotations

import pytest

from tests.api.conftest import FIXTURES
from tests.benchmarks import bench_api


@pytest.fixture(autouse=True)
def test_graphs(settings):
    settings.STUDIO_GRAPHS_FILE = FIXTURES / "langgraph.json"


def test_the_benchmark_measures_every_operation_against_a_live_server(
    live_server, transactional_db, settings, capsys
):
    from assistants.actors import Actor
    from assistants.services import api_key_create

    _, key = api_key_create(actor=Actor.system_actor(), name="bench")
    url = live_server.url.replace("localhost", "127.0.0.1")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]

    bench_api.main(
        [
            "--url",
            url,
            "--api-key",
            key,
            "--graph",
            "tiny",
            "--read-iterations",
            "3",
            "--write-iterations",
            "3",
            "--search-iterations",
            "3",
            "--warmup",
            "1",
        ]
    )

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:]] == [
        "create",
        "patch",
        "get",
        "search",
        "versions",
    ]


def test_the_benchmark_refuses_any_host_but_127_0_0_1():
    with pytest.raises(SystemExit, match="only http://127.0.0.1"):
        bench_api.main(["--url", "http://example.com:8000", "--api-key", "x"])
