"""The embedded default, SQLite, under concurrent writes from several server processes.

SQLite allows one writer at a time. With ``transaction_mode=IMMEDIATE`` a writer waits for the
lock (up to the timeout) instead of failing half-way with "database is locked", so concurrent
saves queue up and all succeed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import ROOT, running_gunicorn

pytestmark = pytest.mark.slow_server

CLIENTS = 12


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_concurrent_patches_on_a_sqlite_file_all_succeed_without_gaps(tmp_path: Path):
    database = tmp_path / "studio.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.test_settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    _run(["migrate", "--no-input", "-v", "0"], env)
    key = _run(["create_api_key", "sqlite-load"], env).strip().splitlines()[-1]
    with running_gunicorn(env) as url:
        headers = {"X-Api-Key": key}
        created = httpx.post(
            f"{url}/assistants", json={"graph_id": "writer"}, headers=headers, timeout=30
        )
        assert created.status_code == 200, created.text
        assistant_id = created.json()["assistant_id"]
        statuses: list[int] = []
        barrier = threading.Barrier(CLIENTS)

        def patch(index: int) -> None:
            barrier.wait(timeout=30)
            response = httpx.patch(
                f"{url}/assistants/{assistant_id}",
                json={"metadata": {"request": index}},
                headers=headers,
                timeout=60,
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses == [200] * CLIENTS
        versions = httpx.post(
            f"{url}/assistants/{assistant_id}/versions",
            json={"limit": 100},
            headers=headers,
            timeout=30,
        ).json()
        assert sorted(v["version"] for v in versions) == list(range(1, CLIENTS + 2))
        assert sorted(
            v["metadata"]["request"] for v in versions if "request" in v["metadata"]
        ) == list(range(CLIENTS))
