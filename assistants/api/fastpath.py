"""The integrations' hot paths, each in one statement: get, search and versions with an API key.

An integration reads its assistant's live configuration before every agent run, and lists or
searches assistants to pick one, so these reads are most of the API's traffic.
:class:`AssistantReadMiddleware` answers them ahead of the session, CSRF and DRF layers:

- ``GET /assistants/{uuid}``: one SQL statement reads the API key and the assistant together;
- ``POST /assistants/search``: one statement reads the key and the page (plus the ``COUNT`` the
  view also runs, only when the page cannot tell the total);
- ``POST /assistants/{uuid}/versions``: one statement reads the key and the versions.

Rows are rendered by the same code as the API views (:func:`assistants.api.cache.render_assistant`,
:func:`~assistants.api.serializers.assistant_data`, the same JSON renderer), so bodies, headers
and ``ETag`` are byte for byte the views'.

It answers only the plain success (200, or 304 for a current ``If-None-Match``) of a plain request.
Everything else goes on to the API view unchanged, which then decides as it always did: no key, an
unknown or revoked key, a key whose ``last_used_at`` is due to be written, a graph id instead of a
UUID, an unknown assistant or one whose graph is not served, an empty version list (the view tells
a 404 from ``[]``), a database error; a body outside the plain subset (:func:`_search_body`, :func:`_versions_body`: only the
common fields with values that plainly pass the view's checks, so no error message is written
twice); and a request that a skipped layer might treat differently (:func:`_plain`: a query
string, a cookie, an ``Accept`` JSON does not satisfy). So errors, permissions and bookkeeping keep
one implementation, and ``tests/api/test_fast_reads.py`` compares both answers case by case.

The statements run under the API's time limit (``STUDIO_QUERY_TIMEOUT_MS``), as the views' do. A
statement stopped by it gets the views' 503 from here: passing it on would make the client wait
out the limit a second time.

With the shared cache (``REDIS_URL``), a get first asks Redis, in one round trip, for the key's row
and the rendered assistant the view stored there (:func:`assistants.api.cache.peek`, under the same
exact-invalidation tokens); when both are current it answers without the database, otherwise the
view answers (and fills the cache for the next read). Searches and version lists are not cached:
they always read the database, which is always current. ``STUDIO_API_FAST_READS=0`` turns all of
this off (the views answer every read).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from assistants.api import cache as api_cache
from assistants.api.auth import API_KEY_HEADER, KEY_COLUMNS, parse_db_datetime, touch_due
from assistants.api.fields import BAD_TEXT
from assistants.api.parsers import parse_json
from assistants.api.renderers import FastJSONRenderer
from assistants.api.selectors import metadata_contains_sql
from assistants.api.serializers import (
    ASSISTANT_FIELDS,
    MAX_LIMIT,
    MAX_OFFSET,
    SORT_FIELDS,
    VERSION_FIELDS,
    assistant_data,
    version_data,
)
from assistants.models import ApiKey, Assistant, AssistantVersion, graph_is_served
from assistants.startup import ensure_default_assistants
from graphs.registry import get_registry
from studio.middleware import is_query_timeout, query_timeout_ms, statement_time_limit

_PREFIX = "/assistants/"
_SEARCH = "/assistants/search"
_VERSIONS_SUFFIX = "/versions"
#: The ``Allow`` headers DRF's views send for these paths.
_ALLOW_ASSISTANT = "GET, PATCH, DELETE, HEAD, OPTIONS"
_ALLOW_POST = "POST, OPTIONS"
#: Larger bodies go to the view (a plain search or version list is a few dozen bytes).
MAX_PLAIN_BODY = 4096
#: A metadata filter with more keys goes to the view (which also applies STUDIO_MAX_FILTER_SIZE).
MAX_PLAIN_FILTER_KEYS = 16

Rendered = tuple[str, bytes, str]  # graph id, body, ETag


# -- SQL -----------------------------------------------------------------------------------------


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
def _get_sql(vendor: str) -> str:
    """The key's state and the assistant (by primary key), in one round trip."""
    columns = ", ".join(f"a.{_column(Assistant, name)}" for name in ASSISTANT_FIELDS)
    inner = f"SELECT {columns} FROM {_table(Assistant)} a WHERE a.{_column(Assistant, 'pk')} = %s"
    return _key_join(inner)


