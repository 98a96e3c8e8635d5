"""The developers' admin site: Django's admin plus read-only pages for the registered graphs."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

#: The graph pages show the same thing as the studio's /graphs/ pages, so they follow the same
#: rule: staff status lets a user into the admin, the viewer role lets them read graphs.
GRAPH_VIEW_PERM = "assistants.view_assistant"


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

        _require_graph_view(request)
        registry = get_registry()
        rows = [
            {"spec": spec, "error": spec.error, "kind": _kind(spec)} for spec in registry.specs()
        ]
        context = {**self.each_context(request), "title": "Registered graphs", "rows": rows}
        return TemplateResponse(request, "admin/graphs/graph_list.html", context)

    def graph_detail(self, request: HttpRequest, graph_id: str) -> HttpResponse:
        from graphs.registry import GraphNotFound, get_registry
        from graphs.schemas import graph_mermaid, graph_schemas

        _require_graph_view(request)
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


def _require_graph_view(request: HttpRequest) -> None:
    if not request.user.has_perm(GRAPH_VIEW_PERM):
        raise PermissionDenied("Reading graphs needs the viewer role.")


def _kind(spec: Any) -> str:
    try:
        return str(spec.kind)
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


class StudioAdminConfig(AdminConfig):
    default_site = "studio.admin.StudioAdminSite"

    def ready(self) -> None:
        super().ready()  # registers every app's admin, axes' sign-in failures included
        _audit_unlocks_in_the_admin()
        from studio import staticfiles  # noqa: F401  (registers the collectstatic deploy check)


def _audit_unlocks_in_the_admin() -> None:
    """Deleting sign-in failures in the admin unlocks; the audit trail records who did it."""
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt
    from django.db.models import QuerySet

    from assistants.actors import Actor
    from assistants.services import security

    class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
        def delete_model(self, request: HttpRequest, obj: Any) -> None:
            super().delete_model(request, obj)
            security.login_unlock_record(
                actor=Actor(user=request.user),
                clients=[(obj.username, obj.ip_address)],
                how="admin",
            )

        def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
            clients = list(queryset.values_list("username", "ip_address"))
            super().delete_queryset(request, queryset)
            security.login_unlock_record(
                actor=Actor(user=request.user), clients=clients, how="admin"
            )

    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)
