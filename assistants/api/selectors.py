"""Reads for the API: get, search, count and versions, with JSONB-style metadata containment.

On PostgreSQL the metadata filter is ``metadata @> %s`` (Django's ``metadata__contains``), served
by the GIN indexes of migration 0002. SQLite has no containment operator, so the same predicate is
a small SQL function registered on the connection (:func:`jsonb_contains`, which follows
PostgreSQL's rules, arrays included). Filtering, counting and paginating thus all stay in SQL on
both databases: pages are correct and each call costs a fixed number of queries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, F, Func, QuerySet, Value
from django.db.models.functions import Lower

from assistants import counts
from assistants.api.serializers import ASSISTANT_FIELDS, VERSION_FIELDS
from assistants.models import Assistant, AssistantVersion
from assistants.selectors import assistant_get
from assistants.services import AssistantNotFound
from graphs.registry import get_registry

__all__ = [
    "SearchPage",
    "assistant_count",
    "assistant_get",
    "assistant_search",
    "jsonb_contains",
    "metadata_contains",
    "metadata_contains_sql",
    "next_offset",
    "total_from_page",
    "version_list",
]

SQLITE_CONTAINS_FUNCTION = "studio_jsonb_contains"


def _scalar_equal(left: Any, right: Any) -> bool:
    # JSON true is not 1, but 1 is 1.0 (jsonb compares numbers numerically).
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return False
    return type(left) is type(right) and left == right


def _scalar_key(value: Any) -> tuple[str, Any]:
    """Equal keys for the scalars ``_scalar_equal`` finds equal (true is not 1; 1 is 1.0)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    return (type(value).__name__, value)


def jsonb_contains(document: Any, query: Any, *, top: bool = True) -> bool:
    """PostgreSQL's ``document @> query`` for parsed JSON values.

    Objects: every key of ``query`` is in ``document`` with a contained value. Arrays: every
    element of ``query`` is contained in some element of ``document`` (order and duplicates do not
    matter). Scalars: equal. As in PostgreSQL, a top-level array also contains a bare scalar.
    """
    if isinstance(query, dict):
        return isinstance(document, dict) and all(
            key in document and jsonb_contains(document[key], value, top=False)
            for key, value in query.items()
        )
    if isinstance(query, list):
        if not isinstance(document, list):
            return False
        # Scalars by hash (one pass over the document, not one per wanted element).
        scalars = {_scalar_key(item) for item in document if not isinstance(item, dict | list)}
        return all(
            _scalar_key(wanted) in scalars
            if not isinstance(wanted, dict | list)
            else any(jsonb_contains(item, wanted, top=False) for item in document)
            for wanted in query
        )
    if top and isinstance(document, list):
        return any(
            not isinstance(item, dict | list) and _scalar_equal(item, query) for item in document
        )
    return _scalar_equal(document, query)


def _sqlite_contains(document: str | None, query: str) -> bool:
    if document is None:
        return False
    try:
        return jsonb_contains(json.loads(document), json.loads(query))
    except (TypeError, ValueError):
        return False


def _register_sqlite_function(alias: str) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    # Registering again is cheap and covers connections opened before this module was imported.
    connection.connection.create_function(
        SQLITE_CONTAINS_FUNCTION, 2, _sqlite_contains, deterministic=True
    )


def metadata_contains_sql(column: str, alias: str = DEFAULT_DB_ALIAS) -> str:
    """The SQL of "``column`` contains the JSON text of the ``%s`` parameter", for plain SQL."""
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return f"{column} @> %s::jsonb"
    if vendor != "sqlite":
        raise NotImplementedError(f"Metadata containment is not implemented on {vendor}.")
    _register_sqlite_function(alias)
    return f"{SQLITE_CONTAINS_FUNCTION}({column}, %s)"


