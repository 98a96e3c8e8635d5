"""The integrations' hot path: ``GET /assistants/{uuid}`` with an API key, in one statement.

An integration reads its assistant's live configuration before every agent run, so this request
is most of the API's traffic. :class:`AssistantReadMiddleware` answers it ahead of the session,
CSRF and DRF layers: one SQL statement reads the API key and the assistant together, and the row
is rendered by the same code as the API view (:func:`assistants.api.cache.render_assistant`), so
the body and its ``ETag`` are byte for byte the view's.

It answers only the plain success (200, or 304 for a current ``If-None-Match``) of a plain request.
Everything else goes on to the API view unchanged, which then decides as it always did: no key, an
unknown or revoked key, a key whose ``last_used_at`` is due to be written, a graph id instead of a
UUID, an unknown assistant or one whose graph is not served, a database error; and a request that
a skipped layer might treat differently (:func:`_plain`: a query string, a body, a cookie, an
``Accept`` JSON does not satisfy). So errors, permissions and bookkeeping keep one
implementation, and ``tests/api/test_fast_reads.py`` compares both answers case by case.

With the shared cache (``REDIS_URL``) it first asks Redis, in one round trip, for the key's row and
the rendered assistant the view stored there (:func:`assistants.api.cache.peek`, under the same
exact-invalidation tokens); when both are current it answers without the database, otherwise the
view answers (and fills the cache for the next read). While Redis is unreachable, it reads the
database as above. ``STUDIO_API_FAST_READS=0`` turns it off (the view answers every read).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

from assistants.api import cache as api_cache
from assistants.api.auth import API_KEY_HEADER, KEY_COLUMNS, parse_db_datetime, touch_due
from assistants.api.serializers import ASSISTANT_FIELDS
from assistants.models import ApiKey, Assistant, graph_is_served

_PREFIX = "/assistants/"
#: The ``Allow`` header DRF's view sends for this path.
_ALLOW = "GET, PATCH, DELETE, HEAD, OPTIONS"

_sql: str | None = None


def _statement() -> str:
    """``SELECT`` the key's state and the assistant, joined so that one round trip does both.

    The assistant's wire fields (``ASSISTANT_FIELDS``) are its model's attribute names.
    """
    global _sql
    if _sql is None:
        quote = connection.ops.quote_name

        def column(model: Any, name: str) -> str:
            return quote(model._meta.get_field(name).column)

        assistant_columns = ", ".join(f"a.{column(Assistant, name)}" for name in ASSISTANT_FIELDS)
        _sql = (
            f"SELECT k.{column(ApiKey, 'revoked_at')}, k.{column(ApiKey, 'last_used_at')}, "
            f"{assistant_columns} "
            f"FROM {quote(ApiKey._meta.db_table)} k "
            f"LEFT JOIN {quote(Assistant._meta.db_table)} a "
            f"ON a.{column(Assistant, 'assistant_id')} = %s "
            f"WHERE k.{column(ApiKey, 'digest')} = %s"
        )
    return _sql


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


def _converter(name: str) -> Callable[[Any], Any] | None:
    """How a column's raw value becomes what the ORM gives (None: as it is)."""
    field: Any = Assistant._meta.get_field(name)
    kind = field.get_internal_type()
    if kind == "JSONField":  # text on both databases (Django loads jsonb as text)
        return lambda raw: field.from_db_value(raw, None, connection)
    if kind == "DateTimeField":
        return parse_db_datetime
    if kind == "UUIDField":  # SQLite stores the hex digits
        return lambda raw: raw if isinstance(raw, uuid.UUID) else uuid.UUID(raw)
    return None


_converters: tuple[Callable[[Any], Any] | None, ...] | None = None


def _decode(row: tuple[Any, ...]) -> dict[str, Any]:
    """The assistant columns of ``row`` as the ORM would give them (JSON decoded, aware times)."""
    global _converters
    if _converters is None:
        _converters = tuple(_converter(name) for name in ASSISTANT_FIELDS)
    return {
        name: raw if convert is None else convert(raw)
        for name, convert, raw in zip(ASSISTANT_FIELDS, _converters, row, strict=True)
    }


#: Positions in a cached key row (:data:`~assistants.api.auth.KEY_COLUMNS`).
_KEY_ID = KEY_COLUMNS.index("id")
_KEY_REVOKED_AT = KEY_COLUMNS.index("revoked_at")
_KEY_LAST_USED_AT = KEY_COLUMNS.index("last_used_at")
#: Positions in a row of :func:`_statement`: the key's two columns, then the assistant's.
_ROW_REVOKED_AT, _ROW_LAST_USED_AT, _ROW_ASSISTANT = 0, 1, 2

Rendered = tuple[str, bytes, str]  # graph id, body, ETag


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


def _from_database(digest: str, assistant_id: uuid.UUID) -> Rendered | None:
    pk = Assistant._meta.pk.get_db_prep_value(assistant_id, connection)  # type: ignore[union-attr]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_statement(), [pk, digest])
            row = cursor.fetchone()
    except DatabaseError:
        return None  # the view meets it again and answers as it does (503 for a time limit, ...)
    if row is None or row[_ROW_REVOKED_AT] is not None or row[_ROW_ASSISTANT] is None:
        return None  # unknown or revoked key, unknown assistant: the view's errors
    if touch_due(None, parse_db_datetime(row[_ROW_LAST_USED_AT]), from_cache=False):
        return None
    return api_cache.render_assistant(_decode(row[_ROW_ASSISTANT:]))


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
    response = api_cache.json_response(request, body, etag)
    # What the middleware after this one would add (CommonMiddleware, XFrameOptionsMiddleware) and
    # DRF's view (Allow): tests/api/test_fast_reads.py compares every header with the view's.
    response["Content-Length"] = str(len(response.content))
    response["Allow"] = _ALLOW
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
    return response


_JSON_MEDIA_TYPES = frozenset({"*/*", "application/*", "application/json"})


def _accepts_json(accept: str) -> bool:
    """Whether DRF's negotiation would pick the JSON renderer (else the view's 406)."""
    return any(
        part.split(";")[0].strip().lower() in _JSON_MEDIA_TYPES for part in accept.split(",")
    )


def _plain(request: HttpRequest) -> bool:
    """A request the layers skipped here would pass through unchanged.

    Not plain: a query string; a body (the view checks its size); a cookie (the session and CSRF
    middleware may answer with a ``Set-Cookie``); an ``Accept`` that JSON does not satisfy (406);
    any ``DISALLOWED_USER_AGENTS`` (CommonMiddleware's 403).
    """
    meta = request.META
    accept = meta.get("HTTP_ACCEPT")
    return not (
        meta.get("QUERY_STRING")
        or meta.get("CONTENT_LENGTH") not in (None, "", "0")
        or meta.get("HTTP_COOKIE")
        or (accept and not _accepts_json(accept))
        or settings.DISALLOWED_USER_AGENTS
    )


class AssistantReadMiddleware:
    """Answer ``GET /assistants/{uuid}`` with an ``X-Api-Key`` before the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and settings.STUDIO_API_FAST_READS:
            raw_key = request.META.get(API_KEY_HEADER)
            assistant_id = _assistant_id(request.path_info) if raw_key else None
            if assistant_id is not None and raw_key and raw_key.strip() and _plain(request):
                # The Host check CommonMiddleware would make (a 400 from Django's handler).
                request.get_host()
                response = read(request, assistant_id, raw_key)
                if response is not None:
                    return response
        return self.get_response(request)


__all__ = ["AssistantReadMiddleware", "read"]
