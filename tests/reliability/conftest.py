"""A real gunicorn server (several worker processes) on 127.0.0.1, on the test database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def gunicorn_url(transactional_db) -> Iterator[str]:
    """gunicorn on the test database (PostgreSQL: its row locks are what these tests prove)."""
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process server tests need PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.test_settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    try:
        with running_gunicorn(env) as url:
            yield url
    finally:
        # the workers held connections to the test database; make sure ours is fresh
        connection.close()
