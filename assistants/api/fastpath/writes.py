"""The fast create: ``POST /assistants`` with a key this process has read, in one round trip.

The view's own steps, without the layers around it: the body read by the API's parser, validated
by the view's serializer and written by the view's service, whose write also proves the key
(:class:`~assistants.api.auth.KeyProvenByWrite`: on PostgreSQL one statement inserts the rows
and checks the key; on SQLite a transaction does). The answer is rendered as the view renders it.
What is left out is what a create with an API key does not use: sessions, CSRF, messages, DRF's
request wrapping, negotiation and permission classes (the key's scope is the memory's to judge:
:func:`~assistants.api.auth.seen_key` gives only keys that may write).

Only the plain success is answered here. Any other case goes on to the view, which answers as
it always does, having written nothing here: a key this process has not read yet (the view reads
and remembers it), a read-only key, a key whose ``last_used_at`` is due, a key changed since it
was read (``ActorChanged``: forgotten, so the view reads it); a body the parser or the serializer
refuses; the service's refusals, all raised before it writes (unknown graph, bad context, taken
id, ...); and an existing assistant returned unchanged (``if_exists: do_nothing``), which the
view answers only once the key is proven.

A database error is not handed on: the view would run the write again (and wait out a lock or a
time limit twice), and an error raised after the rows were committed must not create them twice.
As the view would, the key is read first, so a key refused by now gets the view's 401 or 403;
then a statement past the time limit gets the views' 503 and any other error the API's 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import HttpResponse
from rest_framework.exceptions import APIException, AuthenticationFailed

from assistants import services
from assistants.actors import Actor
from assistants.api.auth import forget_key, read_key, seen_key
from assistants.api.fastpath.responses import ALLOW_POST, render_response
from assistants.api.fastpath.statements import Stopped
from assistants.api.serializers import AssistantCreateSerializer, assistant_data
from assistants.startup import ensure_default_assistants
from graphs.registry import GraphLoadError, GraphNotFound
from studio.middleware import is_query_timeout, query_timeout_ms, statement_time_limit

#: What the serializer and the service raise to refuse a create, always before anything is written.
REFUSALS = (
    APIException,
    DjangoValidationError,
    DjangoPermissionDenied,
    services.ServiceError,
    GraphNotFound,
    GraphLoadError,
)


def create(body: Any, digest: str) -> HttpResponse | None:
    """The view's answer to a create that succeeds, or None when the view must answer."""
    key = seen_key(digest)
    if key is None:
        return None
    limit = query_timeout_ms()
    ensure_default_assistants(limit)  # as DefaultAssistantsMiddleware would
    try:
        data = AssistantCreateSerializer(data=body).validated()
        with statement_time_limit(limit):
            assistant, created = services.assistant_create(actor=Actor(api_key=key), **data)
    except REFUSALS:
        return None
    except services.ActorChanged:
        forget_key(digest)
        return None
    except DatabaseError as exc:
        if not _key_holds(digest):
            return None
        if is_query_timeout(exc):
            raise Stopped from exc
        raise
    if not created:
        return None
    return render_response(assistant_data(assistant), ALLOW_POST)


def _key_holds(digest: str) -> bool:
    """Whether the key, read now from the database, may still write (a key that cannot be read
    either is taken as it was: the error is the answer)."""
    try:
        return read_key(digest, from_database=True).can_write
    except AuthenticationFailed:
        return False  # revoked or unknown by now, and forgotten: the view reads it and refuses
    except DatabaseError:
        return True
