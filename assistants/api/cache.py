"""An optional shared cache (Redis) for API keys and rendered assistants, with exact invalidation.

Without ``REDIS_URL`` nothing is cached: every read goes to the database (there is no per-process
cache that could go stale across workers). With it, ``GET /assistants/{id}`` is answered from one
Redis round trip, and the API key check too.

**Exact invalidation.** Every cached value is stored next to a *token*: ``tok:<name>`` holds a
random string, and the value is stored as ``(token, value)``. A reader fetches both keys in one
``MGET`` and uses the value only when its token is the current one. A write replaces the token
(a fresh random one) in ``transaction.on_commit``, so before the write's response is sent. The
order of events is what makes it exact:

- a reader that read token ``T`` before a write committed may fill the cache with the old row,
  but tagged ``T``; the write then replaces ``T``, so that value is never used again;
- a reader that read the token after the write's replacement reads the row after the commit too;
- tokens are random, never counters: a token lost to eviction or a Redis restart can never come
  back and make an old value current again. A missing token means "miss" and a reader creates
  one (``SET NX``) before it reads the database.

Keys start with the code's cache format and the list of migrations, so a value written before a
migration or a change of the wire format is never read by the new code.

**Faults.** Any Redis error turns the cache off for :data:`RETRY_SECONDS` in this process (one log
line per outage) and requests are served from the database. A write that could not replace its
token, because Redis was unreachable from this worker, is remembered: when Redis answers again,
this process first replaces the global token (``tok:all``, part of every read), which invalidates
every cached value at once; values also expire after :data:`VALUE_TTL_SECONDS`, which bounds what
another worker could serve while this one cannot reach Redis.
"""

from __future__ import annotations

import hashlib
import logging
import pkgutil
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

logger = logging.getLogger(__name__)

#: Bump when the shape of a cached value changes.
CACHE_FORMAT = 1
#: Values expire anyway; this bounds staleness only in the fault case described above.
VALUE_TTL_SECONDS = 60
#: Tokens outlive the values they guard.
TOKEN_TTL_SECONDS = 24 * 3600
#: After a Redis error, the cache is skipped this long (then tried again).
RETRY_SECONDS = 5.0

ALL = "all"

_state_lock = threading.Lock()
_down_until = 0.0
_outage_logged = False
_lost_invalidations = 0  # invalidations this process could not send (Redis unreachable)
_prefix: str | None = None


def _schema_prefix() -> str:
    """``studio:<format>:<hash of the migration names>:``: a new schema reads new keys."""
    global _prefix
    if _prefix is None:
        from assistants import migrations

        names = sorted(m.name for m in pkgutil.iter_modules(migrations.__path__))
        digest = hashlib.sha256(",".join(names).encode()).hexdigest()[:12]
        _prefix = f"studio:{CACHE_FORMAT}:{digest}:"
    return _prefix


def backend() -> BaseCache | None:
    """The shared cache, or None when none is configured or it is failing."""
    alias = getattr(settings, "STUDIO_API_CACHE", None)
    if not alias or time.monotonic() < _down_until:
        return None
    return caches[alias]


def _failed(exc: BaseException) -> None:
    global _down_until, _outage_logged
    with _state_lock:
        _down_until = time.monotonic() + RETRY_SECONDS
        if not _outage_logged:
            _outage_logged = True
            logger.warning(
                "Shared cache unavailable (%s: %s); serving from the database, retrying every %ss.",
                type(exc).__name__,
                exc,
                RETRY_SECONDS,
            )


def _recovered(cache: BaseCache) -> bool:
    """First success after a failure: drop everything if an invalidation was lost meanwhile.

    The global token is replaced before the flags are cleared: until then :func:`peek` serves
    nothing, and if the replacement fails (it raises to the caller, which marks the cache down)
    the lost invalidation is still remembered. Returns whether the global token was replaced.
    """
    global _outage_logged, _lost_invalidations
    if not (_outage_logged or _lost_invalidations):
        return False
    with _state_lock:
        lost = _lost_invalidations
    if lost:
        cache.set(_prefix_key(f"tok:{ALL}"), _new_token(), TOKEN_TTL_SECONDS)
    with _state_lock:
        _lost_invalidations -= lost  # losses recorded meanwhile wait for the next success
        _outage_logged = False
    logger.warning("Shared cache available again.")
    return bool(lost)


def _prefix_key(name: str) -> str:
    return _schema_prefix() + name


def _new_token() -> str:
    return secrets.token_hex(8)


# -- reads ---------------------------------------------------------------------------------------


def cached(name: str, load: Callable[[], Any]) -> Any:
    """The value stored under ``name`` if its token is current, else ``load()`` (stored for next time).

    ``load`` may raise (not found, ...): nothing is stored then. Without a working cache this is
    just ``load()``.
    """
    cache = backend()
    if cache is None:
        return load()
    token_key, all_key, value_key = (
        _prefix_key(f"tok:{name}"),
        _prefix_key(f"tok:{ALL}"),
        _prefix_key(f"val:{name}"),
    )
    try:
        found = cache.get_many([token_key, all_key, value_key])
        if _recovered(cache):  # everything was just dropped: read the new tokens
            found = cache.get_many([token_key, all_key, value_key])
        token, everything = found.get(token_key), found.get(all_key)
        if token is None:
            token = _new_token()
            if not cache.add(token_key, token, TOKEN_TTL_SECONDS):
                return load()  # a writer (or another reader) just set one: do not guess
        if everything is None:
            everything = _new_token()
            if not cache.add(all_key, everything, TOKEN_TTL_SECONDS):
                return load()
        stored = found.get(value_key)
        if stored is not None and stored[0] == token and stored[1] == everything:
            return stored[2]
    except Exception as exc:  # noqa: BLE001 - any cache failure means "use the database"
        _failed(exc)
        return load()
    value = load()
    try:
        cache.set(value_key, (token, everything, value), VALUE_TTL_SECONDS)
    except Exception as exc:  # noqa: BLE001
        _failed(exc)
    return value