def _served_sql(graphs: int) -> str:
    """The rule of :meth:`~assistants.models.AssistantQuerySet.visible` for ``graphs`` ids."""
    return f"a.{_column(Assistant, 'graph_id')} IN ({', '.join(['%s'] * graphs)})"


@functools.cache
def _search_sql(
    vendor: str, fields: tuple[str, ...], graphs: int, by_graph: bool, contains: str | None,
    sort_by: str, descending: bool,
) -> tuple[str, str]:  # fmt: skip
    """The page joined with the key, and the count of every match (the selector's query).

    Parameters: [served graph ids..., graph id?, metadata filter?] then for the page ``limit``,
    ``offset`` and the key's digest.
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
    inner = (
        f"SELECT {columns}, {key} AS studio_sort, {pk} AS studio_pk FROM {table} a "
        f"WHERE {condition} ORDER BY {key} {direction}, {pk} {direction} LIMIT %s OFFSET %s"
    )
    page = f"{_key_join(inner)} ORDER BY p.studio_sort {direction}, p.studio_pk {direction}"
    count = f"SELECT COUNT(*) FROM {table} a WHERE {condition}"
    return page, count


@functools.cache
def _versions_sql(vendor: str, graphs: int, contains: str | None) -> str:
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


def _contains(model: type[Model], alias: str, metadata: Any) -> str | None:
    """The filter "``metadata`` contains the parameter" (SQLite: registers its function first)."""
    if metadata is None:
        return None
    return metadata_contains_sql(f"{alias}.{_column(model, 'metadata')}")


class _Stopped(Exception):
    """A statement was stopped by the time limit: answer the view's 503 rather than run the view
    (which would wait out the limit a second time)."""


def _run(sql: str, params: Sequence[Any], *, many: bool = True) -> list[tuple[Any, ...]] | None:
    """The rows of one statement under the API's time limit, or None on a database error.

    Raises :class:`_Stopped` for a statement past the time limit.
    """
    try:
        with statement_time_limit(query_timeout_ms()), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if many else cursor.fetchmany(1)
    except DatabaseError as exc:
        if is_query_timeout(exc):
            raise _Stopped from exc
        return None  # the view meets it again and answers as it does


def _key_usable(rows: list[tuple[Any, ...]] | None) -> bool:
    """A known key, not revoked, whose use needs no recording (the view records it)."""
    if not rows or rows[0][_ROW_REVOKED_AT] is not None:
        return False
    return not touch_due(None, parse_db_datetime(rows[0][_ROW_LAST_USED_AT]), from_cache=False)


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


def _decode(model: type[Model], fields: tuple[str, ...], row: Sequence[Any]) -> dict[str, Any]:
    """The ``fields`` columns at the start of ``row`` as the ORM would give them."""
    converters = _converters(model, fields)
    return {
        name: raw if convert is None else convert(raw)
        for name, convert, raw in zip(fields, converters, row, strict=False)
    }


def _finish(response: HttpResponse, allow: str) -> HttpResponse:
    # What the middleware after this one would add (CommonMiddleware, XFrameOptionsMiddleware) and
    # DRF's view (Allow): tests/api/test_fast_reads.py compares every header with the view's.
    response["Content-Length"] = str(len(response.content))
    response["Allow"] = allow
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
    return response


# -- GET /assistants/{uuid} ----------------------------------------------------------------------


def _assistant_id(path: str) -> uuid.UUID | None:
    """The UUID of ``/assistants/<uuid>``, or None for any other path (a graph id included)."""
    if not path.startswith(_PREFIX):
        return None
    tail = path[len(_PREFIX) :]
    if len(tail) not in (32, 36) or "/" in tail:
        return None
    try:
        return uuid.UUID(tail)
    except ValueError:
        return None


#: Positions in a cached key row (:data:`~assistants.api.auth.KEY_COLUMNS`).
_KEY_ID = KEY_COLUMNS.index("id")
_KEY_REVOKED_AT = KEY_COLUMNS.index("revoked_at")
_KEY_LAST_USED_AT = KEY_COLUMNS.index("last_used_at")


def _from_cache(digest: str, assistant_id: uuid.UUID) -> Rendered | None:
    """The rendered assistant from the shared cache, if it and the key's row are there."""
    found = api_cache.peek(api_cache.api_key_name(digest), api_cache.assistant_name(assistant_id))
    if found is None:
        return None
    key_row, (graph_id, body, etag) = found
    if key_row[_KEY_REVOKED_AT] is not None:
        return None
    if touch_due(key_row[_KEY_ID], key_row[_KEY_LAST_USED_AT], from_cache=True):
        return None
    return graph_id, body, etag


