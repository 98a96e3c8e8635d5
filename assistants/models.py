"""The assistants domain: assistants, their immutable versions, publications, audit and API keys.

Writes happen only in :mod:`assistants.services`; this module holds the tables and the read rules
(QuerySet methods). ``AssistantVersion`` rows are append-only: saving an existing row, deleting one
on its own or bulk-updating them raises ``ImmutableVersionError``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImmutableVersionError(Exception):
    """Raised on any attempt to change or delete a stored version."""


class AssistantQuerySet(models.QuerySet["Assistant"]):
    def visible(self) -> AssistantQuerySet:
        """What pages and API show: assistants of the graphs this deployment registers.

        An assistant whose graph left ``langgraph.json`` is hidden (LangGraph's graph allowlist)
        until the graph comes back; only the admin lists it, so a developer can delete it.
        """
        from graphs.registry import get_registry

        return self.filter(graph_id__in=get_registry().graph_ids())

    def for_graph(self, graph_id: str) -> AssistantQuerySet:
        return self.filter(graph_id=graph_id)

    def published(self) -> AssistantQuerySet:
        return self.filter(published_version__isnull=False)

    def with_draft(self) -> AssistantQuerySet:
        """Assistants whose newest version is newer than the published one."""
        return self.filter(latest_version_number__gt=models.F("version"))

    def name_contains(self, text: str) -> AssistantQuerySet:
        return self.filter(name__icontains=text)

    def system(self) -> AssistantQuerySet:
        return self.filter(metadata__created_by="system")


class Assistant(models.Model):
    """A graph plus a named configuration.

    The columns ``graph_id, name, description, metadata, config, context, version`` are a copy of
    the published version (LangGraph's "latest"), kept so that get and search read one row.
    """

    assistant_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    graph_id = models.CharField(max_length=255, db_index=True)
    name = models.CharField(max_length=255, default="Untitled")
    description = models.TextField(null=True, blank=True)  # noqa: DJ001 - the wire tells null from ""
    metadata = models.JSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Number of the published version.")
    published_version = models.ForeignKey(
        "AssistantVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version integrations get.",
    )
    latest_version_number = models.PositiveIntegerField(
        default=0, help_text="Highest version number allocated so far."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AssistantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("publish_assistant", "Can publish and roll back assistant versions"),
        ]
        indexes = [
            models.Index(fields=["graph_id", "-created_at"], name="assistant_graph_created"),
            models.Index(fields=["name"], name="assistant_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.graph_id})"

    @property
    def has_draft(self) -> bool:
        return self.latest_version_number > self.version


class AssistantVersionQuerySet(models.QuerySet["AssistantVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableVersionError("Assistant versions are immutable; save a new version instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableVersionError(
            "Assistant versions are never deleted on their own; delete the assistant instead."
        )

    def newest_first(self) -> AssistantVersionQuerySet:
        return self.order_by("-version")


class AssistantVersion(models.Model):
    """One immutable snapshot of an assistant's configuration."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    graph_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)  # noqa: DJ001 - the wire tells null from ""
    metadata = models.JSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    author = models.CharField(max_length=255, blank=True, default="", help_text="Who saved it.")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version this one was copied from by a restore."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssistantVersionQuerySet.as_manager()

    class Meta:
        ordering = ["assistant", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "version"], name="unique_assistant_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistant_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersionError(
                f"Version {self.version} of assistant {self.assistant_id} is immutable."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableVersionError(
            "Assistant versions are never deleted on their own; delete the assistant instead."
        )


class Publication(models.Model):
    """A move of an assistant's published pointer: who published which version, when."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="publications")
    from_version = models.PositiveIntegerField(null=True, blank=True)
    to_version = models.PositiveIntegerField()
    actor = models.CharField(max_length=255)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.assistant_id}: v{self.from_version} -> v{self.to_version}"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key for integrations, sent as ``X-Api-Key``. Only its SHA-256 digest is stored.

    Keys are 32 random bytes, so a fast digest is enough (no password stretching needed): guessing
    one is as hard as guessing the key itself.
    """

    SCOPE_READ = "read"
    SCOPE_WRITE = "write"
    SCOPE_CHOICES = [(SCOPE_READ, "Read only"), (SCOPE_WRITE, "Read and write")]

    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=24, db_index=True, help_text="First characters, to tell keys apart."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=10, choices=SCOPE_CHOICES, default=SCOPE_WRITE)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_for(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.SCOPE_WRITE


class AuditEntry(models.Model):
    """Who did what, when: written in the same transaction as the change it records."""

    action = models.CharField(max_length=64, db_index=True)
    actor = models.CharField(max_length=255)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Not a foreign key: the trail of a deleted assistant must survive it.
    assistant_id = models.UUIDField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assistant_id", "-created_at"], name="audit_assistant_time")
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


__all__ = [
    "ApiKey",
    "Assistant",
    "AssistantVersion",
    "AuditEntry",
    "ImmutableVersionError",
    "Publication",
]
