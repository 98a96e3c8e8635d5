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
from django.db import connection, models
from django.utils import timezone

from studio.jsonsafety import TolerantJSONField


class ImmutableVersionError(Exception):
    """Raised on any attempt to change or delete a stored version."""


def graph_is_served(graph_id: str) -> bool:
    """:meth:`AssistantQuerySet.visible`'s rule for a row already read (its ``graph_id``)."""
    from graphs.registry import get_registry

    return graph_id in get_registry()


class AssistantQuerySet(models.QuerySet["Assistant"]):
    def visible(self) -> AssistantQuerySet:
        """What pages and API show: assistants of the graphs this deployment registers.

        An assistant whose graph left ``langgraph.json`` is hidden (LangGraph's graph allowlist)
        until the graph comes back; only the admin lists it, so a developer can delete it.
        :func:`graph_is_served` is the same rule for one row.
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
    metadata = TolerantJSONField(default=dict, blank=True)
    config = TolerantJSONField(default=dict, blank=True)
    context = TolerantJSONField(default=dict, blank=True)
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
    # Studio-only (not on the API's wire): the publish gate of assistants.services.gate.
    require_passing_checks = models.BooleanField(
        default=False,
        help_text="Publish only versions whose latest comparison with live passes every check.",
    )

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
    metadata = TolerantJSONField(default=dict, blank=True)
    config = TolerantJSONField(default=dict, blank=True)
    context = TolerantJSONField(default=dict, blank=True)
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

    #: Set by the API's authentication on a key it took from its memory of keys it checked
    #: before, unread this time: the request's write must prove it (:meth:`unchanged_condition`)
    #: or the key is checked again before anything is answered (see ``assistants.api.auth``).
    unproven = False

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

    def unchanged_condition(self) -> tuple[str, list[Any]]:
        """SQL that holds while this key's row is as read: there, not revoked, and with the same
        name, prefix and scope (what a write records of it and allows)."""
        quote = connection.ops.quote_name

        def column(name: str) -> str:
            return quote(str(self._meta.get_field(name).column))  # type: ignore[union-attr]

        where = " AND ".join(f"{column(name)} = %s" for name in _UNCHANGED)
        sql = (
            f"EXISTS (SELECT 1 FROM {quote(self._meta.db_table)}"
            f" WHERE {where} AND {column('revoked_at')} IS NULL)"
        )
        return sql, [getattr(self, name) for name in _UNCHANGED]


#: The columns :meth:`ApiKey.unchanged_condition` compares.
_UNCHANGED = ("id", "digest", "name", "prefix", "scope")


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
    payload = TolerantJSONField(default=dict, blank=True)
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


# -- runs ----------------------------------------------------------------------------------------


class ImmutableRunError(Exception):
    """Raised on any attempt to change a finished run."""


class RunQuerySet(models.QuerySet["Run"]):
    def active(self) -> RunQuerySet:
        return self.filter(status__in=Run.ACTIVE)

    def for_user(self, user: Any) -> RunQuerySet:
        return self.filter(created_by=user)

    def newest_first(self) -> RunQuerySet:
        return self.order_by("-created_at")


class Run(models.Model):
    """One execution of an assistant's graph on one input, in a background worker.

    It records the exact configuration that ran: the version number, or ``version`` None for the
    unsaved values of an edit form, and in both cases the ``config`` and ``context`` themselves.
    The worker appends :class:`RunEvent` rows while it runs; once finished (any status but queued
    and running) the row never changes again.
    """

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (SUCCEEDED, "Succeeded"),
        (FAILED, "Failed"),
        (CANCELLED, "Cancelled"),
        (TIMED_OUT, "Timed out"),
    ]
    ACTIVE = (QUEUED, RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="runs")
    graph_id = models.CharField(max_length=255)
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version that ran; empty for unsaved edit values."
    )
    config = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    input = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED, db_index=True)
    output = models.JSONField(null=True, blank=True)
    output_text = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    error_node = models.CharField(max_length=255, blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    timeout_seconds = models.PositiveIntegerField(default=120)
    actor = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True, default="")
    worker = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assistant", "-created_at"], name="run_assistant_time"),
            models.Index(fields=["created_by", "status"], name="run_user_status"),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored not in self.ACTIVE:
                raise ImmutableRunError(f"Run {self.pk} is finished and cannot change.")
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status not in self.ACTIVE

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()


class RunEvent(models.Model):
    """One thing that happened in a run (a node step, a model call, streamed text), in order."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["run", "seq"], name="unique_run_event_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.seq} {self.kind}"


__all__ += ["ImmutableRunError", "Run", "RunEvent"]


# -- test inputs and comparisons (assistants.services.test_inputs / comparisons / gate) ----------
from assistants.comparison_models import (  # noqa: E402
    Comparison,
    ComparisonRun,
    ImmutableComparisonError,
    TestInput,
)

__all__ += ["Comparison", "ComparisonRun", "ImmutableComparisonError", "TestInput"]
