"""The three fast reads: each answers the view's plain success, or None for the view to decide."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from assistants import counts
from assistants.api import cache as api_cache
from assistants.api.auth import KEY_COLUMNS, touch_due
from assistants.api.fastpath import statements
from assistants.api.fastpath.bodies import search_body, versions_body
from assistants.api.fastpath.responses import ALLOW_ASSISTANT, ALLOW_POST, finish
from assistants.api.renderers import FastJSONRenderer
from assistants.api.selectors import next_offset, total_from_page
from assistants.api.serializers import (
    ASSISTANT_FIELDS,
    VERSION_FIELDS,
    assistant_data,
    version_data,
)
from assistants.models import Assistant, AssistantVersion, graph_is_served
from assistants.startup import ensure_default_assistants
from graphs.registry import get_registry
from studio.middleware import query_timeout_ms

Rendered = tuple[str, bytes, str]  # graph id, body, ETag


# -- GET /assistants/{uuid} ----------------------------------------------------------------------


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


def _from_database(digest: str, assistant_id: uuid.UUID) -> Rendered | None:
    statement = statements.get_sql(connection.vendor)
    rows = statements.rows_for_key(statement, [statements.pk_value(assistant_id), digest])
    if not rows:
        return None  # unknown or revoked key, unknown assistant: the view's errors
    return api_cache.render_assistant(statements.decode(Assistant, ASSISTANT_FIELDS, rows[0]))


def read(request: HttpRequest, assistant_id: uuid.UUID, digest: str) -> HttpResponse | None:
    """The view's answer to a plain successful read, or None when the view must decide.

    None also when the key's ``last_used_at`` is due to be written: the view records it.
    """
    if api_cache.backend() is not None:
        rendered = _from_cache(digest, assistant_id)  # on a miss the view reads and fills it
    else:
        rendered = _from_database(digest, assistant_id)
    if rendered is None:
        return None
    graph_id, body, etag = rendered
    if not graph_is_served(graph_id):
        return None  # hidden: the view's 404
    return finish(api_cache.json_response(request, body, etag), ALLOW_ASSISTANT)


# -- POST /assistants/search ---------------------------------------------------------------------


#: A rendered search page: body, total, next offset (None: no next page).
Page = tuple[bytes, int, int | None]


def search(request: HttpRequest, body: Any, digest: str) -> HttpResponse | None:
    """The view's answer to a plain search, or None when the view must decide.

    A page is kept under the tally of changes read in its statement (:data:`counts.pages`): the
    same search again, while no assistant has changed, costs one small statement (the key and the
    tally) and no rendering.
    """
    asked = search_body(body)
    if asked is None:
        return None
    ensure_default_assistants(query_timeout_ms())  # as DefaultAssistantsMiddleware would
    graphs = get_registry().graph_ids()
    if not graphs:
        return None
    metadata, graph_id = asked["metadata"], asked["graph_id"]
    fields: tuple[str, ...] = asked["fields"]
    keeps_counts = statements.guarded(lambda: counts.enabled(statements.query))
    if keeps_counts is None:
        return None
    page_sql, count_sql = statements.search_sql(
        connection.vendor, fields, len(graphs), graph_id is not None,
        statements.contains(Assistant, "a", metadata),
        asked["sort_by"], asked["descending"], keeps_counts,
    )  # fmt: skip
    filters = [*graphs, *([graph_id] if graph_id is not None else [])]
    if metadata is not None:
        filters.append(json.dumps(metadata))
    limit, offset = asked["limit"], asked["offset"]
    kept_as = (counts.key(page_sql, [*filters, limit, offset]), asked["select"])
    if keeps_counts and counts.pages.holds(kept_as):
        rows = statements.rows_for_key(statements.key_and_tally_sql(connection.vendor), [digest])
        if rows is None:
            return None  # the key's state (or a database error): the view decides
        kept = counts.pages.get(kept_as, int(rows[0][0]))
        if kept is not None:
            return _search_response(*kept)
    rows = statements.rows_for_key(page_sql, [*filters, limit, offset, digest])
    if rows is None:
        return None
    tally = int(rows[0][len(fields)]) if rows and keeps_counts else None  # the page's own
    total = total_from_page(len(rows), limit, offset)
    if total is None:
        counted = statements.guarded(
            lambda: counts.count_at(count_sql, filters, tally=tally, execute=statements.query)
        )
        if counted is None:
            return None
        total, counted_at = counted
        if counted_at != tally:
            tally = None  # counted under a later tally than the page's: not kept together
    page = [
        assistant_data(statements.decode(Assistant, fields, row), asked["select"]) for row in rows
    ]
    rendered: Page = (FastJSONRenderer().render(page), total, next_offset(total, limit, offset))
    if tally is not None:
        counts.pages.put(kept_as, tally, rendered, size=len(rendered[0]))
    return _search_response(*rendered)


def _search_response(body: bytes, total: int, following: int | None) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["X-Pagination-Total"] = str(total)
    if following is not None:
        response["X-Pagination-Next"] = str(following)
    return finish(response, ALLOW_POST)


# -- POST /assistants/{uuid}/versions ------------------------------------------------------------


def versions(
    request: HttpRequest, body: Any, digest: str, assistant_id: uuid.UUID
) -> HttpResponse | None:
    """The view's answer to a plain version list with versions in it, or None."""
    asked = versions_body(body)
    if asked is None:
        return None
    graphs = get_registry().graph_ids()
    if not graphs:
        return None
    metadata = asked["metadata"]
    statement = statements.versions_sql(
        connection.vendor, len(graphs), statements.contains(AssistantVersion, "v", metadata)
    )
    params: list[Any] = [statements.pk_value(assistant_id), *graphs]
    if metadata is not None:
        params.append(json.dumps(metadata))
    rows = statements.rows_for_key(statement, [*params, asked["limit"], asked["offset"], digest])
    if not rows:
        return None  # the view tells an unknown assistant (404) from an empty list
    page = [version_data(statements.decode(AssistantVersion, VERSION_FIELDS, row)) for row in rows]
    return finish(api_cache.list_response(request, page), ALLOW_POST)