def peek(*names: str) -> list[Any] | None:
    """The values of ``names`` in one round trip if every one is cached and current, else None.

    Nothing is loaded or stored: a caller that gets None leaves the read to :func:`cached`.
    """
    cache = backend()
    if cache is None or _outage_logged or _lost_invalidations:
        return None  # just after an outage, :func:`cached` first does the recovery
    all_key = _prefix_key(f"tok:{ALL}")
    pairs = [(_prefix_key(f"tok:{name}"), _prefix_key(f"val:{name}")) for name in names]
    try:
        found = cache.get_many([all_key, *(key for pair in pairs for key in pair)])
    except Exception as exc:  # noqa: BLE001 - any cache failure means "use the database"
        _failed(exc)
        return None
    everything = found.get(all_key)
    values = []
    for token_key, value_key in pairs:
        token, stored = found.get(token_key), found.get(value_key)
        if everything is None or token is None or stored is None:
            return None
        if (stored[0], stored[1]) != (token, everything):
            return None
        values.append(stored[2])
    return values


# -- invalidation ----------------------------------------------------------------------------------


def invalidate(name: str) -> None:
    """Make the cached value of ``name`` unusable once the current transaction commits."""
    if not getattr(settings, "STUDIO_API_CACHE", None):
        return
    transaction.on_commit(lambda: _replace_token(name), robust=True)


def _replace_token(name: str) -> None:
    global _lost_invalidations
    cache = backend()
    try:
        if cache is None:
            raise ConnectionError("the shared cache is marked unavailable")
        cache.set(_prefix_key(f"tok:{name}"), _new_token(), TOKEN_TTL_SECONDS)
    except Exception as exc:  # noqa: BLE001
        with _state_lock:
            _lost_invalidations += 1
        _failed(exc)


def assistant_name(assistant_id: uuid.UUID | str) -> str:
    return f"assistant:{assistant_id}"


def api_key_name(digest: str) -> str:
    return f"key:{digest}"


def _on_assistant_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    invalidate(assistant_name(instance.pk))


def _on_api_key_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) == {"last_used_at"}:
        return  # not part of what the key check uses
    invalidate(api_key_name(instance.digest))


def connect_signals() -> None:
    """Every save or delete of an assistant or API key (services, admin, cascades) invalidates.

    ``QuerySet.update()`` sends no signal: the only one on these tables is the key's
    ``last_used_at`` touch, which the cached key check does not use.
    """
    from assistants.models import ApiKey, Assistant

    for signal in (post_save, post_delete):
        signal.connect(_on_assistant_change, sender=Assistant, dispatch_uid="studio-cache-asst")
        signal.connect(_on_api_key_change, sender=ApiKey, dispatch_uid="studio-cache-key")


# -- HTTP validators -------------------------------------------------------------------------------


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates


def json_response(request: HttpRequest, body: bytes, etag: str | None = None) -> HttpResponse:
    """``body`` as JSON with an ``ETag``; 304 without a body when the client has it already.

    ``Cache-Control: no-cache``: clients may keep the response but must revalidate each time,
    which costs them a 304 and no body when nothing changed.
    """
    etag = etag or etag_for(body)
    if _matches(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


# -- the API's cached reads ----------------------------------------------------------------------


def assistant_response(request: HttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    """``GET /assistants/{id}``: the rendered assistant, from the shared cache when it is current.

    Raises ``AssistantNotFound`` for an unknown assistant or one whose graph is not served.
    """
    from assistants.models import graph_is_served
    from assistants.services import AssistantNotFound

    graph_id, body, etag = cached(
        assistant_name(assistant_id), lambda: render_assistant(_load(assistant_id))
    )
    if not graph_is_served(graph_id):  # the deployment stopped serving this graph since
        raise AssistantNotFound(assistant_id)
    return json_response(request, body, etag)


def _load(assistant_id: uuid.UUID) -> Any:
    from assistants.api import selectors

    return selectors.assistant_get(assistant_id)


def render_assistant(assistant: Any) -> tuple[str, bytes, str]:
    """``(graph_id, body, etag)`` of an assistant (an instance or a row of its fields).

    The one renderer of ``GET /assistants/{id}``, for the view and the fast path alike, so that
    both send the same bytes and the same ``ETag``.
    """
    from assistants.api.renderers import FastJSONRenderer
    from assistants.api.serializers import assistant_data

    body = FastJSONRenderer().render(assistant_data(assistant))
    row = assistant if isinstance(assistant, dict) else assistant.__dict__
    return row["graph_id"], body, etag_for(body)


def list_response(request: HttpRequest, items: list[dict[str, Any]]) -> HttpResponse:
    """A JSON list with an ``ETag`` (304 when the client's copy is current); never cached here."""
    from assistants.api.renderers import FastJSONRenderer

    return json_response(request, FastJSONRenderer().render(items))


# -- OpenAPI description of the validators (used by the views' schemas) ----------------------------

OPENAPI_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier response: 304 without a body if it is still current.",
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Validator of this response's body (changes whenever the body would).",
    ),
    OpenApiParameter(
        "Cache-Control",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="`no-cache`: a client may keep the response but revalidates it every time.",
    ),
]
OPENAPI_NOT_MODIFIED = {
    304: OpenApiResponse(description="The client's copy (`If-None-Match`) is current; no body.")
}
