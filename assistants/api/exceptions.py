"""API-specific exceptions (kept apart from the handler to avoid an import cycle with DRF settings)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class InvalidAssistantId(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Invalid assistant ID: must be a UUID"
    default_code = "invalid_assistant_id"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "payload_too_large"


class ContextInvalid(Exception):
    """A context failed the graph's schema; ``errors`` are already located (``loc``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(errors)


class BodyInvalid(ContextInvalid):
    """A body that is JSON but holds what nothing may store (NUL, a lone surrogate, deep nesting).

    Raised by the parser, so it answers the same 422 (errors located in the body) for every
    endpoint before any field is looked at.
    """
