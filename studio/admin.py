"""The developers' admin site: Django's admin plus read-only pages for the registered graphs."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path


class StudioAdminSite(admin.AdminSite):
    site_header = "Assistants Studio admin"
    site_title = "Assistants Studio"
    index_title = "Developers"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        extra = [
            path("graphs/", self.admin_view(self.graph_list), name="graphs_graph_list"),
            path(
                "graphs/<str:graph_id>/",
                self.admin_view(self.graph_detail),
                name="graphs_graph_detail",
            ),
        ]
        return extra + super().get_urls()

    def graph_list(self, request: HttpRequest) -> HttpResponse:
        from graphs.registry import get_registry

        registry = get_registry()
        rows = [
            {"spec": spec, "error": spec.error, "kind": _kind(spec)} for spec in registry.specs()
        ]
        context = {**self.each_context(request), "title": "Registered graphs", "rows": rows}
        return TemplateResponse(request, "admin/graphs/graph_list.html", context)

    def graph_detail(self, request: HttpRequest, graph_id: str) -> HttpResponse:
        from graphs.registry import GraphNotFound, get_registry
        from graphs.schemas import graph_mermaid, graph_schemas

        try:
            spec = get_registry().get(graph_id)
        except GraphNotFound:
            raise Http404(f"Graph {graph_id!r} is not registered.") from None
        error = spec.error
        schemas: dict[str, Any] = {}
        mermaid = ""
        if error is None:
            schemas = {
                k: json.dumps(v, indent=2, sort_keys=True) for k, v in graph_schemas(spec).items()
            }
            try:
                mermaid = graph_mermaid(spec)
            except Exception as exc:  # a drawing failure must not hide the schemas
                mermaid = f"(drawing unavailable: {exc})"
        context = {
            **self.each_context(request),
            "title": f"Graph {graph_id}",
            "spec": spec,
            "error": error,
            "kind": _kind(spec),
            "schemas": schemas,
            "mermaid": mermaid,
        }
        return TemplateResponse(request, "admin/graphs/graph_detail.html", context)


def _kind(spec: Any) -> str:
    try:
        return str(spec.kind)
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


class StudioAdminConfig(AdminConfig):
    default_site = "studio.admin.StudioAdminSite"

    def ready(self) -> None:
        super().ready()
        from studio import staticfiles  # noqa: F401  (registers the collectstatic deploy check)
