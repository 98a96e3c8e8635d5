"""Middleware: security headers, chunked request bodies, and a time limit on API queries."""

from __future__ import annotations

import io
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

DEFAULT_QUERY_TIMEOUT_MS = 5000
#: SQLite virtual-machine steps between two looks at the clock. A row costs about a dozen, and
#: a containment filter (a Python function) runs once per row: the clock is read every ~8 rows.
SQLITE_PROGRESS_STEPS = 100

# Scripts only from our own origin (htmx and our small JS files): no inline script, no eval.
# Inline style attributes stay allowed: they cannot run code and the admin uses them.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "STUDIO_CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def _refuse(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    from assistants.api.errors import is_api_path

    if is_api_path(request.path):
        return JsonResponse({"detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class ChunkedBodyMiddleware:
    """Read bodies sent with ``Transfer-Encoding: chunked`` instead of seeing them as empty.

    Django sizes the body by ``Content-Length``, which a chunked request does not have, so it read
    nothing: a PATCH published a version without the change and a search returned everything.
    When the server has de-chunked the input and ends it (``wsgi.input_terminated``, as gunicorn
    does), the body is read here, at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413 past it), and
    handed on with its length like any other. A server that cannot end the input gets a 411: the
    client must send ``Content-Length``. Compressed transfer codings are refused (501).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        coding = request.META.get("HTTP_TRANSFER_ENCODING", "")
        if coding:
            refusal = self._read_chunked(request, coding)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _read_chunked(self, request: HttpRequest, coding: str) -> HttpResponse | None:
        codings = [c.strip().lower() for c in coding.split(",") if c.strip()]
        if any(c not in ("chunked", "identity") for c in codings):
            return _refuse(request, 501, f"Transfer-Encoding {coding!r} is not supported.")
        if "chunked" not in codings or request.META.get("CONTENT_LENGTH"):
            return None  # the server framed the body by its length
        environ: dict[str, Any] = getattr(request, "environ", {})  # WSGI only
        if not environ.get("wsgi.input_terminated"):
            return _refuse(
                request, 411, "Chunked request bodies are not supported here; send Content-Length."
            )
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        source = environ["wsgi.input"]
        body = source.read() if limit is None else source.read(limit + 1)
        if limit is not None and len(body) > limit:
            return _refuse(request, 413, "Request body is too large.")
        # WSGIRequest made its stream from Content-Length (none: empty); give it the real body.
        request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]
        request.META["CONTENT_LENGTH"] = str(len(body))
        return None


# -- a time limit on each database statement of an API request ------------------------------------


def query_timeout_ms() -> int:
    return int(getattr(settings, "STUDIO_QUERY_TIMEOUT_MS", DEFAULT_QUERY_TIMEOUT_MS))


def is_query_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is a statement the time limit stopped (PostgreSQL or SQLite)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if cause is not None and type(cause).__name__ == "QueryCanceled":  # psycopg
        return True
    return isinstance(cause, sqlite3.OperationalError) and str(cause) == "interrupted"


class _SqliteDeadline:
    """A progress handler that interrupts a statement running past its deadline.

    The deadline is set when each statement starts (an ``execute_wrapper``), so the limit is per
    statement, as PostgreSQL's ``statement_timeout`` is.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = float("inf")

    def __call__(self) -> bool:  # the progress handler: True interrupts the statement
        return time.monotonic() > self.deadline

    def wrap(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        self.deadline = time.monotonic() + self.seconds
        return execute(sql, params, many, ctx)


class QueryTimeoutMiddleware:
    """Stop any single database statement of an API request after ``STUDIO_QUERY_TIMEOUT_MS``.

    A client chooses the filters, so a request could otherwise keep a worker and the database
    busy for minutes. PostgreSQL: ``statement_timeout`` on the connection (see
    :func:`_postgresql_timeout`). SQLite: a progress handler. The API answers a stopped statement
    with 503 and a JSON detail. 0 turns this off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from assistants.api.errors import is_api_path

        limit = query_timeout_ms() if is_api_path(request.path) else 0
        with statement_time_limit(limit):
            return self.get_response(request)


@contextmanager
def statement_time_limit(limit: int) -> Iterator[None]:
    """Each statement on the default database inside the block stops after ``limit`` ms (0: none).

    PostgreSQL: ``statement_timeout`` on the connection, which stays set after the block until a
    block with another limit (pages pass 0 and take it off; see :func:`_postgresql_timeout`).
    SQLite: a progress handler, for the block only.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        _postgresql_timeout(connection, limit)
        yield
    elif limit > 0 and connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        deadline = _SqliteDeadline(limit / 1000)
        raw.set_progress_handler(deadline, SQLITE_PROGRESS_STEPS)
        try:
            with connection.execute_wrapper(deadline.wrap):
                yield
        finally:
            raw.set_progress_handler(None, 0)
    else:
        yield


def _postgresql_timeout(connection: Any, limit: int) -> None:
    """Give this thread's connection the ``statement_timeout`` the request needs (0: none).

    The value stays on the connection between requests, so a run of API requests sets it once
    instead of paying two round trips each (a ``SET`` and a ``RESET``); the first page request
    after them takes it off, as does a new connection. Task workers and management commands never
    pass here and keep the server's default. A ``SET`` outside a transaction is kept even if the
    request's own transaction later fails.
    """
    state = getattr(connection, "_studio_statement_timeout", None)
    carries = state is not None and state[1] > 0 and state[0] is connection.connection
    if limit <= 0 and not carries:
        return  # nothing to set and nothing to take off (a new connection has no limit)
    # Django checks a persistent connection's health on its first cursor of a request; this
    # statement runs before any cursor, so ask for the check here (a killed backend is replaced).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    has = state[1] if state is not None and state[0] is raw else 0
    if has != limit:
        raw.execute(
            f"SET statement_timeout = {int(limit)}" if limit > 0 else "RESET statement_timeout"
        )
        # Inside a transaction (tests wrap each in one) a rollback would undo the SET: not kept.
        kept = not connection.in_atomic_block
        connection._studio_statement_timeout = (raw, limit) if kept else None
