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


def test_the_page_benchmark_signs_in_and_measures_every_page(
    live_server, transactional_db, settings, capsys
):
    from django.contrib.auth.models import Permission, User

    from assistants.actors import Actor
    from assistants.services import api_key_create, assistant_create
    from tests.benchmarks import bench_pages

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    _, key = api_key_create(actor=Actor.system_actor(), name="bench")
    user = User.objects.create_user("bench-viewer", password="pw-for-tests-only")
    user.user_permissions.add(Permission.objects.get(codename="view_assistant"))
    url = live_server.url.replace("localhost", "127.0.0.1")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    # With the history assistant, 25 assistants: the list has a page 2.
    for number in range(24):
        assistant_create(actor=Actor.system_actor(), graph_id="tiny", name=f"Writer {number}")

    bench_pages.main(
        [
            "--url",
            url,
            "--username",
            "bench-viewer",
            "--password",
            "pw-for-tests-only",
            "--api-key",
            key,
            "--graph",
            "tiny",
            "--search",
            "writer 1",
            "--history-versions",
            "5",
            "--iterations",
            "3",
            "--warmup",
            "1",
        ]
    )

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:]] == [
        "list",
        "list-page2",
        "list-search",
        "list-graph",
        "history",
    ]


def test_the_page_benchmark_refuses_any_host_but_127_0_0_1():
    from tests.benchmarks import bench_pages

    with pytest.raises(SystemExit, match="only http://127.0.0.1"):
        bench_pages.main(["--url", "http://localhost:8000", "--username", "u", "--password", "p"])
