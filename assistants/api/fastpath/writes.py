"""The fast create: ``POST /assistants`` with a key this process has read, answered in one statement.

The view's own steps, without the layers around it: the body is checked as the API's parser
checks it, validated by the view's serializer, and written by the view's service, whose one
statement also proves the key (:class:`~assistants.api.auth.KeyProvenByWrite`); the answer is
rendered by the view's renderer. What is left out is what a create with an API key does not use:
sessions, CSRF, messages, DRF's request wrapping, negotiation and permission classes (the key's
scope is checked here, as :class:`~assistants.api.auth.HasApiScope` checks it).

Only the plain success is answered here. Anything else goes on to the view, which decides as it
always does: a key this process has not read yet (the view reads and remembers it), a read-only
key, a key whose ``last_used_at`` is due; a body the parser or the serializer refuses; any error of
the service (it writes nothing when it fails: its rows are one atomic write), a key changed since
it was read (``ActorChanged``: nothing written); and an existing assistant returned unchanged
(``if_exists: do_nothing``), which the view answers only once the key is proven.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpResponse

from assistants import services
from assistants.actors import Actor
from assistants.api.auth import seen_key
from assistants.api.fastpath.reads import ALLOW_POST, finish
from assistants.api.fastpath.statements import Stopped
from assistants.api.renderers import FastJSONRenderer
from assistants.api.serializers import AssistantCreateSerializer, assistant_data
from assistants.startup import ensure_default_assistants
from studio.jsonsafety import json_problems
from studio.middleware import is_query_timeout, query_timeout_ms, statement_time_limit


def create(body: Any, digest: str) -> HttpResponse | None:
    """The view's answer to a create that succeeds, or None when the view must decide."""
    key = seen_key(digest)
    if key is None:
        return None
    if json_problems(body, nul=False):  # the parser's 422
        return None
    limit = query_timeout_ms()
    ensure_default_assistants(limit)  # as DefaultAssistantsMiddleware would
    try:
        data = AssistantCreateSerializer(data=body).validated()
        with statement_time_limit(limit):
            assistant, created = services.assistant_create(actor=Actor(api_key=key), **data)
    except DatabaseError as exc:
        if is_query_timeout(exc):
            raise Stopped from exc  # the view would wait out the limit a second time
        return None
    except Exception:
        # A refused body or any error of the service: nothing was written, so the view can
        # answer it with its own error (and log it, if it is one).
        return None
    if not created:
        return None
    body_bytes = FastJSONRenderer().render(assistant_data(assistant))
    return finish(HttpResponse(body_bytes, content_type="application/json"), ALLOW_POST)
