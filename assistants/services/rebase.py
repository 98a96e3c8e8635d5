"""Rebase a draft that a newer live version was published over.

The draft's changes (since the version it started from) are merged with the live version's
(:mod:`assistants.merge`), the editor's choices settle the fields both changed, and the result is
saved as a new draft on top of the live version through :func:`version_save`, so it is validated,
numbered and audited like any other draft. Nothing that exists changes: the passed-over draft
stays in the history.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assistants.actors import Actor
from assistants.merge import UnresolvedConflicts, merge_versions
from assistants.models import Assistant, AssistantVersion, AuditEntry
from assistants.services import AssistantNotFound, VersionNotFound, version_save

__all__ = ["draft_rebase"]


@transaction.atomic
def draft_rebase(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    draft: int,
    base: int,
    onto: int,
    choices: Mapping[str, str] | None = None,
    note: str = "",
) -> AssistantVersion:
    """Save ``draft`` (written against ``base``) again on top of ``onto`` as a new draft.

    ``choices`` maps each conflicting field's dotted path to ``"ours"`` (the draft's value) or
    ``"theirs"`` (``onto``'s). Raises ``ValidationError`` naming the fields without a choice,
    ``VersionConflict`` when ``onto`` is no longer the newest version (someone saved since),
    ``VersionNotFound`` for a missing version, and ``PermissionDenied`` for a non-editor.
    """
    if not actor.can_edit():
        raise PermissionDenied("You may not change assistants.")
    if not base < draft < onto:
        raise ValidationError(
            {"__all__": [f"Draft v{draft} cannot be rebased from v{base} onto v{onto}."]}
        )
    try:
        assistant = Assistant.objects.get(pk=assistant_id)
    except (Assistant.DoesNotExist, ValidationError, ValueError):
        raise AssistantNotFound(assistant_id) from None
    rows = {v.version: v for v in assistant.versions.filter(version__in=(base, draft, onto))}
    for number in (base, draft, onto):
        if number not in rows:
            raise VersionNotFound(assistant.assistant_id, number)
    try:
        merged = merge_versions(rows[base], rows[draft], rows[onto]).resolve(choices)
    except UnresolvedConflicts as exc:
        raise ValidationError(
            {path: ["Choose which value to keep."] for path in exc.paths}
        ) from exc
    version = version_save(
        actor=actor,
        assistant_id=assistant.assistant_id,
        base_version=onto,  # VersionConflict if anyone saved after onto
        name=merged["name"],
        description=merged["description"] or None,
        context=merged["context"],
        metadata=merged["metadata"],
        config=merged["config"] or None,
        note=note or f"Draft v{draft} rebased onto v{onto}",
    )
    AuditEntry.objects.create(
        action="version.rebased",
        actor=actor.label,
        actor_user=actor.user_or_none,
        actor_api_key=actor.api_key,
        assistant_id=assistant.assistant_id,
        version=version.version,
        payload={"draft": draft, "base": base, "onto": onto, "choices": dict(choices or {})},
    )
    return version
