"""Django's PostgreSQL backend with a health check that costs no round trip when all is well.

With persistent connections (``CONN_MAX_AGE``) and ``CONN_HEALTH_CHECKS``, Django checks a reused
connection at the start of each request with ``SELECT 1``: one more round trip on every request.
An idle connection has nothing to read, though. When the server closes it (restart, idle
timeout, ``pg_terminate_backend``), the socket turns readable (the server's goodbye message, or
end of file). So: a broken or readable socket goes through the full ``SELECT 1`` check (and the
connection is replaced if that fails); a quiet one is used as it is.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


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
