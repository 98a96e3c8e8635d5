"""Graph pages: the registered graphs, and one graph's fields, drawing and assistants."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from assistants.models import Assistant
from assistants.selectors import assistant_list, graph_assistant_counts
from graphs.drawing import layout
from graphs.jsonschema import walk
from graphs.prompts import field_variables
from graphs.registry import GraphNotFound, GraphSpec, get_registry
from studio.htmx import HtmxHttpRequest, render_page, role_required

can_view = role_required("assistants.view_assistant")

_KIND_LABELS = {
    "prompt": "prompt (text)",
    "model": "chat model",
    "text": "text",
    "choice": "one of",
    "integer": "whole number",
    "number": "number",
    "boolean": "yes / no",
    "list": "list",
    "objects": "list of groups",
    "object": "group",
    "json": "JSON",
}


def _kind(spec: GraphSpec) -> str:
    try:
        return str(spec.kind)
    except Exception:
        return "unknown"


@require_GET
@can_view
def graph_list(request: HtmxHttpRequest) -> HttpResponse:
    counts = graph_assistant_counts()
    rows = [
        {
            "spec": spec,
            "error": spec.error,
            "kind": _kind(spec),
            "assistants": counts.get(spec.graph_id, 0),
        }
        for spec in get_registry().specs()
    ]
    return render_page(request, "graphs/graph_list.html", {"rows": rows}, partial="graphs")


@require_GET
@can_view
def graph_detail(request: HtmxHttpRequest, graph_id: str) -> HttpResponse:
    from graphs.schemas import graph_context_schema, graph_drawing, graph_mermaid

    try:
        spec = get_registry().get(graph_id)
    except GraphNotFound:
        raise Http404(f"No graph “{graph_id}” is registered.") from None
    context: dict[str, Any] = {
        "spec": spec,
        "error": spec.error,
        "kind": _kind(spec),
        "assistants": assistant_list(graph_id=graph_id)[:50],
        "assistant_count": Assistant.objects.for_graph(graph_id).count(),
    }
    if context["error"] is None:
        try:
            schema = graph_context_schema(spec)
            context["fields"] = schema_fields(schema)
            context["schema_json"] = json.dumps(schema, indent=2)
        except Exception as exc:
            context["schema_error"] = str(exc)
        try:
            context["drawing"] = layout(graph_drawing(spec))
            context["mermaid"] = graph_mermaid(spec)
        except Exception as exc:  # a drawing failure must not hide the fields
            context["drawing_error"] = str(exc)
    return render_page(request, "graphs/graph_detail.html", context, partial="assistants")


def schema_fields(
    schema: dict[str, Any] | None, known_variables: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """One row per (nested) property: path, label, type, default, hints, description.

    A prompt field also lists its variables: the ones its contract declares, else the ones its
    default prompt uses (the graph fills those), see graphs.prompts.
    """
    rows: list[dict[str, Any]] = []
    for prop in walk(schema):
        hints = []
        if prop.required:
            hints.append("required")
        if prop.nullable:
            hints.append("may be empty")
        for bound, word in (("minimum", "min"), ("maximum", "max")):
            if bound in prop.schema:
                hints.append(f"{word} {prop.schema[bound]}")
        if prop.schema.get("langgraph_nodes"):
            hints.append("used by " + ", ".join(map(str, prop.schema["langgraph_nodes"])))
        rows.append(
            {
                "path": prop.path,
                "label": prop.label,
                "kind": _KIND_LABELS.get(prop.kind, prop.kind),
                "choices": prop.schema.get("enum") or [],
                "default": json.dumps(prop.schema["default"], ensure_ascii=False)
                if "default" in prop.schema
                else "",
                "description": prop.schema.get("description") or "",
                "hints": hints,
                "depth": prop.depth,
                "variables": _variables(prop.schema) if prop.kind == "prompt" else None,
            }
        )
    return rows


def _variables(schema: dict[str, Any]) -> dict[str, Any]:
    names, declared = field_variables(schema)
    return {"names": names, "declared": declared}
