"""A real gunicorn server (several worker processes) on 127.0.0.1, on the test database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
#: STUDIO_MAX_BODY_BYTES of the servers :func:`served_on_either_database` starts.
SERVED_BODY_LIMIT = 64 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def running_gunicorn(env: dict[str, str], *, workers: int = 3) -> Iterator[str]:
    """Serve the studio with gunicorn on a free 127.0.0.1 port; yields its base URL.

    The log goes to ``test-results/gunicorn-<port>.log``; the server is stopped on exit.
    """
    port = _free_port()
    logs = ROOT / "test-results"
    logs.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "gunicorn", "studio.wsgi", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5",
    ]  # fmt: skip
    with open(logs / f"gunicorn-{port}.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/openapi.json", timeout=2).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start (exit code {process.poll()})")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


T = TypeVar("T")


@contextlib.contextmanager
def reading_meanwhile(
    clients: list[httpx.Client], read: Callable[[httpx.Client], T]
) -> Iterator[list[tuple[float, T]]]:
    """Each client calls ``read`` over and over, on a thread of its own, while the block runs.

    Yields the list of ``(when the call started, what it returned)``, complete once the block
    has ended (the threads are stopped and joined on the way out).
    """
    seen: list[tuple[float, T]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def loop(client: httpx.Client) -> None:
        while not stop.is_set():
            started = time.monotonic()
            value = read(client)
            with lock:
                seen.append((started, value))

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    try:
        yield seen
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


@contextlib.contextmanager
def serving_the_test_database(*, workers: int = 3, **settings: str) -> Iterator[str]:
    """gunicorn on the test database (PostgreSQL only: SQLite's lives in this process), with
    ``settings`` as more environment variables; yields its base URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process server tests need PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.test_settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **settings,
    }
    try:
        with running_gunicorn(env, workers=workers) as url:
            yield url
    finally:
        # the workers held connections to the test database; make sure ours is fresh
        connection.close()


@pytest.fixture
def gunicorn_url(transactional_db) -> Iterator[str]:
    """gunicorn on the test database (PostgreSQL: its row locks are what these tests prove)."""
    with serving_the_test_database() as url:
        yield url


@dataclass(frozen=True)
class Served:
    url: str
    api_key: str


@contextlib.contextmanager
def _scratch_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the server the tests use (a file on SQLite); yields its URL."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'studio.sqlite3'}"
        return
    import psycopg

    s = connection.settings_dict
    name = f"{s['NAME']}_served_{os.getpid()}"
    admin = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        pg.execute(f'CREATE DATABASE "{name}"')
    url = _database_url().rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def served_on_either_database(tmp_path_factory) -> Iterator[Served]:
    """gunicorn (2 workers) on a migrated scratch database of the vendor under test.

    Not the test database (SQLite's lives in this process's memory), so tests check results
    through the API, which works the same on both. One server for the whole run: tests must not
    depend on what others stored.
    """
    with _scratch_database(tmp_path_factory.mktemp("served")) as url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "studio.test_settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STUDIO_MAX_BODY_BYTES": str(SERVED_BODY_LIMIT),
            "DATABASE_URL": url,
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        made = subprocess.run(
            [*manage, "create_api_key", "served"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        with running_gunicorn(env, workers=2) as server:
            yield Served(server, made.stdout.strip().splitlines()[-1])
