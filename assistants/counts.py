"""Exact counts of matching assistants, kept until the assistants table changes.

A search's ``X-Pagination-Total`` counts every match: at 100,000 assistants that ``COUNT(*)``
costs more than the page itself. The count is kept in this process, under the **tally** of
committed changes to the assistants table (migration ``0006``: triggers add to it in each writing
transaction). A count read together with tally ``t`` is exact for every later read that sees
tally ``t``, since that read sees the same assistants; once a write commits, every read sees a
larger tally and counts afresh. So a write's response is never followed by an old total, on any
worker, with or without a shared cache.

Not used (the count runs as before) inside a transaction, whose own uncommitted writes would be
counted under a tally that a rollback gives back, or where the triggers are missing.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import QuerySet

__all__ = ["TALLY_SQL", "clear", "count", "enabled", "queryset_count"]

TALLY_TABLE = "studio_assistant_changes"
#: A scalar subquery: the tally, to read in the same statement as what it vouches for.
TALLY_SQL = f"(SELECT COALESCE(SUM(changes), 0) FROM {TALLY_TABLE})"
#: The triggers of migration 0006, by database (SQLite drops them if a migration rebuilds the
#: table, so their presence is checked rather than assumed).
TRIGGERS = {
    "postgresql": ("studio_assistant_changed", "studio_assistant_truncated"),
    "sqlite": ("studio_assistant_inserted", "studio_assistant_deleted", "studio_assistant_updated"),
}
#: Counts kept per process (least recently used dropped first).
MAX_COUNTS = 1024
#: Rows of departed PostgreSQL sessions are folded into row 0 when there are more than this.
FOLD_ABOVE = 256

logger = logging.getLogger(__name__)

Key = tuple[str, tuple[Any, ...]]
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_lock = threading.Lock()
_counts: OrderedDict[Key, tuple[int, int]] = OrderedDict()  # (sql, params) -> (tally, count)
_triggers_present: dict[str, bool] = {}


def _execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _triggers_in_place(execute: Execute) -> bool:
    vendor = connection.vendor
    if vendor not in _triggers_present:
        names = TRIGGERS.get(vendor, ())
        if not names:
            return False
        if vendor == "postgresql":
            sql = "SELECT COUNT(*) FROM pg_trigger WHERE tgname IN %s"
        else:
            sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN %s"
        sql = sql.replace("%s", f"({', '.join(['%s'] * len(names))})")
        _triggers_present[vendor] = execute(sql, names)[0][0] == len(names)
    return _triggers_present[vendor]


def enabled(execute: Execute = _execute) -> bool:
    """Whether counts can be kept here and now (outside a transaction, triggers in place)."""
    return not connection.in_atomic_block and _triggers_in_place(execute)


def _key(sql: str, params: Sequence[Any]) -> Key:
    """A key equal for equal statements: psycopg's JSON parameters by their canonical text."""
    parts = []
    for value in params:
        wrapped = getattr(value, "obj", None)  # psycopg's Json / Jsonb wrappers
        if wrapped is not None:
            parts.append(("json", json.dumps(wrapped, sort_keys=True)))
        else:
            parts.append((type(value).__name__, value))
    return sql, tuple(parts)


def _known(key: Key, tally: int) -> int | None:
    with _lock:
        found = _counts.get(key)
        if found is None or found[0] != tally:
            return None
        _counts.move_to_end(key)
        return found[1]


def _keep(key: Key, tally: int, counted: int) -> None:
    with _lock:
        _counts[key] = (tally, counted)
        _counts.move_to_end(key)
        while len(_counts) > MAX_COUNTS:
            _counts.popitem(last=False)


def count(
    sql: str, params: Sequence[Any], *, tally: int | None = None, execute: Execute = _execute
) -> int:
    """The result of ``sql`` (a ``SELECT COUNT(*) ...``), from this process's counts if it holds
    one for the current tally.

    ``tally``: the tally read in the same statement as the caller's page, if it has one (saves a
    round trip); else it is read here. ``execute`` runs a statement and returns its rows.
    """
    if not enabled(execute):
        return int(execute(sql, params)[0][0])
    key = _key(sql, params)
    if tally is None:
        tally = int(execute(f"SELECT {TALLY_SQL}", ())[0][0])
    counted = _known(key, tally)
    if counted is not None:
        return counted
    # The tally and the count in one statement: one snapshot, so the count is exact for it.
    [(now, counted, sessions)] = execute(
        f"SELECT {TALLY_SQL}, ({sql}), (SELECT COUNT(*) FROM {TALLY_TABLE})", params
    )
    _keep(key, int(now), int(counted))
    if sessions > FOLD_ABOVE:
        fold(execute)
    return int(counted)


def queryset_count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()`` (a queryset of assistants on the default database), kept as above."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return count(f"SELECT COUNT(*) FROM ({sql}) matches", params)


def fold(execute: Execute = _execute) -> None:
    """Fold the rows of PostgreSQL sessions that have ended into row 0 (the sum stays the same).

    A session that ends leaves its row behind; new sessions add rows, so without this the tally
    would be summed over ever more rows.
    """
    if connection.vendor != "postgresql":
        return
    try:
        execute(
            f"WITH gone AS (DELETE FROM {TALLY_TABLE} WHERE backend <> 0 AND backend NOT IN "
            f"(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) RETURNING changes) "
            f"UPDATE {TALLY_TABLE} SET changes = changes + (SELECT COALESCE(SUM(changes), 0) "
            f"FROM gone) WHERE backend = 0 RETURNING changes",
            (),
        )
    except DatabaseError as exc:  # the counts stay exact; the fold is tried on the next count
        logger.warning("Could not fold the tally of ended sessions: %s", exc)


def clear() -> None:
    """Forget kept counts and the trigger check (tests; after restoring a database in place)."""
    with _lock:
        _counts.clear()
    _triggers_present.clear()
