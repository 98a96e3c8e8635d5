"""The SQL of the fast reads: each joins the API key's row with what the read returns.

Rows come back as the ORM would give them (:func:`decode`), so the views' renderers can write them.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DatabaseError, connection
from django.db.models import Model

from assistants.api.auth import parse_db_datetime, touch_due
from assistants.api.selectors import metadata_contains_sql
from assistants.api.serializers import ASSISTANT_FIELDS, VERSION_FIELDS
from assistants.counts import TALLY_SQL
from assistants.models import ApiKey, Assistant, AssistantVersion
from studio.middleware import is_query_timeout, query_timeout_ms, statement_time_limit

T = TypeVar("T")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return _q(field.column)  # type: ignore[union-attr,arg-type]


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _key_join(inner: str) -> str:
    """The key's two columns joined with every row of ``inner`` (one row of NULLs if it has none).

    No row at all: the key is unknown.
    """
    return (
        f"SELECT k.{_column(ApiKey, 'revoked_at')}, k.{_column(ApiKey, 'last_used_at')}, p.* "
        f"FROM {_table(ApiKey)} k LEFT JOIN ({inner}) p ON 1 = 1 "
        f"WHERE k.{_column(ApiKey, 'digest')} = %s"
    )


#: Positions in a row of these statements: the key's two columns, then the rest.
_ROW_REVOKED_AT, _ROW_LAST_USED_AT, _ROW_REST = 0, 1, 2


@functools.cache
def get_sql(vendor: str) -> str:
    """The key's state and the assistant (by primary key), in one round trip."""
    columns = ", ".join(f"a.{_column(Assistant, name)}" for name in ASSISTANT_FIELDS)
    pk = f"a.{_column(Assistant, 'pk')}"
    inner = f"SELECT {columns}, {pk} AS studio_pk FROM {_table(Assistant)} a WHERE {pk} = %s"
    return _key_join(inner)


@functools.cache
def key_and_tally_sql(vendor: str) -> str:
    """The key's state and the tally of changes (:mod:`~assistants.counts`): enough to answer a
    search again from its kept page."""
    return _key_join(f"SELECT {TALLY_SQL} AS studio_tally")


def _served_sql(graphs: int) -> str:
    """The rule of :meth:`~assistants.models.AssistantQuerySet.visible` for ``graphs`` ids."""
    return f"a.{_column(Assistant, 'graph_id')} IN ({', '.join(['%s'] * graphs)})"


@functools.lru_cache(maxsize=512)  # one per shape of search (select, sort, filters)
def search_sql(
    vendor: str, fields: tuple[str, ...], graphs: int, by_graph: bool, contains: str | None,
    sort_by: str, descending: bool, tally: bool,
) -> tuple[str, str]:  # fmt: skip
    """The page joined with the key, and the count of every match (the selector's query).

    Parameters: [served graph ids..., graph id?, metadata filter?] then for the page ``limit``,
    ``offset`` and the key's digest. With ``tally``, each row of the page has the tally of
    changes (:mod:`~assistants.counts`) after the ``fields``.
    """
    where = [_served_sql(graphs)]
    if by_graph:
        where.append(f"a.{_column(Assistant, 'graph_id')} = %s")
    if contains is not None:
        where.append(contains)
    condition = " AND ".join(where)
    key = f"a.{_column(Assistant, sort_by)}"
    if sort_by in ("name", "graph_id"):  # LangGraph sorts these case-insensitively
        key = f"LOWER({key})"
    direction = "DESC" if descending else "ASC"
    columns = ", ".join(f"a.{_column(Assistant, name)}" for name in fields)
    table = _table(Assistant)
    pk = f"a.{_column(Assistant, 'pk')}"
    if tally:
        columns = f"{columns}, {TALLY_SQL} AS studio_tally"
    inner = (
        f"SELECT {columns}, {key} AS studio_sort, {pk} AS studio_pk FROM {table} a "
        f"WHERE {condition} ORDER BY {key} {direction}, {pk} {direction} LIMIT %s OFFSET %s"
    )
    page = f"{_key_join(inner)} ORDER BY p.studio_sort {direction}, p.studio_pk {direction}"
    count = f"SELECT COUNT(*) FROM {table} a WHERE {condition}"
    return page, count


