"""API keys (``X-Api-Key``) and the scope rule: read-only keys may only read.

A view marks an action that reads through ``POST`` (search, count, versions) with
``read_only_action = True`` (DRF's ``@action(..., read_only_action=True)`` sets it on the view), so
a read-only key may call it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from assistants.actors import Actor
from assistants.api import cache as shared_cache
from assistants.models import ApiKey

API_KEY_HEADER = "HTTP_X_API_KEY"

NOT_AUTHENTICATED = "Authentication required: send a valid API key in the X-Api-Key header."

#: ``last_used_at`` is written at most this often per key, so hot read paths do not write.
TOUCH_INTERVAL_SECONDS = 60

#: The columns the key check needs, in the order :func:`_load_key` returns them.
KEY_COLUMNS = ("id", "name", "prefix", "scope", "created_at", "revoked_at", "last_used_at")
_key_sql: str | None = None

#: When keys come from the shared cache, their ``last_used_at`` may be old: this process then
#: remembers when it last touched each key, so it writes at most once per interval.
_touched: dict[int, float] = {}
_touched_lock = threading.Lock()


def _load_key(digest: str) -> tuple[Any, ...] | None:
    """The key's row, in one prepared statement.

    Plain SQL rather than the ORM: this runs on every API request, and compiling the ORM query
    costs more than the database round trip itself.
    """
    global _key_sql
    if _key_sql is None:
        quote = connection.ops.quote_name

        def column(name: str) -> str:
            return quote(str(ApiKey._meta.get_field(name).column))  # type: ignore[union-attr]

        columns = ", ".join(column(name) for name in KEY_COLUMNS)
        table = quote(ApiKey._meta.db_table)
        _key_sql = f"SELECT {columns} FROM {table} WHERE {column('digest')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(_key_sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    # SQLite hands back naive datetimes (the ORM's converters do not run on plain SQL).
    return tuple(parse_db_datetime(value) if i >= 4 else value for i, value in enumerate(row))


def parse_db_datetime(value: Any) -> Any:
    """A datetime column read with plain SQL, aware as the ORM gives it (SQLite sends text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


class _UnknownKey(Exception):
    pass


#: The keys this process has read and found valid, by digest, newest use last (their rows as
#: read). An action whose write proves the key in its own statement (the view's
#: ``actions_proving_key``: create) takes a key from here without reading it: one round trip less.
#: This is only a hint: if the key has changed since (revoked, deleted, renamed, scope), the write
#: writes nothing and the key is read again before anything is answered (KeyProvenByWrite).
_seen: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
_seen_lock = threading.Lock()
MAX_SEEN_KEYS = 1024


def _remember(digest: str, key: ApiKey) -> None:
    row = tuple(getattr(key, name) for name in KEY_COLUMNS)
    with _seen_lock:
        _seen[digest] = row
        _seen.move_to_end(digest)
        while len(_seen) > MAX_SEEN_KEYS:
            _seen.popitem(last=False)


def forget_key(digest: str) -> None:
    """Forget one key: its next use reads it."""
    with _seen_lock:
        _seen.pop(digest, None)


def forget_keys() -> None:
    """Forget every key this process has read (tests start from a fresh process's state)."""
    with _seen_lock:
        _seen.clear()


def seen_key(digest: str) -> ApiKey | None:
    """The key as this process last read it, marked unproven; None when it must be read now
    (never seen, read-only, or its use is due to be recorded)."""
    with _seen_lock:
        row = _seen.get(digest)
        if row is not None:
            _seen.move_to_end(digest)
    if row is None:
        return None
    key = _key(digest, row)
    from_cache = shared_cache.backend() is not None  # last_used_at may be old: see touch_due
    if not key.can_write or touch_due(key.pk, key.last_used_at, from_cache):
        return None
    key.unproven = True
    return key


def _key(digest: str, row: tuple[Any, ...]) -> ApiKey:
    key = ApiKey(digest=digest, **dict(zip(KEY_COLUMNS, row, strict=True)))
    key._state.adding = False
    key._state.db = connection.alias
    return key


def _proves_key_in_write(request: Request) -> bool:
    view = (request.parser_context or {}).get("view")
    return getattr(view, "action", None) in getattr(view, "actions_proving_key", ())


def _key_row(digest: str) -> tuple[Any, ...]:
    row = _load_key(digest)
    if row is None:
        raise _UnknownKey  # unknown keys are not cached: nothing is stored for them
    return row


def touch_due(
    key_id: int | None, last_used_at: datetime | None, from_cache: bool, *, remember: bool = False
) -> bool:
    """Whether the key's ``last_used_at`` is due to be written.

    A row from the shared cache may hold an old ``last_used_at``: then this process's memory of
    its own touches (by ``key_id``) decides; ``remember`` records the touch in the same locked
    check, so two threads do not both write it.
    """
    recent = last_used_at is not None and (
        (timezone.now() - last_used_at).total_seconds() <= TOUCH_INTERVAL_SECONDS
    )
    if recent:
        return False
    if not from_cache or key_id is None:
        return True
    with _touched_lock:
        now = time.monotonic()
        if now - _touched.get(key_id, float("-inf")) <= TOUCH_INTERVAL_SECONDS:
            return False
        if remember:
            _touched[key_id] = now
        return True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        raw = request.META.get(API_KEY_HEADER)
        if raw is None:
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        digest = ApiKey.digest_for(raw)
        if _proves_key_in_write(request):
            seen = seen_key(digest)
            if seen is not None:
                return (None, seen)
        return (None, read_key(digest))

    def authenticate_header(self, request: Request) -> str:
        return "X-Api-Key"


def read_key(digest: str, *, from_database: bool = False) -> ApiKey:
    """The valid key of this digest, read now (from the shared cache, if any, or the database;
    ``from_database``: from the database, the cached value dropped); ``AuthenticationFailed`` for
    an unknown or revoked one. Its use is recorded when due."""
    name = shared_cache.api_key_name(digest)
    from_cache = not from_database and shared_cache.backend() is not None
    try:
        if from_database:
            shared_cache.invalidate(name)
            row = _key_row(digest)
        else:
            row = shared_cache.cached(name, lambda: _key_row(digest))
    except _UnknownKey:
        forget_key(digest)
        raise exceptions.AuthenticationFailed("Invalid API key.") from None
    key = _key(digest, row)
    if key.revoked_at is not None:
        forget_key(digest)
        raise exceptions.AuthenticationFailed("This API key has been revoked.")
    if touch_due(key.pk, key.last_used_at, from_cache, remember=True):
        now = timezone.now()
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    _remember(digest, key)
    return key


class HasApiScope(permissions.BasePermission):
    """Any valid key may read, a read-write key may write; a signed-in user needs the permission
    to view assistants to read and to change them to write (services check publish/delete)."""

    message = NOT_AUTHENTICATED

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        user = request.user if request.user is not None and request.user.is_authenticated else None
        if key is None and user is None:
            return False
        reading = request.method in permissions.SAFE_METHODS or getattr(
            view, "read_only_action", False
        )
        if key is not None:
            if not reading and not key.can_write:
                raise exceptions.PermissionDenied("This API key is read-only.")
            return True
        # A session user needs the same rights as on the pages: viewing to read, changing to write.
        if reading:
            if not user.has_perm("assistants.view_assistant"):  # type: ignore[union-attr]
                raise exceptions.PermissionDenied("You do not have permission to view assistants.")
            return True
        if not user.has_perm("assistants.change_assistant"):  # type: ignore[union-attr]
            raise exceptions.PermissionDenied("You do not have permission to change assistants.")
        return True


class KeyProvenByWrite:
    """For a viewset whose ``actions_proving_key`` write in a way that proves the API key in the
    same statement (see ``_seen``): authentication may take the key unread, and the key is read
    before any answer that is not that write's own (an error, a create that wrote nothing), so a
    key revoked by now gets its 401 (a read-only one its 403), not a 422 or a 409. The action
    calls :meth:`prove_key` when its write wrote nothing, and on ``ActorChanged``."""

    actions_proving_key: frozenset[str] = frozenset()
    #: The request's key while it is unproven (authentication took it unread).
    _unproven_key: ApiKey | None = None

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        if isinstance(request.auth, ApiKey) and request.auth.unproven:
            self._unproven_key = request.auth

    def key_unproven(self) -> bool:
        return self._unproven_key is not None and self._unproven_key.unproven

    def prove_key(self) -> None:
        """Read the key from the database now (401 if it is unknown or revoked), then check the
        permissions again (403 for a read-only key); at most once a request."""
        key, self._unproven_key = self._unproven_key, None
        if key is None:
            return
        request: Request = self.request  # type: ignore[attr-defined]
        request.auth = read_key(key.digest, from_database=True)
        self.check_permissions(request)  # type: ignore[attr-defined]

    def handle_exception(self, exc: Exception) -> Any:
        # Not in a transaction marked for rollback (it cannot read anything more).
        if self.key_unproven() and not connection.needs_rollback:
            try:
                self.prove_key()
            except (exceptions.APIException, DatabaseError) as refused:
                exc = refused  # not proven: that is the answer
        return super().handle_exception(exc)  # type: ignore[misc]


def actor_for(request: Request) -> Actor:
    """The actor the services record: the API key if one was used, else the signed-in user."""
    if isinstance(request.auth, ApiKey):
        return Actor(api_key=request.auth)
    return Actor(user=request.user)
