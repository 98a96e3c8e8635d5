"""Exact counts of matching assistants, and search pages, kept until the assistants table changes.

A search's ``X-Pagination-Total`` counts every match: at 100,000 assistants that ``COUNT(*)``
costs more than the page itself. The count is kept in this process, under the **tally** of
committed changes to the assistants table (migration ``0006``: triggers add to it in each writing
transaction). A count read together with tally ``t`` is exact for every later read that sees
tally ``t``, since that read sees the same assistants; once a write commits, every read sees a
larger tally and counts afresh. So a write's response is never followed by an old total, on any
worker, with or without a shared cache.

The same holds for a whole search page, which reads only the assistants table: the fast path
(:mod:`assistants.api.fastpath.reads`) keeps each rendered page under the tally read in the page's
own statement (:data:`pages`), and answers the same search again, while the tally has not moved,
from one small statement that checks the API key and reads the tally.

Not used (the count runs as before) inside a transaction, whose own uncommitted writes would be
counted under a tally that a rollback gives back, or where the triggers are missing or disabled
(checked every :data:`MAX_AGE` seconds), or when the tally cannot be read.

The tally only goes back when the database itself does (a backup restored in place, a failover to
a replica that missed commits): kept counts are therefore also dropped after :data:`MAX_AGE`
seconds, which bounds how long such a count could be served. Restarting the app servers drops
them at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connection
from django.db.models import QuerySet

from studio.middleware import is_query_timeout

__all__ = [
    "TALLY_SQL",
    "Kept",
    "clear",
    "count",
    "count_at",
    "enabled",
    "key",
    "pages",
    "queryset_count",
    "totals",
]

TALLY_TABLE = "studio_assistant_changes"
#: A scalar subquery: the tally, to read in the same statement as what it vouches for.
TALLY_SQL = f"(SELECT COALESCE(SUM(changes), 0) FROM {TALLY_TABLE})"
#: The enabled triggers of migration 0006 on the assistants table (SQLite drops them if a
#: migration rebuilds the table; a restore may disable them), by database.
TRIGGER_CHECKS = {
    "postgresql": (
        "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'assistants_assistant'::regclass "
        "AND tgenabled <> 'D' AND tgname IN ('studio_assistant_changed', "
        "'studio_assistant_truncated')",
        2,
    ),
    "sqlite": (
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name = 'assistants_assistant' AND name IN ('studio_assistant_inserted', "
        "'studio_assistant_deleted', 'studio_assistant_updated')",
        3,
    ),
}
#: Seconds a kept count or page, and the finding that the triggers are in place, are trusted.
MAX_AGE = 300
#: Counts kept per process (least recently used dropped first).
MAX_COUNTS = 1024
#: Search pages kept per process, and the most bytes of body they hold together.
MAX_PAGES = 256
MAX_PAGE_BYTES = 16 * 2**20
#: Rows of departed PostgreSQL sessions are folded into row 0 when there are more than this, at
#: most once per FOLD_EVERY seconds per process.
FOLD_ABOVE = 256
FOLD_EVERY = 60

logger = logging.getLogger(__name__)

Key = tuple[str, tuple[Any, ...]]
V = TypeVar("V")
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


class Kept(Generic[V]):
    """Values kept under the tally they were read with, least recently used dropped first.

    A value is given back only for the same tally, and for :data:`MAX_AGE` seconds. ``size``: what
    a value weighs against ``max_size`` (1 each by default).
    """

    def __init__(self, max_entries: int, max_size: int | None = None) -> None:
        self.max_entries, self.max_size = max_entries, max_size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[int, V, float, int]] = OrderedDict()
        self._size = 0

    def holds(self, key: Hashable) -> bool:
        """Whether a value is kept for ``key`` under the newest tally this process has read.

        Worth a statement to read the tally: a value kept under an older tally cannot be current.
        """
        found = self._values.get(key)
        return found is not None and found[0] >= _newest_tally()

    def get(self, key: Hashable, tally: int) -> V | None:
        _saw(tally)
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] != tally or time.monotonic() - found[2] > MAX_AGE:
                return None
            self._values.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, tally: int, value: V, size: int = 1) -> None:
        _saw(tally)
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self._size -= old[3]
            if self.max_size is not None and size > self.max_size:
                return
            self._values[key] = (tally, value, time.monotonic(), size)
            self._size += size
            while len(self._values) > self.max_entries or (
                self.max_size is not None and self._size > self.max_size
            ):
                self._size -= self._values.popitem(last=False)[1][3]

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._size = 0


# The newest tally this process has read, and when (it only grows while the database does not go
# back; trusted for MAX_AGE seconds like everything kept here).
_newest: list[tuple[int, float]] = [(0, float("-inf"))]


def _saw(tally: int) -> None:
    newest, when = _newest[0]
    if tally >= newest or time.monotonic() - when > MAX_AGE:
        _newest[0] = (tally, time.monotonic())


def _newest_tally() -> int:
    newest, when = _newest[0]
    return newest if time.monotonic() - when <= MAX_AGE else 0


#: Counts, by statement and parameters.
totals: Kept[int] = Kept(MAX_COUNTS)
#: Rendered search pages (the fast path's: body, total, next offset), by statement, parameters
#: and ``select``.
pages: Kept[tuple[bytes, int, int | None]] = Kept(MAX_PAGES, MAX_PAGE_BYTES)
_triggers_checked: dict[str, tuple[bool, float]] = {}  # vendor -> (in place, when checked)
_folded_at = [float("-inf")]


def _execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _triggers_in_place(execute: Execute) -> bool:
    vendor = connection.vendor
    checked = _triggers_checked.get(vendor)
    if checked is None or time.monotonic() - checked[1] > MAX_AGE:
        check = TRIGGER_CHECKS.get(vendor)
        in_place = check is not None and execute(check[0], ())[0][0] == check[1]
        checked = (in_place, time.monotonic())
        _triggers_checked[vendor] = checked
        if not in_place:
            # Changes made meanwhile do not move the tally: nothing kept so far may be served
            # again, even once the triggers are back.
            totals.clear()
            pages.clear()
            logger.warning("The assistants table's change triggers are missing: counts not kept.")
    return checked[0]


def enabled(execute: Execute = _execute) -> bool:
    """Whether counts can be kept here and now (autocommit, triggers in place)."""
    if connection.in_atomic_block or not connection.get_autocommit():
        return False
    return _triggers_in_place(execute)


def key(sql: str, params: Sequence[Any]) -> Key:
    """A key equal for equal statements: psycopg's JSON parameters by their canonical text."""
    parts = []
    for value in params:
        wrapped = getattr(value, "obj", None)  # psycopg's Json / Jsonb wrappers
        if wrapped is not None:
            parts.append(("json", json.dumps(wrapped, sort_keys=True)))
        else:
            parts.append((type(value).__name__, value))
    return sql, tuple(parts)