@functools.cache
def versions_sql(vendor: str, graphs: int, contains: str | None) -> str:
    """A page of an assistant's versions (newest first) of a served graph, joined with the key.

    Parameters: the assistant's id, the served graph ids, the filter?, ``limit``, ``offset``, the
    key's digest.
    """
    columns = ", ".join(f"v.{_column(AssistantVersion, name)}" for name in VERSION_FIELDS)
    version = f"v.{_column(AssistantVersion, 'version')}"
    where = [f"v.{_column(AssistantVersion, 'assistant')} = %s", _served_sql(graphs)]
    if contains is not None:
        where.append(contains)
    inner = (
        f"SELECT {columns}, {version} AS studio_sort FROM {_table(AssistantVersion)} v "
        f"JOIN {_table(Assistant)} a ON a.{_column(Assistant, 'pk')} = "
        f"v.{_column(AssistantVersion, 'assistant')} "
        f"WHERE {' AND '.join(where)} ORDER BY {version} DESC LIMIT %s OFFSET %s"
    )
    return f"{_key_join(inner)} ORDER BY p.studio_sort DESC"


def contains(model: type[Model], alias: str, metadata: Any) -> str | None:
    """The filter "``metadata`` contains the parameter" (SQLite: registers its function first)."""
    if metadata is None:
        return None
    return metadata_contains_sql(f"{alias}.{_column(model, 'metadata')}")


class Stopped(Exception):
    """A statement was stopped by the time limit: answer the view's 503 rather than run the view
    (which would wait out the limit a second time)."""


def query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement under the API's time limit."""
    with statement_time_limit(query_timeout_ms()), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def guarded(call: Callable[[], T]) -> T | None:
    """``call()``, or None on a database error (the view meets it again and answers as it does).

    Raises :class:`Stopped` for a statement past the time limit.
    """
    try:
        return call()
    except DatabaseError as exc:
        if is_query_timeout(exc):
            raise Stopped from exc
        return None


def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """The rows of one statement under the API's time limit, or None on a database error."""
    return guarded(lambda: query(sql, params))


def rows_for_key(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """The rows of a statement made by :func:`_key_join`, without the key's columns.

    None when the view must answer: a database error, an unknown or revoked key, or a key whose
    use is due to be recorded. Each statement's last column is never NULL in a real row, so the
    row of NULLs of an empty result is dropped.
    """
    rows = run(sql, params)
    if not rows or rows[0][_ROW_REVOKED_AT] is not None:
        return None
    if touch_due(None, parse_db_datetime(rows[0][_ROW_LAST_USED_AT]), from_cache=False):
        return None
    return [row[_ROW_REST:] for row in rows if row[-1] is not None]


def pk_value(value: uuid.UUID) -> Any:
    return Assistant._meta.pk.get_db_prep_value(value, connection)  # type: ignore[union-attr]


# -- rows as the ORM gives them ------------------------------------------------------------------


def _converter(model: type[Model], name: str) -> Callable[[Any], Any] | None:
    """How a column's raw value becomes what the ORM gives (None: as it is)."""
    field: Any = model._meta.get_field(name)
    kind = field.get_internal_type()
    if kind == "JSONField":  # text on both databases (Django loads jsonb as text)
        return lambda raw: field.from_db_value(raw, None, connection)
    if kind == "DateTimeField":
        return parse_db_datetime
    if kind in ("UUIDField", "ForeignKey"):  # SQLite stores the hex digits
        return lambda raw: raw if isinstance(raw, uuid.UUID) else uuid.UUID(raw)
    return None


@functools.cache
def _converters(model: type[Model], fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_converter(model, name) for name in fields)


def decode(model: type[Model], fields: tuple[str, ...], row: Sequence[Any]) -> dict[str, Any]:
    """The ``fields`` columns at the start of ``row`` as the ORM would give them."""
    converters = _converters(model, fields)
    return {
        name: raw if convert is None else convert(raw)
        for name, convert, raw in zip(fields, converters, row, strict=False)
    }