def _pk(value: uuid.UUID) -> Any:
    return Assistant._meta.pk.get_db_prep_value(value, connection)  # type: ignore[union-attr]


def _from_database(digest: str, assistant_id: uuid.UUID) -> Rendered | None:
    rows = _run(_get_sql(connection.vendor), [_pk(assistant_id), digest], many=False)
    if not _key_usable(rows) or rows[0][_ROW_REST] is None:  # type: ignore[index]
        return None  # unknown or revoked key, unknown assistant: the view's errors
    return api_cache.render_assistant(_decode(Assistant, ASSISTANT_FIELDS, rows[0][_ROW_REST:]))  # type: ignore[index]


def read(request: HttpRequest, assistant_id: uuid.UUID, raw_key: str) -> HttpResponse | None:
    """The view's answer to a plain successful read, or None when the view must decide.

    None also when the key's ``last_used_at`` is due to be written: the view records it.
    """
    digest = ApiKey.digest_for(raw_key.strip())
    if api_cache.backend() is not None:
        rendered = _from_cache(digest, assistant_id)  # on a miss the view reads and fills it
    else:
        rendered = _from_database(digest, assistant_id)
    if rendered is None:
        return None
    graph_id, body, etag = rendered
    if not graph_is_served(graph_id):
        return None  # hidden: the view's 404
    return _finish(api_cache.json_response(request, body, etag), _ALLOW_ASSISTANT)


# -- plain bodies --------------------------------------------------------------------------------


def _clean_text(value: Any) -> bool:
    return isinstance(value, str) and BAD_TEXT.search(value) is None


