"""The developers' admin: one more client of the services (it never writes models itself)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry, Publication


def pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False),
    )


class ReadOnlyAdminMixin:
    """Rows shown for reference only: no add, change or delete from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AssistantVersion
    extra = 0
    can_delete = False
    ordering = ["-version"]
    readonly_fields = (
        "version_label",
        "name",
        "author",
        "note",
        "created_at",
        "context_json",
        "config_json",
        "metadata_json",
    )
    fields = readonly_fields
    show_change_link = False

    @admin.display(description="Version")
    def version_label(self, obj: AssistantVersion) -> str:
        published = obj.assistant.published_version_id == obj.pk
        return format_html("v{}{}", obj.version, " (published)" if published else "")

    @admin.display(description="Context")
    def context_json(self, obj: AssistantVersion) -> str:
        return pretty_json(obj.context)

    @admin.display(description="Config")
    def config_json(self, obj: AssistantVersion) -> str:
        return pretty_json(obj.config)

    @admin.display(description="Metadata")
    def metadata_json(self, obj: AssistantVersion) -> str:
        return pretty_json(obj.metadata)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AssistantVersion]:
        return super().get_queryset(request).select_related("assistant")


class PublicationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Publication
    extra = 0
    readonly_fields = ("created_at", "actor", "from_version", "to_version")
    fields = readonly_fields


@admin.register(Assistant)
class AssistantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "graph_id",
        "version",
        "latest_version_number",
        "updated_at",
        "assistant_id",
    ]
    list_filter = ["graph_id", "require_passing_checks"]
    search_fields = ["name", "assistant_id", "graph_id", "description"]
    list_select_related = ["published_version"]
    ordering = ["-updated_at"]
    inlines = [VersionInline, PublicationInline]
    actions = ["publish_newest_version", "duplicate_assistants"]
    readonly_fields = [
        "assistant_id",
        "graph_id",
        "name",
        "description",
        "version",
        "latest_version_number",
        "require_passing_checks",
        "created_at",
        "updated_at",
        "context_json",
        "config_json",
        "metadata_json",
    ]
    fields = tuple(readonly_fields)

    @admin.display(description="Published context")
    def context_json(self, obj: Assistant) -> str:
        return pretty_json(obj.context)

    @admin.display(description="Published config")
    def config_json(self, obj: Assistant) -> str:
        return pretty_json(obj.config)

    @admin.display(description="Metadata")
    def metadata_json(self, obj: Assistant) -> str:
        return pretty_json(obj.metadata)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Assistants are created from the studio pages or the API, where the config is validated.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is read-only: the view permission is enough, edits go through services.
        return False

    def delete_model(self, request: HttpRequest, obj: Assistant) -> None:
        services.assistant_delete(actor=Actor(user=request.user), assistant_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assistant]) -> None:
        for assistant in queryset:
            services.assistant_delete(actor=Actor(user=request.user), assistant_id=assistant.pk)

    @admin.action(description="Publish the newest version of the selected assistants")
    def publish_newest_version(self, request: HttpRequest, queryset: QuerySet[Assistant]) -> None:
        actor = Actor(user=request.user)
        done = 0
        for assistant in queryset:
            try:
                services.version_publish(
                    actor=actor, assistant_id=assistant.pk, version=assistant.latest_version_number
                )
                done += 1
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            except services.PublishGateClosed as exc:  # the others go on
                self.message_user(request, f"{assistant.name}: {exc}", messages.ERROR)
        self.message_user(
            request, f"Published the newest version of {done} assistant(s).", messages.SUCCESS
        )

    @admin.action(description="Duplicate the selected assistants")
    def duplicate_assistants(self, request: HttpRequest, queryset: QuerySet[Assistant]) -> None:
        actor = Actor(user=request.user)
        try:
            with transaction.atomic():  # all copies or none
                copies = [
                    services.assistant_duplicate(actor=actor, assistant_id=a.pk) for a in queryset
                ]
        except (PermissionDenied, services.GraphUnavailable) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Created {len(copies)} copy(ies).", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "assistant_id", "version"]
    list_filter = ["action"]
    search_fields = ["actor", "assistant_id", "action"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "action",
        "actor",
        "actor_user",
        "actor_api_key",
        "assistant_id",
        "version",
        "payload_json",
    ]
    fields = tuple(readonly_fields)

    @admin.display(description="Payload")
    def payload_json(self, obj: AuditEntry) -> str:
        return pretty_json(obj.payload)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Anyone who may see assistants may see who changed them.
        return bool(
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("assistants.view_assistant")
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    fields = tuple(readonly_fields)
    actions = ["revoke_keys"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The raw key must be shown once to its creator: use `manage.py create_api_key`.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit trail keeps pointing at the key

    @admin.action(description="Revoke the selected API keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = services.api_key_revoke(actor=Actor(user=request.user), keys=queryset)
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


# Test inputs and comparisons (read-only).
from assistants import admin_gate  # noqa: E402,F401
