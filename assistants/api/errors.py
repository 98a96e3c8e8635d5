"""One exception handler: every API failure becomes ``{"detail": ...}`` JSON, never an HTML page.

Validation failures also carry ``errors``, a list of ``{"loc": [...], "msg": ...}`` (we differ
from LangGraph, whose 422s only have a ``detail`` string).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from assistants import services
from assistants.api.exceptions import (
    BodyInvalid,
    ContextInvalid,
    InvalidAssistantId,
    PayloadTooLarge,
)
from graphs.registry import GraphLoadError, GraphNotFound
from graphs.schemas import GraphDrawingUnsupported
from studio.middleware import is_query_timeout, query_timeout_ms

logger = logging.getLogger(__name__)

__all__ = [
    "BodyInvalid",
    "ContextInvalid",
    "InvalidAssistantId",
    "PayloadTooLarge",
    "context_errors_at",
    "exception_handler",
    "json_not_found",
    "validation_body",
]


def _flatten(detail: Any, loc: list[Any]) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            out.extend(_flatten(value, loc + ([] if key == "non_field_errors" else [key])))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"loc": loc, "msg": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_flatten(item, loc + [index]))
        return out
    return [{"loc": loc, "msg": str(detail)}]


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    summary = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors
    )
    return {"detail": f"Invalid request: {summary}", "errors": errors}


def _context_errors(exc: DjangoValidationError, loc: Sequence[str]) -> list[dict[str, Any]]:
    from graphs.validation import validation_errors_as_list

    errors = validation_errors_as_list(exc, prefix="context")
    return [{"loc": [*loc, *error["loc"][1:]], "msg": error["msg"]} for error in errors]


@contextmanager
def context_errors_at(loc: Sequence[str]) -> Iterator[None]:
    """Report context validation errors at ``loc`` (where the client put the context).

    A client that sent ``config.configurable`` should read ``["config", "configurable", field]``,
    not ``["context", field]``.
    """
    try:
        yield
    except DjangoValidationError as exc:
        raise ContextInvalid(_context_errors(exc, loc)) from exc


def _detail(data: dict[str, Any], code: int, headers: dict[str, str] | None = None) -> Response:
    return Response(data, status=code, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, services.AssistantNotFound | services.VersionNotFound | GraphNotFound):
        return _detail({"detail": str(exc)}, status.HTTP_404_NOT_FOUND)
    if isinstance(
        exc, services.AssistantExists | services.VersionConflict | services.PublishGateClosed
    ):
        return _detail({"detail": str(exc)}, status.HTTP_409_CONFLICT)
    if isinstance(exc, services.ConfigContextConflict):
        return _detail({"detail": str(exc)}, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, services.GraphUnavailable | GraphLoadError):
        return _detail({"detail": str(exc)}, status.HTTP_424_FAILED_DEPENDENCY)
    if isinstance(exc, GraphDrawingUnsupported):
        return _detail(
            {"detail": "The graph does not support visualization"},
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, ContextInvalid):
        return _detail(validation_body(exc.errors), status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, DjangoValidationError):
        return _detail(
            validation_body(_context_errors(exc, ["context"])),
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not Found")
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail, [])
        return _detail(validation_body(errors), status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, exceptions.ParseError):
        # LangGraph answers unparseable JSON with 422, not DRF's 400.
        return _detail({"detail": "Invalid JSON in request body"}, 422)
    if is_query_timeout(exc):
        return _detail({"detail": query_timeout_detail()}, status.HTTP_503_SERVICE_UNAVAILABLE)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view"), exc_info=exc)
        return _detail({"detail": "Internal Server Error"}, status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


def query_timeout_detail() -> str:
    """The 503's detail for a statement stopped by ``STUDIO_QUERY_TIMEOUT_MS``."""
    return (
        f"The request needed a database statement longer than {query_timeout_ms()} ms "
        "(STUDIO_QUERY_TIMEOUT_MS), which was stopped. Narrow it (a smaller filter or page)."
    )


def _json(detail: str, status_code: int) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status_code, json_dumps_params={"separators": (",", ":")}
    )


def json_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A JSON 404 for unknown URLs under the API's paths (Django's own 404 page is HTML)."""
    return _json("Not Found", 404)


def is_api_path(path: str) -> bool:
    return path == "/assistants" or path.startswith("/assistants/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: failures Django raises before any view (a host not allowed, ...)."""
    if is_api_path(request.path):
        if isinstance(exception, RequestDataTooBig):
            return _json(PayloadTooLarge.default_detail, 413)
        return _json("Bad Request", 400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an error outside the API views (middleware) is still JSON on API paths."""
    if is_api_path(request.path):
        return _json("Internal Server Error", 500)
    return defaults.server_error(request)
