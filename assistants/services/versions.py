"""Save, publish and restore versions. Versions are append-only: nothing here edits one."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from assistants.services.audit import audit_entry, audit_record
from assistants.services.context import (
    check_context,
    check_graph,
    consolidate_config_and_context,
    graph_spec,
)
from assistants.services.errors import VersionConflict, VersionNotFound
from assistants.services.gate import gate_check
from assistants.services.rows import lock_assistant, new_version, publish_version, version_fields

__all__ = ["KEEP", "version_publish", "version_restore", "version_save"]

#: The default of ``description``: keep the base version's (``None`` sets it to null).
KEEP: Any = object()


@transaction.atomic
def version_save(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    base_version: int | None = None,
    graph_id: str | None = None,
    config: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    merge_metadata: bool = False,
    name: str | None = None,
    description: str | None = KEEP,
    note: str = "",
    publish: bool = False,
) -> AssistantVersion:
    """Save a new version. Fields left as ``None`` keep their value from the base version.

    ``base_version`` is the version the caller's change was based on: its fields fill in what
    is not given, and if a newer version exists the save raises :class:`VersionConflict`. Without
    it the published version is the base and no conflict check is made (LangGraph's PATCH).
    ``publish=True`` also makes the new version the published one. The graph must load
    (``GraphUnavailable``), whatever the save changes.
    """
    if not actor.can_edit():
        raise PermissionDenied("You may not change assistants.")
    if publish and not actor.can_publish():
        raise PermissionDenied("You may not publish assistants.")
    assistant = lock_assistant(assistant_id)
    if publish:
        gate_check(assistant=assistant, version=None)  # refused before anything is written
    if base_version is not None:
        if base_version != assistant.latest_version_number:
            raise VersionConflict(
                assistant.assistant_id, base_version, assistant.latest_version_number
            )
        base_row = assistant.versions.filter(version=base_version).first()
        if base_row is None:
            raise VersionNotFound(assistant.assistant_id, base_version)
        base = version_fields(base_row)
    else:
        base = version_fields(assistant)
    new_graph = graph_id or base["graph_id"]
    graph_spec(new_graph)
    new_config, new_context = consolidate_config_and_context(
        config=config, context=context, base_config=base["config"], base_context=base["context"]
    )
    check_graph(graph_id=new_graph, config=new_config)
    if context is not None or (config or {}).get("configurable") or new_graph != base["graph_id"]:
        # Only what this save changes is judged: a context carried over unchanged from an older
        # version stays valid even if the graph's schema has moved on since.
        check_context(graph_id=new_graph, context=new_context, config=new_config)
    if metadata is None:
        new_metadata = base["metadata"]
    elif merge_metadata:
        new_metadata = {**base["metadata"], **metadata}
    else:
        new_metadata = copy.deepcopy(metadata)
    fields = {
        "graph_id": new_graph,
        "name": name if name is not None else base["name"],
        "description": base["description"] if description is KEEP else description,
        "metadata": new_metadata,
        "config": new_config,
        "context": new_context,
    }
    # Drafts newer than what is live stop being drafts once a newer version is published; they
    # stay in the history, and the audit entry says which ones were passed over.
    passed_over = (
        list(range(assistant.version + 1, assistant.latest_version_number + 1)) if publish else []
    )
    # Published at once: inserted by publish_version with the publication and the audit entries.
    version = new_version(
        assistant=assistant, actor=actor, fields=fields, note=note, save=not publish
    )
    payload: dict[str, Any] = {
        "base_version": base_version,
        "note": version.note,
        "publish": publish,
    }
    if passed_over:
        payload["passed_over_drafts"] = passed_over
    saved = audit_entry(
        actor=actor,
        action="version.saved",
        assistant_id=assistant.assistant_id,
        version=version.version,
        payload=payload,
    )
    if publish:
        # One statement inserts the version, publication and both audit entries, then one UPDATE.
        publish_version(assistant=assistant, version=version, actor=actor, audit_first=[saved])
    else:
        saved.save(force_insert=True)
        assistant.save(update_fields=["latest_version_number"])
    return version


@transaction.atomic
def version_publish(*, actor: Actor, assistant_id: uuid.UUID | str, version: int) -> Assistant:
    """Make an existing version the published one (LangGraph's ``set_latest``; a rollback)."""
    if not actor.can_publish():
        raise PermissionDenied("You may not publish assistants.")
    assistant = lock_assistant(assistant_id)
    row = assistant.versions.filter(version=version).first()
    if row is None:
        raise VersionNotFound(assistant.assistant_id, version)
    if assistant.published_version_id == row.pk:
        # Nothing moves; LangGraph still bumps updated_at on set_latest.
        assistant.updated_at = timezone.now()
        assistant.save(update_fields=["updated_at"])
        return assistant
    publish_version(assistant=assistant, version=row, actor=actor)
    return assistant


@transaction.atomic
def version_restore(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    version: int,
    base_version: int | None = None,
    publish: bool = False,
    note: str = "",
) -> AssistantVersion:
    """Save a new version whose content is copied from an old one; history is never rewritten."""
    if not actor.can_edit():
        raise PermissionDenied("You may not change assistants.")
    if publish and not actor.can_publish():
        raise PermissionDenied("You may not publish assistants.")
    assistant = lock_assistant(assistant_id)
    if publish:
        gate_check(assistant=assistant, version=None)  # refused before anything is written
    if base_version is not None and base_version != assistant.latest_version_number:
        raise VersionConflict(assistant.assistant_id, base_version, assistant.latest_version_number)
    source = assistant.versions.filter(version=version).first()
    if source is None:
        raise VersionNotFound(assistant.assistant_id, version)
    check_graph(graph_id=source.graph_id, config=source.config)  # nothing new for a broken graph
    new = new_version(
        assistant=assistant,
        actor=actor,
        fields=version_fields(source),
        note=note or f"Restored from version {version}",
        restored_from=version,
    )
    audit_record(
        actor=actor,
        action="version.restored",
        assistant_id=assistant.assistant_id,
        version=new.version,
        payload={"restored_from": version},
    )
    if publish:
        publish_version(assistant=assistant, version=new, actor=actor)
    else:
        assistant.save(update_fields=["latest_version_number"])
    return new
