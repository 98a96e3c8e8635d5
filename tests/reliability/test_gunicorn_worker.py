"""The gunicorn worker of ``gunicorn.conf.py`` (studio/gunicorn_worker.py) under a real gunicorn.

A thread serves a keep-alive client's next request itself when it comes soon and another thread is
free. These tests check that every request is still answered, in order, on one connection (also
when pipelined), and that a client sending back-to-back requests never keeps another waiting.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.reliability.conftest import serving_the_test_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow_server]

#: Answered without the database: a redirect with an empty body.
PATH = "/favicon.ico"
REQUEST = f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def _two_threads(linger_ms: int) -> contextlib.AbstractContextManager[str]:
    """One worker with two threads (GUNICORN_THREADS)."""
    return serving_the_test_database(
        workers=1, GUNICORN_THREADS="2", GUNICORN_LINGER_MS=str(linger_ms)
    )


@pytest.fixture
def two_threads(transactional_db) -> Iterator[str]:
    """Lingering long enough (200 ms) that a thread would keep a back-to-back client for good if
    it lingered while no thread is free."""
    with _two_threads(200) as url:
        yield url


@pytest.fixture
def lingering_a_second(transactional_db) -> Iterator[str]:
    with _two_threads(1000) as url:
        yield url


def _responses(sock: socket.socket, count: int) -> list[bytes]:
    """The status lines of ``count`` empty-bodied responses read from ``sock``."""
    data = b""
    sock.settimeout(10)
    while data.count(b"\r\n\r\n") < count:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {data.count(b'HTTP/1.1')} answers"
        data += chunk
    heads = data.split(b"\r\n\r\n")[:count]
    assert all(b"Content-Length: 0" in head for head in heads)
    return [head.split(b"\r\n", 1)[0] for head in heads]


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_back_to_back_requests_on_one_connection_are_each_answered(two_threads):
    with _connect(two_threads) as sock:
        for _ in range(200):
            sock.sendall(REQUEST)
            assert _responses(sock, 1) == [b"HTTP/1.1 301 Moved Permanently"]


def test_pipelined_requests_are_each_answered_in_order(two_threads):
    with _connect(two_threads) as sock:
        for size in (2, 5, 12):
            sock.sendall(REQUEST * size)
            assert _responses(sock, size) == [b"HTTP/1.1 301 Moved Permanently"] * size


def test_clients_sending_back_to_back_never_keep_another_waiting(two_threads):
    """Two clients keep both threads busy; a third one's requests are answered among theirs."""
    finished: dict[str, float] = {}
    started = threading.Barrier(3)

    def hammer(name: str) -> None:
        with httpx.Client(base_url=two_threads, timeout=30) as client:
            started.wait()
            for _ in range(400):
                assert client.get(PATH).status_code == 301
        finished[name] = time.monotonic()

    hammers = [threading.Thread(target=hammer, args=(name,)) for name in ("a", "b")]
    for thread in hammers:
        thread.start()
    started.wait()
    time.sleep(0.2)  # both hammers are going
    with httpx.Client(base_url=two_threads, timeout=30) as client:
        for _ in range(20):
            assert client.get(PATH).status_code == 301
    third_done = time.monotonic()
    for thread in hammers:
        thread.join(timeout=120)

    assert set(finished) == {"a", "b"}
    assert third_done < min(finished.values()), "the third client waited for a busy one to end"


def test_a_request_waiting_for_a_thread_releases_a_lingering_one(lingering_a_second):
    """One thread lingers after answering an idle client, the other waits for a silent new
    connection: a third client's request is served at once, not after the linger time."""
    with httpx.Client(base_url=lingering_a_second, timeout=30) as idle:
        assert idle.get(PATH).status_code == 301  # its thread now lingers, for up to a second
        with _connect(lingering_a_second):  # takes the other thread (waiting for its request)
            time.sleep(0.1)
            with _connect(lingering_a_second) as third:
                asked = time.monotonic()
                third.sendall(REQUEST)
                assert _responses(third, 1) == [b"HTTP/1.1 301 Moved Permanently"]
                waited = time.monotonic() - asked

    assert waited < 0.4, f"the request waited {waited:.3f} s for a thread"
