"""OpenAPI pieces drf-spectacular cannot infer: the ``X-Api-Key`` security scheme."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "assistants.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": (
                "A key made with `manage.py create_api_key` (the header `langgraph-sdk` sends "
                "from its `api_key` argument). Read-only keys may call GET endpoints and the "
                "POST reads (search, count, versions)."
            ),
        }


def close_request_objects(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Request bodies refuse unknown fields (422): say so with ``additionalProperties: false``."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
