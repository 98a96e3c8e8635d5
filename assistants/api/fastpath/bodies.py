"""Which request bodies the fast reads answer: the common fields, with values that plainly pass
the views' checks. Anything else goes to the view, so every error message has one implementation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from assistants.api.fields import BAD_TEXT
from assistants.api.serializers import ASSISTANT_FIELDS, MAX_LIMIT, MAX_OFFSET, SORT_FIELDS
from graphs.registry import get_registry

#: A metadata filter with more keys goes to the view (which also applies STUDIO_MAX_FILTER_SIZE).
MAX_PLAIN_FILTER_KEYS = 16


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


def search_body(body: Any) -> dict[str, Any] | None:
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


def versions_body(body: Any) -> dict[str, Any] | None:
    """The version list a plain body asks for, or None when the view must read the body."""
    if not isinstance(body, dict) or not _VERSIONS_KEYS.issuperset(body):
        return None
    paging = _paging(body)
    if paging is None or not _plain_filter(body.get("metadata")):
        return None
    return {"metadata": body.get("metadata") or None, "limit": paging[0], "offset": paging[1]}