def _int_in(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _plain_filter(value: Any) -> bool:
    """A metadata filter of a few scalars (strings, integers, booleans, null), or none."""
    if value is None:
        return True
    if not isinstance(value, dict):
        return False
    if len(value) > min(MAX_PLAIN_FILTER_KEYS, settings.STUDIO_MAX_FILTER_SIZE):
        return False
    return all(
        _clean_text(key)
        and (
            item is None
            or isinstance(item, bool)
            or _int_in(item, -(2**53), 2**53)
            or _clean_text(item)
        )
        for key, item in value.items()
    )


def _paging(body: dict[str, Any]) -> tuple[int, int] | None:
    limit, offset = body.get("limit", 10), body.get("offset", 0)  # null: the view's 422
    if not (_int_in(limit, 1, MAX_LIMIT) and _int_in(offset, 0, MAX_OFFSET)):
        return None
    return limit, offset


_SEARCH_KEYS = frozenset(
    {"metadata", "graph_id", "name", "limit", "offset", "sort_by", "sort_order", "select"}
)
_VERSIONS_KEYS = frozenset({"metadata", "limit", "offset"})


def _search_body(body: Any) -> dict[str, Any] | None:
    """The search a plain body asks for, or None when the view must read the body."""
    if not isinstance(body, dict) or not _SEARCH_KEYS.issuperset(body):
        return None
    paging = _paging(body)
    graph_id, sort_by, sort_order = (
        body.get("graph_id"),
        body.get("sort_by"),
        body.get("sort_order"),
    )
    select = body.get("select")
    if (
        paging is None
        or body.get("name") is not None  # the view's substring match
        or not _plain_filter(body.get("metadata"))
        # Not a served graph id (the view's 404), or not a string (its 422).
        or (graph_id is not None and not (isinstance(graph_id, str) and graph_id in get_registry()))
        or (sort_by is not None and sort_by not in SORT_FIELDS)
        or sort_order not in (None, "asc", "desc")
    ):
        return None
    if select is not None and not (
        isinstance(select, list) and all(name in ASSISTANT_FIELDS for name in select)
    ):
        return None
    # As the view: duplicates dropped, an empty list means every field, in the wire order.
    wanted = set(select or ())
    fields = (
        tuple(name for name in ASSISTANT_FIELDS if name in wanted) if wanted else ASSISTANT_FIELDS
    )
    return {
        "metadata": body.get("metadata") or None,
        "graph_id": graph_id,
        "limit": paging[0],
        "offset": paging[1],
        "sort_by": sort_by or "created_at",
        "descending": (sort_order or "desc") == "desc",
        "fields": fields,
        "select": tuple(dict.fromkeys(select)) if select else None,
    }


def _versions_body(body: Any) -> dict[str, Any] | None:
    """The version list a plain body asks for, or None when the view must read the body."""
    if not isinstance(body, dict) or not _VERSIONS_KEYS.issuperset(body):
        return None
    paging = _paging(body)
    if paging is None or not _plain_filter(body.get("metadata")):
        return None
    return {"metadata": body.get("metadata") or None, "limit": paging[0], "offset": paging[1]}


# -- POST /assistants/search ---------------------------------------------------------------------


def search(request: HttpRequest, body: Any, raw_key: str) -> HttpResponse | None:
    """The view's answer to a plain search, or None when the view must decide."""
    asked = _search_body(body)
    if asked is None:
        return None
    ensure_default_assistants()  # as DefaultAssistantsMiddleware would (once per process)
    graphs = get_registry().graph_ids()
    if not graphs:
        return None
    metadata, graph_id = asked["metadata"], asked["graph_id"]
    fields: tuple[str, ...] = asked["fields"]
    page_sql, count_sql = _search_sql(
        connection.vendor, fields, len(graphs), graph_id is not None,
        _contains(Assistant, "a", metadata),
        asked["sort_by"], asked["descending"],
    )  # fmt: skip
    filters = [*graphs, *([graph_id] if graph_id is not None else [])]
    if metadata is not None:
        filters.append(json.dumps(metadata))
    limit, offset = asked["limit"], asked["offset"]
    digest = ApiKey.digest_for(raw_key.strip())
    rows = _run(page_sql, [*filters, limit, offset, digest])
    if not _key_usable(rows):
        return None
    assert rows is not None
    page = [_decode(Assistant, fields, row[_ROW_REST:]) for row in rows if row[-1] is not None]
    # As the selector: the page tells the total unless it is full (or empty past the start).
    if len(page) < limit and (page or offset == 0):
        total = offset + len(page)
    else:
        counted = _run(count_sql, filters, many=False)
        if not counted:
            return None
        total = counted[0][0]
    select = asked["select"]
    body_bytes = FastJSONRenderer().render([assistant_data(row, select) for row in page])
    response = HttpResponse(body_bytes, content_type="application/json")
    response["X-Pagination-Total"] = str(total)
    if offset + limit < total:
        response["X-Pagination-Next"] = str(offset + limit)
    return _finish(response, _ALLOW_POST)


# -- POST /assistants/{uuid}/versions ------------------------------------------------------------


def versions(
    request: HttpRequest, body: Any, raw_key: str, assistant_id: uuid.UUID
) -> HttpResponse | None:
    """The view's answer to a plain version list with versions in it, or None."""
    asked = _versions_body(body)
    if asked is None:
        return None
    graphs = get_registry().graph_ids()
    if not graphs:
        return None
    metadata = asked["metadata"]
    sql = _versions_sql(connection.vendor, len(graphs), _contains(AssistantVersion, "v", metadata))
    params: list[Any] = [_pk(assistant_id), *graphs]
    if metadata is not None:
        params.append(json.dumps(metadata))
    rows = _run(sql, [*params, asked["limit"], asked["offset"], ApiKey.digest_for(raw_key.strip())])
    if not _key_usable(rows):
        return None
    assert rows is not None
    page = [
        version_data(_decode(AssistantVersion, VERSION_FIELDS, row[_ROW_REST:]))
        for row in rows
        if row[-1] is not None
    ]
    if not page:
        return None  # the view tells an unknown assistant (404) from an empty list
    return _finish(api_cache.list_response(request, page), _ALLOW_POST)


# -- the middleware ------------------------------------------------------------------------------


_JSON_MEDIA_TYPES = frozenset({"*/*", "application/*", "application/json"})
_JSON_CONTENT_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})


