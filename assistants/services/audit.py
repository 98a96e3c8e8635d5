"""The audit trail: who did what, written in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from assistants.actors import Actor
from assistants.models import AuditEntry

__all__ = ["audit_entry", "audit_record"]


def audit_record(
    *,
    actor: Actor,
    action: str,
    assistant_id: uuid.UUID | None,
    version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` (a namespaced code such as ``version.published``) by ``actor``."""
    entry = audit_entry(
        actor=actor, action=action, assistant_id=assistant_id, version=version, payload=payload
    )
    entry.save(force_insert=True)
    return entry


def audit_entry(
    *,
    actor: Actor,
    action: str,
    assistant_id: uuid.UUID | None,
    version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """An unsaved entry, for callers that write several in one statement (``bulk_create``)."""
    return AuditEntry(
        action=action,
        actor=actor.label,
        actor_user=actor.user_or_none,
        actor_api_key=actor.api_key,
        assistant_id=assistant_id,
        version=version,
        payload=payload or {},
    )
