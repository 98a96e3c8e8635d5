"""Insert several new rows, of different models, in one statement and one round trip.

A write that creates an assistant inserts four rows (its version 1, the assistant pointing at it,
the publication and the audit entry). Saved one by one, inside a transaction, that is six round
trips to the database (``BEGIN``, four ``INSERT``, ``COMMIT``). On PostgreSQL,
:func:`insert_rows` sends them as one statement of data-modifying CTEs::

    WITH r0 AS (INSERT INTO version ... RETURNING id),
         r1 AS (INSERT INTO assistant (..., published_version_id) VALUES (..., (SELECT id FROM r0))),
         r2 AS (INSERT INTO publication ...), r3 AS (INSERT INTO auditentry ...)
    SELECT (SELECT id FROM r0)

A single statement is atomic by itself, so no transaction is opened for it; inside the caller's
transaction it is one more statement of it. Each ``INSERT`` is the
one Django's ORM compiles for ``save(force_insert=True)`` (same columns, same value preparation);
a foreign key to a row earlier in the same call becomes a sub-select of that row's generated id.
Model signals (``pre_save``, ``post_save``) are sent as ``save()`` sends them. Elsewhere (SQLite)
the rows are saved one by one in a transaction: same rows, same signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import connections, router, transaction
from django.db.models import ForeignKey, Model
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


def insert_rows(rows: Sequence[Model]) -> None:
    """Insert the unsaved ``rows`` in order, atomically; generated ids are set on them."""
    if not rows:
        return
    alias = router.db_for_write(type(rows[0]))
    connection = connections[alias]
    if connection.vendor != "postgresql" or not connection.features.can_return_columns_from_insert:
        with transaction.atomic(using=alias, savepoint=False):
            for row in rows:
                row.save(force_insert=True, using=alias)
        return
    for row in rows:
        pre_save.send(sender=type(row), instance=row, raw=False, using=alias, update_fields=None)
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    generated: list[tuple[int, Model]] = []  # (CTE index, row) of rows whose id the database makes
    relinks: list[tuple[Model, str, Model]] = []
    try:
        for index, row in enumerate(rows):
            relinks.extend(_refer_to_earlier_rows(row, rows[:index], quote))
            sql, row_params, returns_id = _insert_sql(row, alias)
            parts.append(f"{quote(f'r{index}')} AS ({sql})")
            params.extend(row_params)
            if returns_id:
                generated.append((index, row))
        ids = ", ".join(
            f"(SELECT {quote(_pk_column(row))} FROM {quote(f'r{i}')})" for i, row in generated
        )
        statement = f"WITH {', '.join(parts)} SELECT {ids or 'NULL'}"
        # Alone, the statement is its own transaction; inside the caller's, it is one more
        # statement of it (no savepoint, as save() adds none: see savepoint_if_nested).
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            values = (cursor.fetchone() or ())[: len(generated)]  # SELECT NULL when none
        for (_, row), value in zip(generated, values, strict=True):
            row.pk = value
        for row in rows:
            row._state.adding = False
            row._state.db = alias
    finally:
        # The related row again, with its new id if it has one (as save() leaves it).
        for row, name, target in relinks:
            setattr(row, name, target)
    for row in rows:
        post_save.send(
            sender=type(row), instance=row, created=True, update_fields=None, raw=False, using=alias
        )


def savepoint_if_nested(using: str | None = None) -> AbstractContextManager[object]:
    """A savepoint inside a transaction, nothing outside one.

    For a caller that handles a failure of :func:`insert_rows` (an ``IntegrityError``) and goes on
    querying: inside a transaction the savepoint keeps the failure from aborting it; outside one
    the statement is its own transaction, and ``atomic()`` would only add ``BEGIN`` and ``COMMIT``
    round trips.
    """
    if transaction.get_connection(using).in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()


def _refer_to_earlier_rows(
    row: Model, earlier: Sequence[Model], quote: Callable[[str], str]
) -> list[tuple[Model, str, Model]]:
    """Point ``row``'s foreign keys at unsaved earlier rows by a sub-select of their new id.

    Returns ``(row, field name, related row)`` for each, to link them again afterwards.
    """
    relinks: list[tuple[Model, str, Model]] = []
    for field in row._meta.concrete_fields:
        if not isinstance(field, ForeignKey) or not field.is_cached(row):
            continue
        target = field.get_cached_value(row)
        if target is None or target.pk is not None:
            continue
        position = next((i for i, other in enumerate(earlier) if other is target), None)
        if position is None:
            raise ValueError(f"{row!r}.{field.name} points at a row that is not saved first.")
        if field.target_field is not target._meta.pk:
            raise ValueError(f"{row!r}.{field.name} must point at a primary key.")
        relinks.append((row, field.name, target))
        column = quote(_pk_column(target))
        setattr(row, field.attname, RawSQL(f"(SELECT {column} FROM {quote(f'r{position}')})", ()))
    return relinks


def _pk_column(row: Model) -> str:
    return str(row._meta.pk.column)  # type: ignore[union-attr]


#: The ``INSERT`` text the ORM compiled for each shape of row (model, database, id made by the
#: database or not, the SQL of each expression value): the same shape compiles to the same text,
#: so after the first row only the values are prepared (compiling costs about as much again).
_templates: dict[tuple[Any, ...], str] = {}
MAX_TEMPLATES = 256


def _insert_sql(row: Model, alias: str) -> tuple[str, list[Any], bool]:
    """The ORM's ``INSERT`` for ``row`` (``RETURNING id`` when the database makes the id)."""
    meta = row._meta
    fields = list(meta.local_concrete_fields)
    returns_id = row.pk is None and meta.auto_field is not None
    if returns_id:
        fields = [field for field in fields if field is not meta.auto_field]
    query = InsertQuery(type(row))
    query.insert_values(fields, [row])
    compiler = query.get_compiler(using=alias)
    if returns_id:
        compiler.returning_fields = [meta.pk]
    if any(hasattr(field, "get_placeholder") for field in fields):
        return (*_compiled(compiler), returns_id)  # placeholders that depend on the value
    # What as_sql() does per value: pre_save (auto_now, ...), then get_db_prep_save, or the
    # expression's own SQL; the rest of its text depends only on the shape.
    values = [compiler.prepare_value(field, compiler.pre_save_val(field, row)) for field in fields]
    params: list[Any] = []
    shape: list[str | None] = []
    for value in values:
        if hasattr(value, "as_sql"):
            sql, value_params = compiler.compile(value)
            shape.append(sql)
            params.extend(value_params)
        else:
            shape.append(None)
            params.append(value)
    key = (type(row), alias, returns_id, tuple(shape))
    template = _templates.get(key)
    if template is None:
        # Compiled again by the ORM (which runs pre_save once more, as a second save() would).
        template, params = _compiled(compiler)
        if len(_templates) < MAX_TEMPLATES:  # expressions with values inlined make new shapes
            _templates[key] = template
    return template, params, returns_id


def _compiled(compiler: Any) -> tuple[str, list[Any]]:
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


__all__ = ["insert_rows", "savepoint_if_nested"]