def _accepts_json(accept: str) -> bool:
    """Whether DRF's negotiation would pick the JSON renderer (else the view's 406)."""
    return any(
        part.split(";")[0].strip().lower() in _JSON_MEDIA_TYPES for part in accept.split(",")
    )


def _plain(request: HttpRequest, *, with_body: bool = False) -> bool:
    """A request the layers skipped here would pass through unchanged.

    Not plain: a query string; a body, or for a POST a body that is not small JSON (the view
    checks its size and type); a cookie (the session and CSRF middleware may answer with a
    ``Set-Cookie``); an ``Accept`` that JSON does not satisfy (406); any
    ``DISALLOWED_USER_AGENTS`` (CommonMiddleware's 403).
    """
    meta = request.META
    accept = meta.get("HTTP_ACCEPT")
    if (
        meta.get("QUERY_STRING")
        or meta.get("HTTP_COOKIE")
        or (accept is not None and not _accepts_json(accept))  # an empty one too: the view's 406
        or settings.DISALLOWED_USER_AGENTS
    ):
        return False
    length = meta.get("CONTENT_LENGTH")
    if not with_body:
        return length in (None, "", "0")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        isinstance(length, str)
        and length.isdigit()
        and 0 < int(length) <= min(MAX_PLAIN_BODY, limit if limit is not None else MAX_PLAIN_BODY)
        and meta.get("CONTENT_TYPE", "").lower() in _JSON_CONTENT_TYPES
    )


def _json_body(request: HttpRequest) -> Any:
    """The parsed body, or None when it is not JSON the API reads (the view answers that)."""
    try:
        return parse_json(request.body.decode())
    except (ValueError, RecursionError):
        return None


def _stopped(request: HttpRequest) -> HttpResponse:
    """The view's answer to a statement stopped by the time limit."""
    from assistants.api.errors import query_timeout_detail

    body = FastJSONRenderer().render({"detail": query_timeout_detail()})
    response = HttpResponse(body, status=503, content_type="application/json")
    return _finish(response, _ALLOW_ASSISTANT if request.method == "GET" else _ALLOW_POST)


class AssistantReadMiddleware:
    """Answer the plain reads of an ``X-Api-Key`` before the rest of the stack (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_key = request.META.get(API_KEY_HEADER)
        if raw_key and raw_key.strip() and settings.STUDIO_API_FAST_READS:
            try:
                response = self._answer(request, raw_key)
            except _Stopped:
                response = _stopped(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _answer(self, request: HttpRequest, raw_key: str) -> HttpResponse | None:
        path = request.path_info
        if request.method == "GET":
            assistant_id = _assistant_id(path)
            if assistant_id is None or not _plain(request):
                return None
            request.get_host()  # the Host check CommonMiddleware would make (a 400)
            return read(request, assistant_id, raw_key)
        if request.method != "POST":
            return None
        if path == _SEARCH:
            assistant_id = None
        elif path.endswith(_VERSIONS_SUFFIX):
            assistant_id = _assistant_id(path.removesuffix(_VERSIONS_SUFFIX))
            if assistant_id is None:
                return None
        else:
            return None
        if not _plain(request, with_body=True):
            return None
        request.get_host()
        body = _json_body(request)
        if body is None:
            return None
        if assistant_id is None:
            return search(request, body, raw_key)
        return versions(request, body, raw_key, assistant_id)


__all__ = ["AssistantReadMiddleware", "read", "search", "versions"]
