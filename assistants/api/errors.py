"""One exception handler: every API failure becomes ``{"detail": ...}`` JSON with a 4xx status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from assistants import services
from graphs.registry import GraphNotFound


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
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
    return {"detail": f"Invalid request: {summary}", "errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, services.AssistantNotFound | services.VersionNotFound | GraphNotFound):
        return Response({"detail": str(exc).strip("'\"")}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, services.AssistantExists | services.VersionConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, services.ConfigContextConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, services.GraphUnavailable):
        return Response({"detail": str(exc)}, status=status.HTTP_424_FAILED_DEPENDENCY)
    if isinstance(exc, DjangoValidationError):
        errors = validation_errors(exc, prefix="context")
        return Response(validation_body(errors), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not Found")
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail, [])
        return Response(validation_body(errors), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, exceptions.ParseError):
        return Response({"detail": "Invalid JSON in request body"}, status=422)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


def validation_errors(exc: DjangoValidationError, *, prefix: str) -> list[dict[str, Any]]:
    from graphs.validation import validation_errors_as_list

    if hasattr(exc, "error_dict"):
        return validation_errors_as_list(exc, prefix=prefix)
    return [{"loc": [prefix], "msg": message} for message in exc.messages]
