"""Django's PostgreSQL backend, with two costs taken out of every request.

**A health check that costs no round trip when all is well.** With persistent connections
(``CONN_MAX_AGE``) and ``CONN_HEALTH_CHECKS``, Django checks a reused connection at the start of
each request with ``SELECT 1``: one more round trip on every request. An idle connection has
nothing to read, though. When the server closes it (restart, idle timeout,
``pg_terminate_backend``), the socket turns readable (the server's goodbye message, or end of
file). So: a broken or readable socket goes through the full ``SELECT 1`` check (and the
connection is replaced if that fails); a quiet one is used as it is.

**Timestamps read by psycopg's own loader.** Django reads ``timestamptz`` columns with a loader
written in Python (psycopg's Python parser, then ``replace(tzinfo=...)``), about 5 µs a value: a
search page of 20 assistants has 40 of them. When Django's time zone is UTC and so is the
session's (Django sets it so), psycopg's loader (compiled, with ``psycopg[binary]``) gives the
very same values, the ``datetime.timezone.utc`` object included, so each cursor uses it instead.
Any other time zone keeps Django's loader.
"""

from __future__ import annotations

import select
from datetime import UTC
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
#: psycopg's default text loader (the compiled one when psycopg's C implementation is installed).
TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:
            return bool(super().is_usable())
        return True

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = super().create_cursor(name)
        # psycopg gives ``datetime.timezone.utc`` for a session in "UTC" (psycopg._tz), exactly
        # what Django's loader would set.
        if self.timezone is UTC and self.connection.info.parameter_status("TimeZone") == "UTC":
            cursor.adapters.register_loader(TIMESTAMPTZ_OID, TIMESTAMPTZ_LOADER)
        return cursor
