"""OpenAPI pieces drf-spectacular cannot infer.

- the ``X-Api-Key`` security scheme;
- request objects are closed (unknown fields are a 422);
- what the server accepts beyond types: no string holds NUL or a lone UTF-16 surrogate (a
  recursive ``JsonValue`` with a ``pattern``), an assistant id in a path is a UUID or a registered
  graph id, ``context`` (and ``config.configurable``, its mirror) follows the chosen graph's context
  schema, and the two are never both given. The graph parts are read from the registry each time
  the document is generated, so the document always describes this deployment's graphs.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from assistants.api.fields import TEXT_PATTERN

REF = "#/components/schemas/"
JSON_VALUE = {
    "description": (
        "Any JSON value. Strings and keys are Unicode text: no NUL (`\\u0000`) and no lone "
        "UTF-16 surrogate (a 422 names the place)."
    ),
    "type": ["null", "boolean", "number", "string", "array", "object"],
    "pattern": TEXT_PATTERN,
    "items": {"$ref": f"{REF}JsonValue"},
    "additionalProperties": {"$ref": f"{REF}JsonValue"},
    "propertyNames": {"pattern": TEXT_PATTERN},
}
JSON_OBJECT = {
    "description": "A JSON object of `JsonValue`s, with keys that are Unicode text without NUL.",
    "type": "object",
    "additionalProperties": {"$ref": f"{REF}JsonValue"},
    "propertyNames": {"pattern": TEXT_PATTERN},
}
UUID_OR_GRAPH_ID = (
    "An assistant UUID, or a registered graph id meaning that graph's default assistant. "
    "Anything else is a 422 `Invalid assistant ID: must be a UUID`."
)


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


def describe_accepted_values(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Tighten the generated document to what the server really accepts (see the module doc)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["JsonValue"] = copy.deepcopy(JSON_VALUE)
    schemas["JsonObject"] = copy.deepcopy(JSON_OBJECT)
    for name, component in list(schemas.items()):
        if name.endswith("Request"):
            _text_rules(component)
    graphs = _graph_contexts(schemas)
    if "AssistantCreateRequest" in schemas:
        _context_rules(schemas["AssistantCreateRequest"], graphs, patch=False)
    if "AssistantPatchRequest" in schemas:
        _context_rules(schemas["AssistantPatchRequest"], graphs, patch=True)
    search = schemas.get("AssistantSearchRequest", {}).get("properties", {})
    if "sort_order" in search:
        # Compared case-insensitively (LangGraph lowercases it).
        search["sort_order"] = {
            "type": ["string", "null"],
            "pattern": "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$",
            "description": "`asc` or `desc`, in any case. Default `desc`.",
        }
    _path_and_query_rules(result, sorted(graphs))
    return result


# -- strings and JSON values ---------------------------------------------------------------------


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return {kind} if isinstance(kind, str) else set(kind or ())


def _text_rules(schema: dict[str, Any]) -> None:
    """Every free string refuses NUL and lone surrogates; every free object holds JSON values."""
    for prop in schema.get("properties", {}).values():
        kinds = _types(prop)
        if "string" in kinds and "enum" not in prop and "format" not in prop:
            prop["pattern"] = TEXT_PATTERN
        if "array" in kinds and isinstance(prop.get("items"), dict):
            item = prop["items"]
            if "string" in _types(item) and "enum" not in item:
                item["pattern"] = TEXT_PATTERN
        if "object" in kinds:
            if "properties" in prop:
                _text_rules(prop)
            prop["additionalProperties"] = {"$ref": f"{REF}JsonValue"}
            prop["propertyNames"] = {"pattern": TEXT_PATTERN}


# -- contexts ------------------------------------------------------------------------------------


def _component_name(graph_id: str, part: str = "") -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", graph_id)
    return f"Context.{safe}" + (f".{part}" if part else "")


def _rewrite_refs(value: Any, prefix: str) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            if key == "$ref" and isinstance(child, str) and child.startswith("#/$defs/"):
                out[key] = f"{REF}{prefix}.{child.removeprefix('#/$defs/')}"
            else:
                out[key] = _rewrite_refs(child, prefix)
        return out
    if isinstance(value, list):
        return [_rewrite_refs(child, prefix) for child in value]
    return value


def _graph_contexts(schemas: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """graph id -> a schema of the contexts a write on it accepts; None if writes get a 424.

    The schema is the one :func:`assistants.services.check_context` applies (the graph's context
    schema without ``required``: a context is an overlay on the defaults), with each graph's
    ``$defs`` moved into the components.
    """
    from assistants.services import GraphUnavailable, context_schema
    from graphs.registry import get_registry

    contexts: dict[str, dict[str, Any] | None] = {}
    for spec in get_registry().specs():
        try:
            schema = context_schema(spec, {})
        except GraphUnavailable:
            contexts[spec.graph_id] = None
            continue
        except Exception:  # noqa: BLE001 - a schema bug must not take the document down
            schema = None
        if schema is None:
            contexts[spec.graph_id] = {"$ref": f"{REF}JsonObject"}
            continue
        name = _component_name(spec.graph_id)
        partial = _rewrite_refs(copy.deepcopy(schema), name)
        partial.pop("required", None)
        for key, definition in (partial.pop("$defs", None) or {}).items():
            schemas[f"{name}.{key}"] = definition
        schemas[name] = partial
        contexts[spec.graph_id] = {
            "allOf": [{"$ref": f"{REF}{name}"}, {"$ref": f"{REF}JsonObject"}]
        }
    return contexts


def _fits(context: dict[str, Any]) -> dict[str, Any]:
    """Body properties saying that ``context`` and ``config.configurable`` fit ``context``."""
    return {
        "context": {"anyOf": [{"type": "null"}, context]},
        "config": {"anyOf": [{"type": "null"}, {"properties": {"configurable": context}}]},
    }


#: LangGraph's rule: a non-empty ``context`` and a non-empty ``config.configurable`` is a 400.
NOT_BOTH = {
    "not": {
        "required": ["context", "config"],
        "properties": {
            "context": {"type": "object", "minProperties": 1},
            "config": {
                "type": "object",
                "required": ["configurable"],
                "properties": {"configurable": {"type": "object", "minProperties": 1}},
            },
        },
    }
}


def _context_rules(
    component: dict[str, Any], graphs: dict[str, dict[str, Any] | None], *, patch: bool
) -> None:
    writable = sorted(graph_id for graph_id, context in graphs.items() if context is not None)
    graph_id = component.get("properties", {}).get("graph_id")
    if graph_id is not None and writable:
        graph_id["enum"] = [*writable, None] if patch else writable
        graph_id.pop("pattern", None)
        graph_id["description"] = (
            "A registered graph whose code loads (writes on one that fails to load are a 424)."
        )
    rules: list[dict[str, Any]] = [copy.deepcopy(NOT_BOTH)]
    for graph in writable:
        rules.append(
            {
                "if": {"required": ["graph_id"], "properties": {"graph_id": {"const": graph}}},
                "then": {"properties": _fits(graphs[graph])},  # type: ignore[arg-type]
            }
        )
    if patch:
        # Without graph_id the assistant's own graph judges the context; the document cannot
        # name it, so it promises what every graph accepts.
        every = [context for context in graphs.values() if context is not None]
        if every:
            rules.append(
                {
                    "if": {"properties": {"graph_id": {"type": "null"}}},
                    "then": {"properties": _fits({"allOf": every})},
                }
            )
    component["allOf"] = rules
    context = component.get("properties", {}).get("context")
    if context is not None:
        context["description"] = (
            "Static runtime context, judged by the graph's context schema (`context_schema` of "
            "`GET /assistants/{assistant_id}/schemas`; 422 naming each field). "
            + (
                "Without `graph_id` the assistant's own graph judges it: this document can only "
                "promise what every registered graph accepts."
                if patch
                else "The rules below give each graph's schema."
            )
        )


# -- parameters ----------------------------------------------------------------------------------


def _path_and_query_rules(result: dict[str, Any], graph_ids: list[str]) -> None:
    assistant_id: dict[str, Any] = {"anyOf": [{"type": "string", "format": "uuid"}]}
    if graph_ids:
        assistant_id["anyOf"].append({"type": "string", "enum": graph_ids})
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                where, name = parameter.get("in"), parameter.get("name")
                if where == "path" and name == "assistant_id":
                    parameter["schema"] = copy.deepcopy(assistant_id)
                    parameter["description"] = UUID_OR_GRAPH_ID
                elif where == "path" and name == "namespace":
                    parameter["schema"] = {"type": "string", "pattern": TEXT_PATTERN}
                elif where == "query" and name == "xray":
                    parameter["schema"] = {
                        "anyOf": [{"type": "boolean"}, {"type": "integer", "minimum": 1}]
                    }