def metadata_contains(queryset: QuerySet[Any], value: dict[str, Any] | None) -> QuerySet[Any]:
    """Rows whose ``metadata`` contains ``value`` (every key/value present, recursively)."""
    if not value:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        return queryset.filter(metadata__contains=value)
    if vendor != "sqlite":
        raise NotImplementedError(f"Metadata containment is not implemented on {vendor}.")
    _register_sqlite_function(queryset.db)
    predicate = Func(
        F("metadata"),
        Value(json.dumps(value)),
        function=SQLITE_CONTAINS_FUNCTION,
        output_field=BooleanField(),
    )
    return queryset.filter(predicate)


# -- assistants --------------------------------------------------------------------------------


def _filtered(
    *, graph_id: str | None = None, metadata: dict[str, Any] | None = None, name: str | None = None
) -> QuerySet[Assistant]:
    queryset = Assistant.objects.visible()
    if graph_id is not None:
        get_registry().get(graph_id)  # GraphNotFound (404) for a graph that is not registered
        queryset = queryset.for_graph(graph_id)
    if name:
        queryset = queryset.filter(name__icontains=name)
    return metadata_contains(queryset, metadata)


def assistant_count(
    *, graph_id: str | None = None, metadata: dict[str, Any] | None = None, name: str | None = None
) -> int:
    return counts.queryset_count(_filtered(graph_id=graph_id, metadata=metadata, name=name))


@dataclass(frozen=True)
class SearchPage:
    #: ``.values()`` rows (no model instances: a page is rendered, never saved).
    assistants: list[dict[str, Any]]
    total: int
    next_offset: int | None


def assistant_search(
    *,
    graph_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    name: str | None = None,
    limit: int = 10,
    offset: int = 0,
    sort_by: str | None = None,
    sort_order: str | None = None,
    fields: Sequence[str] = ASSISTANT_FIELDS,
) -> SearchPage:
    """One page of assistants and the true number of matches.

    The page is read first; the ``COUNT(*)`` (the costly part on a large table: every match is
    visited) only runs when the page is full or empty past the start, since otherwise the page
    itself tells the total; the count is kept until an assistant changes. Three queries at most
    (the page, the tally of changes, the count), two when the count is kept.
    """
    queryset = _filtered(graph_id=graph_id, metadata=metadata, name=name)
    field = sort_by or "created_at"
    # LangGraph sorts names and graph ids case-insensitively.
    key: Any = Lower(field) if field in ("name", "graph_id") else F(field)
    descending = (sort_order or "desc") != "asc"
    primary = key.desc() if descending else key.asc()
    tie_break = F("assistant_id").desc() if descending else F("assistant_id").asc()
    ordered = queryset.order_by(primary, tie_break).values(*fields)
    rows = list(ordered[offset : offset + limit])
    total = total_from_page(len(rows), limit, offset)
    if total is None:
        total = counts.queryset_count(queryset)
    return SearchPage(assistants=rows, total=total, next_offset=next_offset(total, limit, offset))


def total_from_page(rows: int, limit: int, offset: int) -> int | None:
    """The total a page of ``rows`` tells, or None when only a ``COUNT(*)`` can: a full page, or
    an empty one past the start. (The count visits every match: the costly part of a search.)"""
    if rows < limit and (rows or offset == 0):
        return offset + rows
    return None


def next_offset(total: int, limit: int, offset: int) -> int | None:
    """The next page's offset (``X-Pagination-Next``), or None on the last page."""
    return offset + limit if offset + limit < total else None


# -- versions ------------------------------------------------------------------------------------


def version_list(
    *,
    assistant_id: uuid.UUID,
    metadata: dict[str, Any] | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Versions newest first, as ``.values()`` rows; AssistantNotFound unless the assistant is
    visible (:meth:`~assistants.models.AssistantQuerySet.visible`).

    A filter that matches nothing gives an empty list (LangGraph answers 404 then).
    """
    visible = AssistantVersion.objects.filter(
        assistant_id=assistant_id, assistant__in=Assistant.objects.visible()
    )
    queryset = metadata_contains(visible, metadata)
    rows = list(queryset.order_by("-version").values(*VERSION_FIELDS)[offset : offset + limit])
    if not rows and not Assistant.objects.visible().filter(pk=assistant_id).exists():
        raise AssistantNotFound(assistant_id)
    return rows
