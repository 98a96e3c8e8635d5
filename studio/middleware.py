"""Middleware: security headers, chunked request bodies, and a time limit on API queries."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse

# Scripts only from our own origin (htmx and our small JS files): no inline script, no eval.
# Inline style attributes stay allowed: they cannot run code and the admin uses them.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "STUDIO_CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def _refuse(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    from assistants.api.errors import is_api_path

    if is_api_path(request.path):
        return JsonResponse({"detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class ChunkedBodyMiddleware:
    """Read bodies sent with ``Transfer-Encoding: chunked`` instead of seeing them as empty.

    Django sizes the body by ``Content-Length``, which a chunked request does not have, so it read
    nothing: a PATCH published a version without the change and a search returned everything.
    When the server has de-chunked the input and ends it (``wsgi.input_terminated``, as gunicorn
    does), the body is read here, at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413 past it), and
    handed on with its length like any other. A server that cannot end the input gets a 411: the
    client must send ``Content-Length``. Compressed transfer codings are refused (501).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        coding = request.META.get("HTTP_TRANSFER_ENCODING", "")
        if coding:
            refusal = self._read_chunked(request, coding)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _read_chunked(self, request: HttpRequest, coding: str) -> HttpResponse | None:
        codings = [c.strip().lower() for c in coding.split(",") if c.strip()]
        if any(c not in ("chunked", "identity") for c in codings):
            return _refuse(request, 501, f"Transfer-Encoding {coding!r} is not supported.")
        if "chunked" not in codings or request.META.get("CONTENT_LENGTH"):
            return None  # the server framed the body by its length
        if not request.environ.get("wsgi.input_terminated"):
            return _refuse(
                request, 411, "Chunked request bodies are not supported here; send Content-Length."
            )
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        source = request.environ["wsgi.input"]
        body = source.read() if limit is None else source.read(limit + 1)
        if limit is not None and len(body) > limit:
            return _refuse(request, 413, "Request body is too large.")
        # WSGIRequest made its stream from Content-Length (none: empty); give it the real body.
        request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[attr-defined]
        request.META["CONTENT_LENGTH"] = str(len(body))
        return None
