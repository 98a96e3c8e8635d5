"""Check HTTP responses against the OpenAPI document the server publishes.

Every response an API test receives goes through :func:`check_response` (the ``api`` clients of
``conftest.py`` call it), so the document cannot drift from what the views really answer.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from jsonschema import Draft202012Validator


def openapi_document() -> dict[str, Any]:
    """The document ``GET /openapi.json`` serves, generated in-process.

    It names the registered graphs (ids, context schemas), so it is kept per graphs file.
    """
    from django.conf import settings

    return _document(str(settings.STUDIO_GRAPHS_FILE))


@functools.cache
def _document(graphs_file: str) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


def match_path(document: dict[str, Any], path: str) -> str | None:
    """The document's path template for ``path``; literal segments win over parameters."""
    candidates = [t for t in document["paths"] if _template_regex(t).match(path)]
    candidates.sort(key=lambda t: t.count("{"))
    return candidates[0] if candidates else None


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: Any, what: str) -> None:
    # Local refs (#/components/...) resolve against the root of the schema being checked.
    rooted = {**schema, "components": document["components"]}
    validator = Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what} does not match the OpenAPI document: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def check_response(method: str, path: str, response: Any) -> None:
    """Assert that ``response`` is one the document describes for ``method path``.

    Unknown paths must be a JSON 404 and undocumented methods a JSON 405 (the document does not
    list those); everything else must use a documented status with a body of its schema.
    """
    document = openapi_document()
    status = response.status_code
    template = match_path(document, path)
    if template is None and not (path == "/assistants" or path.startswith("/assistants/")):
        return  # not the API (pages, static files, the document itself)
    body = response.content
    if template is None or method.lower() not in document["paths"][template]:
        expected = 404 if template is None else 405
        assert status == expected, f"{method} {path}: {status}, expected {expected}"
        assert json.loads(body) == {"detail": json.loads(body)["detail"]}
        return
    operation = document["paths"][template][method.lower()]
    declared = operation["responses"].get(str(status))
    assert declared is not None, (
        f"{method} {template} answered {status}, which the document does not list "
        f"({sorted(operation['responses'])})"
    )
    content = declared.get("content")
    if not content:
        assert body == b"", (
            f"{method} {template} {status} has a body the document does not describe"
        )
        return
    assert response["Content-Type"].startswith("application/json")
    _validate(
        document,
        content["application/json"]["schema"],
        json.loads(body),
        f"{method} {template} {status}",
    )
    for name, header in declared.get("headers", {}).items():
        if name in response:
            value = response[name]
            if header["schema"].get("type") == "integer":
                value = int(value)
            _validate(document, header["schema"], value, f"header {name}")
