"""What every fast answer carries that the layers it skips would have added."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from assistants.api.renderers import FastJSONRenderer

#: The ``Allow`` headers DRF's views send for these paths.
ALLOW_ASSISTANT = "GET, PATCH, DELETE, HEAD, OPTIONS"
ALLOW_POST = "POST, OPTIONS"


def finish(response: HttpResponse, allow: str) -> HttpResponse:
    # What the middleware after this one would add (CommonMiddleware, XFrameOptionsMiddleware) and
    # DRF's view (Allow): the tests/api/test_fast_*.py compare every header with the view's.
    response["Content-Length"] = str(len(response.content))
    response["Allow"] = allow
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
    return response


def render_response(data: object, allow: str, status: int = 200) -> HttpResponse:
    """``data`` rendered as the views render it, finished."""
    body = FastJSONRenderer().render(data)
    return finish(HttpResponse(body, status=status, content_type="application/json"), allow)


def stopped(request: HttpRequest) -> HttpResponse:
    """The views' answer to a statement stopped by the time limit (503)."""
    from assistants.api.errors import query_timeout_detail

    allow = ALLOW_ASSISTANT if request.method == "GET" else ALLOW_POST
    return render_response({"detail": query_timeout_detail()}, allow, status=503)
