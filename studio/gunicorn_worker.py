"""gunicorn's threaded worker, serving a keep-alive client's next request on the same thread.

In gunicorn's ``gthread`` worker, each answered request on a keep-alive connection goes back to
the worker's main thread (a wake-up through a pipe), which puts the socket back in its poller; the
client's next request then wakes the main thread again, which hands it to a pool thread (a third
wake-up). On a small machine those hand-offs cost about 0.2-0.3 ms a request, about a fifth of a
fast API read.

:class:`ThreadWorker` keeps the thread that has just answered on that connection for a short
while (``GUNICORN_LINGER_MS``, default 2 ms): if the client's next request arrives in that time
(or is already read ahead), the same thread serves it at once. It starts lingering only while
another of the worker's threads is free, and a request that finds every thread taken releases a
lingering one at once (a byte on a pipe it also waits on): other connections are not kept
waiting. With every thread busy, each connection goes back to the poller after each request, as
in ``gthread``.
Anything else (parsing, keep-alive limits, ``max_requests``, graceful stops, HTTP/2) is
``gthread``'s own code.

``GUNICORN_LINGER_MS=0`` turns lingering off (plain ``gthread``).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from typing import Any

from gunicorn.workers import gthread


def linger_seconds() -> float:
    """``GUNICORN_LINGER_MS`` in seconds (default 2 ms; 0: off)."""
    raw = os.environ.get("GUNICORN_LINGER_MS", "").strip()
    if not raw:
        return 0.002
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"GUNICORN_LINGER_MS={raw!r} is not a number.") from None
    if not 0 <= value <= 1000:
        raise SystemExit(f"GUNICORN_LINGER_MS={raw!r} must be between 0 and 1000.")
    return value / 1000


class ThreadWorker(gthread.ThreadWorker):
    """``gthread``, plus: a thread that has answered a keep-alive request serves the client's next
    one itself if it comes within the linger time and another thread is free (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.linger = linger_seconds()
        self._busy = 0  # threads inside handle(), lingering ones included
        self._lingering = 0  # threads waiting for their client's next request
        self._busy_lock = threading.Lock()
        # A byte here releases one lingering thread: a request is waiting for a thread.
        self._release_read, self._release_write = -1, -1

    def init_process(self) -> None:
        self._release_read, self._release_write = os.pipe()
        os.set_blocking(self._release_read, False)
        os.set_blocking(self._release_write, False)
        super().init_process()  # runs the worker's loop

    def enqueue_req(self, conn: Any) -> None:
        super().enqueue_req(conn)
        with self._busy_lock:
            # Only a thread that lingers can be released: no byte is left for later lingers.
            release = self._busy >= self.cfg.threads and self._lingering > 0
        if release:
            # A full pipe means lingering threads are being released anyway.
            with contextlib.suppress(OSError):
                os.write(self._release_write, b"\0")

    def handle(self, conn: Any) -> Any:
        with self._busy_lock:
            self._busy += 1
        try:
            keep = super().handle(conn)
            while keep is True and self._next_request_here(conn):
                keep = super().handle(conn)
            return keep
        finally:
            with self._busy_lock:
                self._busy -= 1

    def _next_request_here(self, conn: Any) -> bool:
        """Whether this thread should serve the connection's next request itself: it has come, or
        comes within the linger time, while no other request waits for a thread."""
        if not (self.linger and self.alive) or conn.is_http2:
            return False
        with self._busy_lock:
            if self._busy >= self.cfg.threads:
                return False
        pending = getattr(conn.sock, "pending", None)  # bytes a TLS socket has decrypted
        if conn.parser.unreader.buf.getvalue() or (pending is not None and pending() > 0):
            return True  # already read ahead
        with self._busy_lock:
            self._lingering += 1
        try:
            poller = select.poll()
            poller.register(conn.sock, select.POLLIN)
            poller.register(self._release_read, select.POLLIN)
            ready = {fd for fd, _ in poller.poll(self.linger * 1000)}
        except (OSError, ValueError):  # closed meanwhile: gthread's own path deals with it
            return False
        finally:
            with self._busy_lock:
                self._lingering -= 1
        if self._release_read in ready:
            with contextlib.suppress(BlockingIOError):  # else another thread took it
                os.read(self._release_read, 1)
            return False
        return bool(ready)
