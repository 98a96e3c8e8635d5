"""API keys: created with a raw value shown once (only a digest is stored), revoked, never deleted."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import ApiKey
from assistants.services.audit import audit_record

__all__ = ["api_key_create", "api_key_revoke"]


def api_key_create(*, actor: Actor, name: str, read_only: bool = False) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is shown once and never stored."""
    raw = "sk-studio-" + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:18],
            digest=ApiKey.digest_for(raw),
            scope=ApiKey.SCOPE_READ if read_only else ApiKey.SCOPE_WRITE,
        )
        audit_record(
            actor=actor,
            action="api_key.created",
            assistant_id=None,
            payload={"name": name, "scope": key.scope},
        )
    return key, raw


def api_key_revoke(*, actor: Actor, keys: Iterable[ApiKey]) -> int:
    """Revoke the keys not revoked yet; returns how many were."""
    count = 0
    with transaction.atomic():
        for key in keys:
            if key.revoked_at is None:
                key.revoked_at = timezone.now()
                key.save(update_fields=["revoked_at"])
                audit_record(
                    actor=actor,
                    action="api_key.revoked",
                    assistant_id=None,
                    payload={"name": key.name, "prefix": key.prefix},
                )
                count += 1
    return count
