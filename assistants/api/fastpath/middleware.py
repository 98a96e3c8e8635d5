"""The middleware that answers the fast paths ahead of sessions, CSRF and DRF (see the package)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import APIException

from assistants.api.auth import API_KEY_HEADER
from assistants.api.exceptions import BodyInvalid
from assistants.api.fastpath import reads, writes
from assistants.api.fastpath.responses import stopped
from assistants.api.fastpath.statements import Stopped
from assistants.api.parsers import parse_body
from assistants.models import ApiKey

_ASSISTANTS = "/assistants"
_PREFIX = "/assistants/"
_SEARCH = "/assistants/search"
_VERSIONS_SUFFIX = "/versions"
#: Larger bodies of a search or version list go to the view (a plain one is a few dozen bytes).
MAX_PLAIN_BODY = 4096


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


_JSON_MEDIA_TYPES = frozenset({"*/*", "application/*", "application/json"})
_JSON_CONTENT_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})


def _accepts_json(accept: str) -> bool:
    """Whether DRF's negotiation would pick the JSON renderer (else the view's 406)."""
    return any(
        part.split(";")[0].strip().lower() in _JSON_MEDIA_TYPES for part in accept.split(",")
    )


def _plain_headers(meta: dict[str, Any]) -> bool:
    """Headers the layers skipped here would pass through unchanged.

    Not plain: a query string; a cookie (the session and CSRF middleware may answer with a
    ``Set-Cookie``); an ``Accept`` that JSON does not satisfy (406); any
    ``DISALLOWED_USER_AGENTS`` (CommonMiddleware's 403).
    """
    accept = meta.get("HTTP_ACCEPT")
    return not (
        meta.get("QUERY_STRING")
        or meta.get("HTTP_COOKIE")
        or (accept is not None and not _accepts_json(accept))  # an empty one too: the view's 406
        or settings.DISALLOWED_USER_AGENTS
    )


def _plain(request: HttpRequest) -> bool:
    """A plain request without a body."""
    meta = request.META
    return _plain_headers(meta) and meta.get("CONTENT_LENGTH") in (None, "", "0")


def _plain_json(request: HttpRequest, up_to: int | None) -> bool:
    """A plain request with a JSON body of at most ``up_to`` bytes (None: any size) and within
    the API's limit (the view answers a wrong type with 415, an oversized body with 413)."""
    meta = request.META
    length = meta.get("CONTENT_LENGTH")
    limits = [n for n in (up_to, settings.DATA_UPLOAD_MAX_MEMORY_SIZE) if n is not None]
    return (
        _plain_headers(meta)
        and isinstance(length, str)
        and length.isdigit()
        and 0 < int(length) <= min(limits, default=int(length))
        and meta.get("CONTENT_TYPE", "").lower() in _JSON_CONTENT_TYPES
    )


def _plain_body(request: HttpRequest, up_to: int | None) -> Any:
    """The body of a plain JSON request (:func:`_plain_json`) as the API's parser reads it, after
    the Host check CommonMiddleware would make (a 400); None when the view must answer."""
    if not _plain_json(request, up_to):
        return None
    request.get_host()
    try:
        return parse_body(request.body, settings.DEFAULT_CHARSET)
    except (APIException, BodyInvalid):
        return None


class AssistantFastPathMiddleware:
    """Answer the plain reads and creates of an ``X-Api-Key`` before the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_key = request.META.get(API_KEY_HEADER)
        if raw_key and raw_key.strip():
            try:
                response = self._answer(request, ApiKey.digest_for(raw_key.strip()))
            except Stopped:
                response = stopped(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _answer(self, request: HttpRequest, digest: str) -> HttpResponse | None:
        path = request.path_info
        if request.method == "POST" and path == _ASSISTANTS:
            return self._create(request, digest) if settings.STUDIO_API_FAST_CREATE else None
        if not settings.STUDIO_API_FAST_READS:
            return None
        if request.method == "GET":
            assistant_id = _assistant_id(path)
            if assistant_id is None or not _plain(request):
                return None
            request.get_host()  # the Host check CommonMiddleware would make (a 400)
            return reads.read(request, assistant_id, digest)
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
        body = _plain_body(request, MAX_PLAIN_BODY)
        if body is None:
            return None
        if assistant_id is None:
            return reads.search(request, body, digest)
        return reads.versions(request, body, digest, assistant_id)

    def _create(self, request: HttpRequest, digest: str) -> HttpResponse | None:
        body = _plain_body(request, None)
        return None if body is None else writes.create(body, digest)
