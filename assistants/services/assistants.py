"""Create, copy and delete assistants."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from assistants.actors import Actor
from assistants.models import Assistant
from assistants.services.audit import audit_record
from assistants.services.context import (
    check_context,
    check_graph,
    consolidate_config_and_context,
    graph_spec,
)
from assistants.services.errors import AssistantExists, AssistantNotFound, VersionNotFound
from assistants.services.rows import insert_assistant, lock_assistant, version_fields
from studio.insert import savepoint_if_nested
from studio.jsonsafety import copy_json

__all__ = ["assistant_create", "assistant_delete", "assistant_duplicate"]


def assistant_create(
    *,
    actor: Actor,
    graph_id: str,
    assistant_id: uuid.UUID | str | None = None,
    name: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    if_exists: Literal["raise", "do_nothing"] = "raise",
    note: str = "",
) -> tuple[Assistant, bool]:
    """Create an assistant with its first version, published. Returns ``(assistant, created)``.

    With ``if_exists="do_nothing"`` an existing assistant of that id is returned unchanged. The
    graph must be registered (``GraphNotFound``) and load (``GraphUnavailable``), context or not.
    """
    if not actor.can_create():
        raise PermissionDenied("You may not create assistants.")
    graph_spec(graph_id)
    new_config, new_context = consolidate_config_and_context(
        config=config, context=context, base_config={}, base_context={}
    )
    check_graph(graph_id=graph_id, config=new_config)
    check_context(graph_id=graph_id, context=new_context, config=new_config)
    pk = uuid.UUID(str(assistant_id)) if assistant_id else uuid.uuid4()
    # A fresh uuid4 cannot be taken: only a given id needs the look-up (the insert still checks).
    existing = Assistant.objects.filter(pk=pk).first() if assistant_id else None
    if existing is not None:
        if if_exists == "do_nothing":
            return existing, False
        raise AssistantExists(pk)
    fields = {
        "graph_id": graph_id,
        "name": name or "Untitled",
        "description": description,
        "metadata": copy_json(metadata) if metadata else {},
        "config": new_config,
        "context": new_context,
    }
    try:
        with savepoint_if_nested():  # the insert is atomic by itself
            assistant = insert_assistant(pk=pk, fields=fields, actor=actor, note=note)
    except IntegrityError:
        # Someone created the same id between our check and our insert; anything else is a bug.
        existing = Assistant.objects.filter(pk=pk).first()
        if existing is None:
            raise
        if if_exists == "do_nothing":
            return existing, False
        raise AssistantExists(pk) from None
    return assistant, True


@transaction.atomic
def assistant_delete(*, actor: Actor, assistant_id: uuid.UUID | str) -> None:
    """Delete an assistant with all its versions; the audit trail keeps a record."""
    if not actor.can_delete():
        raise PermissionDenied("You may not delete assistants.")
    assistant = lock_assistant(assistant_id)
    audit_record(
        actor=actor,
        action="assistant.deleted",
        assistant_id=assistant.assistant_id,
        version=assistant.version,
        payload={
            "graph_id": assistant.graph_id,
            "name": assistant.name,
            "versions": assistant.latest_version_number,
        },
    )
    assistant.delete()


def assistant_duplicate(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    name: str | None = None,
    version: int | None = None,
) -> Assistant:
    """A new assistant whose first version copies ``version`` (default: the published one)."""
    if not actor.can_create():
        raise PermissionDenied("You may not create assistants.")
    source = Assistant.objects.filter(pk=assistant_id).first()
    if source is None:
        raise AssistantNotFound(assistant_id)
    if version is None:
        fields = version_fields(source)
    else:
        row = source.versions.filter(version=version).first()
        if row is None:
            raise VersionNotFound(assistant_id, version)
        if row.pk != source.published_version_id and not actor.can_publish():
            # The copy's first version is live: copying an unpublished draft would publish it.
            raise PermissionDenied("You may not publish this draft by copying it.")
        fields = version_fields(row)
    check_graph(graph_id=fields["graph_id"], config=fields["config"])  # as for a new assistant
    fields["name"] = name or f"{fields['name']} (copy)"
    fields["metadata"].pop("created_by", None)
    with transaction.atomic():
        assistant = insert_assistant(
            pk=uuid.uuid4(),
            fields=fields,
            actor=actor,
            note=f"Copied from {source.name}",
            action="assistant.duplicated",
        )
        audit_record(
            actor=actor,
            action="assistant.copied",
            assistant_id=source.assistant_id,
            payload={"copy": str(assistant.assistant_id)},
        )
    return assistant