def count(
    sql: str, params: Sequence[Any], *, tally: int | None = None, execute: Execute = _execute
) -> int:
    """The result of ``sql`` (a ``SELECT COUNT(*) ...``), from this process's counts if it holds
    one for the current tally.

    ``tally``: the tally read in the same statement as the caller's page, if it has one (saves a
    round trip); else it is read here. ``execute`` runs a statement and returns its rows.
    """
    return count_at(sql, params, tally=tally, execute=execute)[0]


def count_at(
    sql: str, params: Sequence[Any], *, tally: int | None = None, execute: Execute = _execute
) -> tuple[int, int | None]:
    """:func:`count`, and the tally the count is exact for (None: counted plainly)."""
    if not enabled(execute):
        return int(execute(sql, params)[0][0]), None
    kept_as = key(sql, params)
    try:
        if tally is None:
            tally = int(execute(f"SELECT {TALLY_SQL}", ())[0][0])
        counted = totals.get(kept_as, tally)
        if counted is not None:
            return counted, tally
        # The tally and the count in one statement: one snapshot, so the count is exact for it.
        [(now, counted, sessions)] = execute(
            f"SELECT {TALLY_SQL}, ({sql}), (SELECT COUNT(*) FROM {TALLY_TABLE})", params
        )
    except DatabaseError as exc:
        if is_query_timeout(exc):
            raise  # the count itself is too slow: counting again would be too
        # The tally cannot be read (no rights on it, a table migrated away): count plainly.
        logger.warning("The tally of changes cannot be read (%s): counts not kept.", exc)
        _triggers_checked[connection.vendor] = (False, time.monotonic())
        return int(execute(sql, params)[0][0]), None
    totals.put(kept_as, int(now), int(counted))
    if sessions > FOLD_ABOVE:
        fold(execute)
    return int(counted), int(now)


def queryset_count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()`` (a queryset of assistants on the default database), kept as above."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return count(f"SELECT COUNT(*) FROM ({sql}) matches", params)


def fold(execute: Execute = _execute) -> None:
    """Fold the rows of PostgreSQL sessions that have ended into row 0 (the sum stays the same).

    A session that ends leaves its row behind; new sessions add rows, so without this the tally
    would be summed over ever more rows.
    """
    if connection.vendor != "postgresql" or time.monotonic() - _folded_at[0] < FOLD_EVERY:
        return
    _folded_at[0] = time.monotonic()
    try:
        # Only rows that row 0 can take, and row 0 written only when it takes some.
        execute(
            f"WITH gone AS (DELETE FROM {TALLY_TABLE} WHERE backend <> 0 AND backend NOT IN "
            f"(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) "
            f"AND EXISTS (SELECT 1 FROM {TALLY_TABLE} WHERE backend = 0) RETURNING changes) "
            f"UPDATE {TALLY_TABLE} SET changes = changes + (SELECT SUM(changes) FROM gone) "
            f"WHERE backend = 0 AND EXISTS (SELECT 1 FROM gone) RETURNING changes",
            (),
        )
    except DatabaseError as exc:  # the counts stay exact; the fold is tried on the next count
        logger.warning("Could not fold the tally of ended sessions: %s", exc)


def clear() -> None:
    """Forget kept counts and pages and the trigger check (tests; after restoring a database in
    place)."""
    totals.clear()
    pages.clear()
    _newest[0] = (0, float("-inf"))
    _triggers_checked.clear()
    _folded_at[0] = float("-inf")
