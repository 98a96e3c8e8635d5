"""gunicorn's settings for the studio: plain ``gunicorn studio.wsgi`` reads this file.

Threaded workers keep client connections open between requests (the default ``sync`` worker
closes each one, so every call pays a new TCP connection) and let one slow request (a graph
import, a cold database connection) not block the others of its worker. They are gunicorn's
``gthread`` workers, except that a thread serves a keep-alive client's next request itself when it
comes within ``GUNICORN_LINGER_MS`` and no other request waits for a thread
(:mod:`studio.gunicorn_worker`).
Each value can be changed from the environment, and any command-line flag still wins over this
file.

| variable | default | meaning |
|---|---|---|
| ``WEB_CONCURRENCY`` | CPU count, at least 2 | worker processes |
| ``GUNICORN_THREADS`` | 4 | threads per worker |
| ``GUNICORN_KEEPALIVE`` | 5 | seconds an idle client connection is kept open |
| ``GUNICORN_TIMEOUT`` | 30 | seconds before a silent worker is restarted |
| ``GUNICORN_LINGER_MS`` | 2 | how long a thread waits for its client's next request (0: not at all) |
| ``PORT`` | 8000 | gunicorn binds ``0.0.0.0:$PORT`` when set, else ``127.0.0.1:8000`` |
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# gunicorn reads this file before --chdir takes effect: the project must be importable from here.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio.gunicorn_worker import linger_seconds  # noqa: E402


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer.") from None
    if value < 1:
        raise SystemExit(f"{name}={raw!r} must be at least 1.")
    return value


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers)
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


wsgi_app = "studio.wsgi:application"
worker_class = "studio.gunicorn_worker.ThreadWorker"
linger_seconds()  # a bad GUNICORN_LINGER_MS stops the start here, with its name
workers = _int("WEB_CONCURRENCY", max(2, _cpu_count()))
threads = _int("GUNICORN_THREADS", 4)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 10
# The heartbeat file on tmpfs: a worker on a slow disk is not mistaken for a hung one.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice
