"""Fixtures for runs: fixture graphs (chat, failing, slow, broken, plus the demos), assistants,
signed-in clients, and real task-worker processes against a database they share with the test."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant
from graphs.registry import reset_registry
from tests.factories import HTMX as HTMX  # re-exported for the run tests

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GRAPHS_FILE = FIXTURES / "langgraph.json"
#: How long a run may go without a heartbeat in these tests before it counts as lost.
LOST_AFTER = 2


@pytest.fixture(autouse=True)
def _run_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DEMO_FAKE_LLM", "1")
    settings.STUDIO_GRAPHS_FILE = GRAPHS_FILE
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STUDIO_RUN_LOST_AFTER = LOST_AFTER
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    reset_registry()


@pytest.fixture
def make_assistant() -> Callable[..., Assistant]:
    def make(graph_id: str = "writer", name: str = "Blog writer", **context: Any) -> Assistant:
        assistant, _ = services.assistant_create(
            actor=Actor.system_actor(), graph_id=graph_id, name=name, context=context
        )
        return assistant

    return make


def wait_for(check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout:g}s waiting for {check}")
        time.sleep(every)


# -- real worker processes ---------------------------------------------------------------------


class Worker:
    """``manage.py db_worker`` in a subprocess, on the database ``url``."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "studio.settings",
            "STUDIO_ALLOW_DEV_SECRET": "1",
            "STUDIO_GRAPHS_FILE": str(GRAPHS_FILE),
            "STUDIO_DEMO_FAKE_LLM": "1",
            "STUDIO_RUN_LOST_AFTER": str(LOST_AFTER),
            "DEBUG": "0",
        }
        command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "--interval", "0.2"], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def _swap_default_database(url: str) -> Iterator[None]:
    """Point this thread's default connection at ``url`` for the duration (SQLite file tests)."""
    from django.db import connections
    from django.db.utils import load_backend

    from studio.settings import database_from_url

    settings_dict = {"default": database_from_url(url)}
    connections.configure_settings(settings_dict)
    backend = load_backend(settings_dict["default"]["ENGINE"])
    original = connections["default"]
    wrapper = backend.DatabaseWrapper(settings_dict["default"], "default")
    connections["default"] = wrapper
    try:
        yield
    finally:
        wrapper.close()
        connections["default"] = original


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied by a real ``manage.py migrate``."""
    path = tmp_path_factory.mktemp("worker-db") / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "STUDIO_ALLOW_DEV_SECRET": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "studio.settings"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return path


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql", marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
        ),
    ]
)
def worker_db(
    request: pytest.FixtureRequest, tmp_path: Path, django_db_blocker: Any
) -> Iterator[str]:
    """A database this test and worker subprocesses share; yields its URL.

    SQLite: a fresh migrated file (the test database is in memory, which no other process can
    open). PostgreSQL: the test database itself, without the wrapping transaction.
    """
    if request.param == "postgresql":
        from django.db import connection

        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return
    path = tmp_path / "studio.sqlite3"
    shutil.copy(request.getfixturevalue("_migrated_sqlite"), path)
    url = f"sqlite:///{path}"
    with django_db_blocker.unblock(), _swap_default_database(url):
        yield url


@pytest.fixture
def start_worker(worker_db: str, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(worker_db, tmp_path / f"worker-{len(workers) + 1}.log").start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
