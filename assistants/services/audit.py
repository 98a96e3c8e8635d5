"""The audit trail: who did what, written in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from assistants.actors import Actor
from assistants.models import AuditEntry

__all__ = ["audit_record"]


def audit_record(
    *,
    actor: Actor,
    action: str,
    assistant_id: uuid.UUID | None,
    version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` (a namespaced code such as ``version.published``) by ``actor``."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor.label,
        actor_user=actor.user_or_none,
        actor_api_key=actor.api_key,
        assistant_id=assistant_id,
        version=version,
        payload=payload or {},
    )
