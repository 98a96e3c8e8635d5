"""The row writes every service shares: lock an assistant, append a version, move the published
pointer, insert a new assistant with its version 1. Callers hold the transaction (and the lock),
except for :func:`insert_assistant`, which is atomic by itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from assistants.services.audit import audit_entry
from assistants.services.errors import ActorChanged, AssistantNotFound
from studio.insert import ConditionFailed, insert_rows
from studio.jsonsafety import copy_json

__all__ = [
    "copy_to_assistant",
    "insert_assistant",
    "lock_assistant",
    "new_version",
    "publish_version",
    "version_fields",
]


def lock_assistant(assistant_id: uuid.UUID | str) -> Assistant:
    """The assistant's row, locked until the transaction ends (``AssistantNotFound`` if absent)."""
    try:
        return Assistant.objects.select_for_update().get(pk=assistant_id)
    except (Assistant.DoesNotExist, ValidationError, ValueError):
        raise AssistantNotFound(assistant_id) from None


def copy_to_assistant(assistant: Assistant, version: AssistantVersion) -> None:
    """Make ``version`` the published one on the (unsaved) assistant row."""
    assistant.graph_id = version.graph_id
    assistant.name = version.name
    assistant.description = version.description
    assistant.metadata = version.metadata
    assistant.config = version.config
    assistant.context = version.context
    assistant.version = version.version
    assistant.published_version = version
    assistant.updated_at = timezone.now()


def publish_version(
    *,
    assistant: Assistant,
    version: AssistantVersion,
    actor: Actor,
    audit_first: Sequence[AuditEntry] = (),
) -> None:
    """Move the published pointer and record it (the caller holds the row lock).

    ``version`` may be unsaved (a new version published as it is saved): it is inserted with the
    publication and the audit entries, ``audit_first`` (the caller's own unsaved entries) before
    this one, and the assistant row is updated, in one statement on PostgreSQL. Refused with
    ``PublishGateClosed`` when the assistant requires passing checks and ``version`` has none
    (see :mod:`assistants.services.gate`).
    """
    from assistants.services.gate import gate_check

    gate_check(assistant=assistant, version=version.version)
    from_version = assistant.version if assistant.published_version_id else None
    copy_to_assistant(assistant, version)
    publication = Publication(
        assistant=assistant,
        from_version=from_version,
        to_version=version.version,
        actor=actor.label,
        actor_user=actor.user_or_none,
    )
    published = audit_entry(
        actor=actor,
        action="version.published",
        assistant_id=assistant.assistant_id,
        version=version.version,
        payload={"from_version": from_version, "to_version": version.version},
    )
    unsaved: list[AssistantVersion] = [version] if version.pk is None else []
    # The assistant's row is saved in the same statement, pointing at the version's new id.
    insert_rows([*unsaved, publication, *audit_first, published], then_save=assistant)


def new_version(
    *,
    assistant: Assistant,
    actor: Actor,
    fields: dict[str, Any],
    note: str,
    restored_from: int | None = None,
    save: bool = True,
) -> AssistantVersion:
    """Append version n+1 (the caller saves ``latest_version_number`` on the assistant).

    ``save=False``: the version is returned unsaved, for :func:`publish_version` to insert.
    """
    number = assistant.latest_version_number + 1
    version = AssistantVersion(
        assistant=assistant,
        version=number,
        restored_from=restored_from,
        **_version_columns(fields, actor, note),
    )
    if save:
        version.save(force_insert=True)
    assistant.latest_version_number = number
    return version


def _version_columns(fields: dict[str, Any], actor: Actor, note: str) -> dict[str, Any]:
    return {
        "graph_id": fields["graph_id"],
        "name": fields["name"],
        "description": fields["description"],
        "metadata": fields["metadata"],
        "config": fields["config"],
        "context": fields["context"],
        "note": note[:500],
        "author": actor.label,
        "author_user": actor.user_or_none,
    }


def version_fields(version: AssistantVersion | Assistant) -> dict[str, Any]:
    """The content of a version (or of the published copy on the assistant), deep-copied."""
    return {
        "graph_id": version.graph_id,
        "name": version.name,
        "description": version.description,
        "metadata": copy_json(version.metadata),
        "config": copy_json(version.config),
        "context": copy_json(version.context),
    }


def insert_assistant(
    *,
    pk: uuid.UUID,
    fields: dict[str, Any],
    actor: Actor,
    note: str,
    action: str = "assistant.created",
) -> Assistant:
    """A new assistant whose version 1 is published; ``IntegrityError`` if the id is taken.

    Four rows, written atomically (the caller need not hold a transaction): version 1, the
    assistant already pointing at it, the publication and the audit entry. On PostgreSQL they are
    one statement, one round trip (:func:`studio.insert.insert_rows`). When the actor's API key is
    unproven (:attr:`ApiKey.unproven`), they are written only if the key is as it was read, and
    ``ActorChanged`` is raised if not.
    """
    now = timezone.now()
    assistant = Assistant(assistant_id=pk, created_at=now, updated_at=now, **fields)
    version = AssistantVersion(assistant_id=pk, version=1, **_version_columns(fields, actor, note))
    assistant.latest_version_number = 1
    copy_to_assistant(assistant, version)
    assistant.updated_at = now
    version.assistant = assistant
    publication = Publication(
        assistant=assistant,
        from_version=None,
        to_version=1,
        actor=actor.label,
        actor_user=actor.user_or_none,
    )
    entry = audit_entry(
        actor=actor,
        action=action,
        assistant_id=pk,
        version=1,
        payload={"graph_id": fields["graph_id"], "name": fields["name"]},
    )
    key = actor.api_key
    if key is None or not key.unproven:
        insert_rows([version, assistant, publication, entry])
        return assistant
    # The key was taken on trust (one round trip less): the insert itself proves it.
    try:
        insert_rows([version, assistant, publication, entry], only_if=key.unchanged_condition())
    except ConditionFailed:
        raise ActorChanged from None
    key.unproven = False
    return assistant
