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
transaction it is one more statement of it. ``only_if`` makes the write conditional on a query of
other rows, read in the same statement: each ``INSERT ... VALUES`` becomes ``INSERT ... SELECT``
from a first CTE that holds one row when the condition does, none when it does not.
``then_save`` adds the ``UPDATE`` of an existing row to the same statement. Each ``INSERT`` is the
one Django's ORM compiles for ``save(force_insert=True)`` (same columns, same value preparation);
a foreign key to a row earlier in the same call becomes a sub-select of that row's generated id.
Model signals (``pre_save``, ``post_save``) are sent as ``save()`` sends them. Elsewhere (SQLite)
the rows are saved one by one in a transaction: same rows, same signals.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import ForeignKey, Model, Q
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery

#: An SQL condition and its parameters, such as ``("EXISTS (SELECT 1 FROM t WHERE id = %s)", [1])``.
Condition = tuple[str, Sequence[Any]]

#: The CTE holding one row when ``only_if`` holds.
_CONDITION_CTE = "only_if"
#: The CTE of the ``then_save`` row's ``UPDATE``.
_SAVED_CTE = "saved"


class ConditionFailed(Exception):
    """``only_if`` did not hold when the rows were to be written: none was written."""


def insert_rows(
    rows: Sequence[Model], *, only_if: Condition | None = None, then_save: Model | None = None
) -> None:
    """Insert the unsaved ``rows`` in order, atomically; generated ids are set on them.

    With ``only_if``, the rows are written only if that SQL condition holds as they are written
    (read in the same statement on PostgreSQL, in the same transaction elsewhere); if it does not,
    nothing is written and ``ConditionFailed`` is raised. No database error is raised for it, so
    the caller's transaction goes on as it was.

    ``then_save`` is an existing row saved after the inserts, as ``save()`` saves it (every
    field, the signals), in the same statement on PostgreSQL: a foreign key of it to one of
    ``rows`` gets that row's new id. Not with ``only_if``.
    """
    if not rows:
        return
    if only_if is not None and then_save is not None:
        raise ValueError("only_if and then_save cannot be combined")
    alias = router.db_for_write(type(rows[0]))
    connection = connections[alias]
    if connection.vendor != "postgresql" or not connection.features.can_return_columns_from_insert:
        with transaction.atomic(using=alias, savepoint=False):
            held = only_if is None or _holds(connection, only_if)
            if held:
                for row in rows:
                    row.save(force_insert=True, using=alias)
                if then_save is not None:
                    then_save.save(force_update=True, using=alias)
        if not held:
            raise ConditionFailed
        return
    for row in (*rows, *([then_save] if then_save is not None else [])):
        pre_save.send(sender=type(row), instance=row, raw=False, using=alias, update_fields=None)
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    generated: list[tuple[int, Model]] = []  # (CTE index, row) of rows whose id the database makes
    relinks: list[tuple[Model, str, Model]] = []
    if only_if is not None:
        condition, condition_params = only_if
        parts.append(f"{quote(_CONDITION_CTE)} AS (SELECT 1 WHERE {condition})")
        params.extend(condition_params)
    try:
        for index, row in enumerate(rows):
            relinks.extend(_refer_to_earlier_rows(row, rows[:index], quote))
            sql, row_params, returns_id = _insert_sql(row, alias)
            if only_if is not None:
                sql = _select_from(sql, quote(_CONDITION_CTE))
            parts.append(f"{quote(f'r{index}')} AS ({sql})")
            params.extend(row_params)
            if returns_id:
                generated.append((index, row))
        # First whether the rows were written, then the ids the database made.
        outputs = [
            "TRUE" if only_if is None else f"EXISTS (SELECT 1 FROM {quote(_CONDITION_CTE)})",
            *(f"(SELECT {quote(_pk_column(row))} FROM {quote(f'r{i}')})" for i, row in generated),
        ]
        if then_save is not None:
            relinks.extend(_refer_to_earlier_rows(then_save, rows, quote))
            sql, row_params = _update_sql(then_save, alias)
            parts.append(f"{quote(_SAVED_CTE)} AS ({sql} RETURNING 1)")
            params.extend(row_params)
            outputs.append(f"(SELECT COUNT(*) FROM {quote(_SAVED_CTE)})")
        statement = f"WITH {', '.join(parts)} SELECT {', '.join(outputs)}"
        # Alone, the statement is its own transaction; inside the caller's, it is one more
        # statement of it (no savepoint, as save() adds none: see savepoint_if_nested).
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            written, *values = cursor.fetchone()
        if then_save is not None:
            *values, saved = values
            if saved != 1:  # save(force_update=True) raises the same
                raise DatabaseError("Forced update did not affect any rows.")
        if written:
            for (_, row), value in zip(generated, values, strict=True):
                row.pk = value
            for row in rows:
                row._state.adding = False
                row._state.db = alias
    finally:
        # The related row again, with its new id if it has one (as save() leaves it).
        for row, name, target in relinks:
            setattr(row, name, target)
    if not written:
        raise ConditionFailed
    for row in rows:
        post_save.send(
            sender=type(row), instance=row, created=True, update_fields=None, raw=False, using=alias
        )
    if then_save is not None:
        post_save.send(
            sender=type(then_save),
            instance=then_save,
            created=False,
            update_fields=None,
            raw=False,
            using=alias,
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


def _holds(connection: Any, condition: Condition) -> bool:
    sql, params = condition
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 WHERE {sql}", params)
        return cursor.fetchone() is not None


@functools.lru_cache(maxsize=256)  # the ORM's INSERT text is kept per shape (_templates)
def _select_from(insert: str, source: str) -> str:
    """``INSERT INTO t (c) VALUES (v) [RETURNING ...]`` as ``INSERT INTO t (c) SELECT v FROM
    source [RETURNING ...]``: the same row, written once for each row of ``source``.

    PostgreSQL gives an untyped value in the ``SELECT`` list the target column's type, as in
    ``VALUES`` (a bare ``NULL`` or ``'1'`` goes into an integer column alike).
    """
    head, found, tail = insert.partition(") VALUES (")
    values, closed, rest = tail.rpartition(")")
    if not (
        insert.startswith("INSERT INTO ")
        and found
        and closed
        and _one_group(values)
        and not re.search(r"\bDEFAULT\b", values)  # a column's database default: VALUES only
        and (not rest or rest.startswith(" RETURNING "))
    ):
        raise ValueError(f"Not a one-row INSERT ... VALUES statement: {insert[:200]}")
    return f"{head}) SELECT {values} FROM {source}{rest}"


def _one_group(values: str) -> bool:
    """Whether ``values`` is the inside of one parenthesised group (no ``), (`` of a second row)."""
    depth = 0
    for char in values:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


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


def _update_sql(row: Model, alias: str) -> tuple[str, list[Any]]:
    """The ``UPDATE`` of every field of ``row`` by its primary key, as ``save()`` compiles it."""
    meta = row._meta
    values = [
        (field, None, field.pre_save(row, False))
        for field in meta.local_concrete_fields
        if not field.primary_key
    ]
    query = UpdateQuery(type(row))
    query.add_update_fields(values)  # type: ignore[arg-type]  # stubs: values typed as Case
    query.add_q(Q(pk=row.pk))
    sql, params = query.get_compiler(using=alias).as_sql()
    return sql, list(params)


def _compiled(compiler: Any) -> tuple[str, list[Any]]:
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


__all__ = ["Condition", "ConditionFailed", "insert_rows", "savepoint_if_nested"]
