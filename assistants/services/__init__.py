"""The only code that writes assistants, versions, publications and the audit trail.

Every function is keyword-only, runs in one transaction and records what it did in the audit
table inside that same transaction. Version numbers are allocated while holding a row lock on the
assistant (``select_for_update``), so concurrent saves are serialised: numbers never collide and
never leave a gap. A save that says which version it was based on is refused with
:class:`VersionConflict` when the assistant has moved on since (optimistic concurrency).
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistants.actors import Actor
from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry, Publication
from graphs.registry import (
    GraphLoadError,
    GraphNotFound,
    GraphSpec,
    Registry,
    default_assistant_id,
    get_registry,
)
from graphs.validation import validate_context

logger = logging.getLogger(__name__)

__all__ = [
    "AssistantExists",
    "AssistantNotFound",
    "ConfigContextConflict",
    "GraphNotFound",
    "GraphUnavailable",
    "ServiceError",
    "VersionConflict",
    "VersionNotFound",
    "api_key_create",
    "api_key_revoke",
    "assistant_create",
    "assistant_delete",
    "assistant_duplicate",
    "default_assistants_sync",
    "version_publish",
    "version_restore",
    "version_save",
]

CONFIG_CONTEXT_MESSAGE = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was "
    "introduced in LangGraph 0.6.0 and is the long term planned replacement for configurable."
)


class ServiceError(Exception):
    """Base class of the domain errors the API and pages turn into 4xx responses."""


class AssistantNotFound(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str) -> None:
        self.assistant_id = assistant_id
        super().__init__(f"Assistant {assistant_id} not found")


class VersionNotFound(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str, version: int | None) -> None:
        self.assistant_id = assistant_id
        self.version = version
        super().__init__(f"Version {version} not found for assistant {assistant_id}")


class AssistantExists(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str) -> None:
        self.assistant_id = assistant_id
        super().__init__(f"Assistant {assistant_id} already exists")


class VersionConflict(ServiceError):
    """The save was based on an older version than the assistant's newest one."""

    def __init__(self, assistant_id: uuid.UUID, base_version: int, latest_version: int) -> None:
        self.assistant_id = assistant_id
        self.base_version = base_version
        self.latest_version = latest_version
        super().__init__(
            f"Assistant {assistant_id} has moved on: your change is based on version "
            f"{base_version}, but version {latest_version} has been saved since."
        )


class ConfigContextConflict(ServiceError):
    def __init__(self) -> None:
        super().__init__(CONFIG_CONTEXT_MESSAGE)


class GraphUnavailable(ServiceError):
    """The graph is registered but fails to load, so a configuration cannot be checked."""


# --------------------------------------------------------------------------------------------
# Helpers


def _audit(
    *,
    actor: Actor,
    action: str,
    assistant_id: uuid.UUID | None,
    version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=actor.label,
        actor_user=actor.user_or_none,
        actor_api_key=actor.api_key,
        assistant_id=assistant_id,
        version=version,
        payload=payload or {},
    )


def _spec(graph_id: str, registry: Registry | None = None) -> GraphSpec:
    return (registry or get_registry()).get(graph_id)  # raises GraphNotFound


def _context_schema(spec: GraphSpec, config: dict[str, Any]) -> dict[str, Any] | None:
    """The graph's context schema; cached on the spec unless the graph is a factory."""
    from graphs.schemas import graph_context_schema

    cached = getattr(spec, "_studio_context_schema", None)
    if cached is not None:
        return cached[0]
    try:
        schema = graph_context_schema(spec, config if spec.kind == "factory" else None)
    except GraphLoadError as exc:
        raise GraphUnavailable(f"{exc} Fix the graph before saving configurations for it.") from exc
    if spec.kind != "factory":
        spec._studio_context_schema = (schema,)  # type: ignore[attr-defined]
    return schema


def check_context(
    *, graph_id: str, context: dict[str, Any], config: dict[str, Any] | None = None
) -> None:
    """Validate ``context`` against the graph's schema; raises ``ValidationError`` keyed by field.

    Values are an overlay on the graph's defaults (a run merges its own context on top), so
    required fields may be left out here; everything that is given must fit the schema.
    """
    spec = _spec(graph_id)
    if not isinstance(context, dict):
        raise ValidationError({"__all__": ["Context must be an object."]})
    if not context:
        return
    schema = _context_schema(spec, config or {"configurable": context})
    if schema is None:
        return
    partial = dict(schema)
    partial.pop("required", None)
    validate_context(partial, context)


def consolidate_config_and_context(
    *,
    config: dict[str, Any] | None,
    context: dict[str, Any] | None,
    base_config: dict[str, Any],
    base_context: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep ``config.configurable`` and ``context`` in step (LangGraph's rule, §1.3).

    A given ``config.configurable`` becomes the context; a given context becomes
    ``config.configurable``; giving both is an error. Unlike LangGraph's dev server, a change of
    context alone keeps the rest of the old config (tags, recursion_limit, ...).
    """
    config = copy.deepcopy(config) if config else None
    configurable = (config or {}).get("configurable") or {}
    if configurable and context:
        raise ConfigContextConflict()
    if configurable:
        return config or {}, dict(configurable)
    if context is not None:
        new_config = config if config is not None else copy.deepcopy(base_config)
        new_config.pop("configurable", None)
        if context:
            new_config["configurable"] = copy.deepcopy(context)
        return new_config, copy.deepcopy(context)
    if config is not None:
        config.pop("configurable", None)
        if base_context:
            config["configurable"] = copy.deepcopy(base_context)
        return config, copy.deepcopy(base_context)
    return copy.deepcopy(base_config), copy.deepcopy(base_context)


def _lock(assistant_id: uuid.UUID | str) -> Assistant:
    try:
        return Assistant.objects.select_for_update().get(pk=assistant_id)
    except (Assistant.DoesNotExist, ValidationError, ValueError):
        raise AssistantNotFound(assistant_id) from None


def _copy_to_assistant(assistant: Assistant, version: AssistantVersion) -> None:
    assistant.graph_id = version.graph_id
    assistant.name = version.name
    assistant.description = version.description
    assistant.metadata = version.metadata
    assistant.config = version.config
    assistant.context = version.context
    assistant.version = version.version
    assistant.published_version = version
    assistant.updated_at = timezone.now()


def _publish(*, assistant: Assistant, version: AssistantVersion, actor: Actor) -> None:
    """Move the published pointer (the caller holds the row lock)."""
    from_version = assistant.version if assistant.published_version_id else None
    _copy_to_assistant(assistant, version)
    assistant.save()
    Publication.objects.create(
        assistant=assistant,
        from_version=from_version,
        to_version=version.version,
        actor=actor.label,
        actor_user=actor.user_or_none,
    )
    _audit(
        actor=actor,
        action="version.published",
        assistant_id=assistant.assistant_id,
        version=version.version,
        payload={"from_version": from_version, "to_version": version.version},
    )


def _new_version(
    *,
    assistant: Assistant,
    actor: Actor,
    fields: dict[str, Any],
    note: str,
    restored_from: int | None = None,
) -> AssistantVersion:
    number = assistant.latest_version_number + 1
    version = AssistantVersion.objects.create(
        assistant=assistant,
        version=number,
        graph_id=fields["graph_id"],
        name=fields["name"],
        description=fields["description"],
        metadata=fields["metadata"],
        config=fields["config"],
        context=fields["context"],
        note=note[:500],
        author=actor.label,
        author_user=actor.user_or_none,
        restored_from=restored_from,
    )
    assistant.latest_version_number = number
    return version


def _version_fields(version: AssistantVersion | Assistant) -> dict[str, Any]:
    return {
        "graph_id": version.graph_id,
        "name": version.name,
        "description": version.description,
        "metadata": copy.deepcopy(version.metadata),
        "config": copy.deepcopy(version.config),
        "context": copy.deepcopy(version.context),
    }


# --------------------------------------------------------------------------------------------
# Assistants


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

    With ``if_exists="do_nothing"`` an existing assistant of that id is returned unchanged.
    """
    if not actor.can_create():
        raise PermissionDenied("You may not create assistants.")
    _spec(graph_id)
    new_config, new_context = consolidate_config_and_context(
        config=config, context=context, base_config={}, base_context={}
    )
    check_context(graph_id=graph_id, context=new_context, config=new_config)
    pk = uuid.UUID(str(assistant_id)) if assistant_id else uuid.uuid4()
    existing = Assistant.objects.filter(pk=pk).first()
    if existing is not None:
        if if_exists == "do_nothing":
            return existing, False
        raise AssistantExists(pk)
    fields = {
        "graph_id": graph_id,
        "name": name or "Untitled",
        "description": description,
        "metadata": copy.deepcopy(metadata) if metadata else {},
        "config": new_config,
        "context": new_context,
    }
    try:
        with transaction.atomic():
            assistant = _insert_assistant(pk=pk, fields=fields, actor=actor, note=note)
    except IntegrityError:
        # Someone created the same id between our check and our insert; anything else is a bug.
        existing = Assistant.objects.filter(pk=pk).first()
        if existing is None:
            raise
        if if_exists == "do_nothing":
            return existing, False
        raise AssistantExists(pk) from None
    return assistant, True


def _insert_assistant(
    *,
    pk: uuid.UUID,
    fields: dict[str, Any],
    actor: Actor,
    note: str,
    action: str = "assistant.created",
) -> Assistant:
    now = timezone.now()
    assistant = Assistant(assistant_id=pk, created_at=now, updated_at=now, **fields)
    assistant.save(force_insert=True)
    version = _new_version(assistant=assistant, actor=actor, fields=fields, note=note)
    _copy_to_assistant(assistant, version)
    assistant.updated_at = now
    assistant.save()
    Publication.objects.create(
        assistant=assistant,
        from_version=None,
        to_version=1,
        actor=actor.label,
        actor_user=actor.user_or_none,
    )
    _audit(
        actor=actor,
        action=action,
        assistant_id=pk,
        version=1,
        payload={"graph_id": fields["graph_id"], "name": fields["name"]},
    )
    return assistant


@transaction.atomic
def assistant_delete(*, actor: Actor, assistant_id: uuid.UUID | str) -> None:
    """Delete an assistant with all its versions; the audit trail keeps a record."""
    if not actor.can_delete():
        raise PermissionDenied("You may not delete assistants.")
    assistant = _lock(assistant_id)
    _audit(
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
        fields = _version_fields(source)
    else:
        row = source.versions.filter(version=version).first()
        if row is None:
            raise VersionNotFound(assistant_id, version)
        if row.pk != source.published_version_id and not actor.can_publish():
            # The copy's first version is live: copying an unpublished draft would publish it.
            raise PermissionDenied("You may not publish this draft by copying it.")
        fields = _version_fields(row)
    fields["name"] = name or f"{fields['name']} (copy)"
    fields["metadata"].pop("created_by", None)
    with transaction.atomic():
        assistant = _insert_assistant(
            pk=uuid.uuid4(),
            fields=fields,
            actor=actor,
            note=f"Copied from {source.name}",
            action="assistant.duplicated",
        )
        _audit(
            actor=actor,
            action="assistant.copied",
            assistant_id=source.assistant_id,
            payload={"copy": str(assistant.assistant_id)},
        )
    return assistant


# --------------------------------------------------------------------------------------------
# Versions

_KEEP: Any = object()


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
    description: str | None = _KEEP,
    note: str = "",
    publish: bool = False,
) -> AssistantVersion:
    """Save a new version. Fields left as ``None`` keep their value from the base version.

    ``base_version`` is the version the caller's change was based on: its fields fill in what
    is not given, and if a newer version exists the save raises :class:`VersionConflict`. Without
    it the published version is the base and no conflict check is made (LangGraph's PATCH).
    ``publish=True`` also makes the new version the published one.
    """
    if not actor.can_edit():
        raise PermissionDenied("You may not change assistants.")
    if publish and not actor.can_publish():
        raise PermissionDenied("You may not publish assistants.")
    assistant = _lock(assistant_id)
    if base_version is not None:
        if base_version != assistant.latest_version_number:
            raise VersionConflict(
                assistant.assistant_id, base_version, assistant.latest_version_number
            )
        base_row = assistant.versions.filter(version=base_version).first()
        if base_row is None:
            raise VersionNotFound(assistant.assistant_id, base_version)
        base = _version_fields(base_row)
    else:
        base = _version_fields(assistant)
    new_graph = graph_id or base["graph_id"]
    _spec(new_graph)
    new_config, new_context = consolidate_config_and_context(
        config=config, context=context, base_config=base["config"], base_context=base["context"]
    )
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
        "description": base["description"] if description is _KEEP else description,
        "metadata": new_metadata,
        "config": new_config,
        "context": new_context,
    }
    # Drafts newer than what is live stop being drafts once a newer version is published; they
    # stay in the history, and the audit entry says which ones were passed over.
    passed_over = (
        list(range(assistant.version + 1, assistant.latest_version_number + 1)) if publish else []
    )
    version = _new_version(assistant=assistant, actor=actor, fields=fields, note=note)
    payload: dict[str, Any] = {
        "base_version": base_version,
        "note": version.note,
        "publish": publish,
    }
    if passed_over:
        payload["passed_over_drafts"] = passed_over
    _audit(
        actor=actor,
        action="version.saved",
        assistant_id=assistant.assistant_id,
        version=version.version,
        payload=payload,
    )
    if publish:
        _publish(assistant=assistant, version=version, actor=actor)
    else:
        assistant.save(update_fields=["latest_version_number"])
    return version


@transaction.atomic
def version_publish(*, actor: Actor, assistant_id: uuid.UUID | str, version: int) -> Assistant:
    """Make an existing version the published one (LangGraph's ``set_latest``; a rollback)."""
    if not actor.can_publish():
        raise PermissionDenied("You may not publish assistants.")
    assistant = _lock(assistant_id)
    row = assistant.versions.filter(version=version).first()
    if row is None:
        raise VersionNotFound(assistant.assistant_id, version)
    if assistant.published_version_id == row.pk:
        # Nothing moves; LangGraph still bumps updated_at on set_latest.
        assistant.updated_at = timezone.now()
        assistant.save(update_fields=["updated_at"])
        return assistant
    _publish(assistant=assistant, version=row, actor=actor)
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
    assistant = _lock(assistant_id)
    if base_version is not None and base_version != assistant.latest_version_number:
        raise VersionConflict(assistant.assistant_id, base_version, assistant.latest_version_number)
    source = assistant.versions.filter(version=version).first()
    if source is None:
        raise VersionNotFound(assistant.assistant_id, version)
    new = _new_version(
        assistant=assistant,
        actor=actor,
        fields=_version_fields(source),
        note=note or f"Restored from version {version}",
        restored_from=version,
    )
    _audit(
        actor=actor,
        action="version.restored",
        assistant_id=assistant.assistant_id,
        version=new.version,
        payload={"restored_from": version},
    )
    if publish:
        _publish(assistant=assistant, version=new, actor=actor)
    else:
        assistant.save(update_fields=["latest_version_number"])
    return new


# --------------------------------------------------------------------------------------------
# Default assistants


def default_assistants_sync(*, registry: Registry | None = None) -> list[Assistant]:
    """Create each registered graph's default assistant if it does not exist yet.

    Safe when several processes start at once: an insert that loses the race hits the primary
    key and is skipped, so each default assistant is created exactly once.
    """
    registry = registry or get_registry()
    created: list[Assistant] = []
    actor = Actor.system_actor()
    for spec in registry.specs():
        pk = default_assistant_id(spec.graph_id)
        if Assistant.objects.filter(pk=pk).exists():
            continue
        fields = {
            "graph_id": spec.graph_id,
            "name": spec.default_name,
            "description": spec.description,
            "metadata": {"created_by": "system"},
            "config": {},
            "context": {},
        }
        try:
            with transaction.atomic():
                created.append(
                    _insert_assistant(pk=pk, fields=fields, actor=actor, note="Default assistant")
                )
        except IntegrityError:
            logger.debug("Default assistant of %s was created by another process", spec.graph_id)
    return created


# --------------------------------------------------------------------------------------------
# API keys


def api_key_create(*, actor: Actor, name: str, read_only: bool = False) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is shown once and never stored."""
    import secrets

    raw = "sk-studio-" + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:18],
            digest=ApiKey.digest_for(raw),
            scope=ApiKey.SCOPE_READ if read_only else ApiKey.SCOPE_WRITE,
        )
        _audit(
            actor=actor,
            action="api_key.created",
            assistant_id=None,
            payload={"name": name, "scope": key.scope},
        )
    return key, raw


def api_key_revoke(*, actor: Actor, keys: Iterable[ApiKey]) -> int:
    count = 0
    with transaction.atomic():
        for key in keys:
            if key.revoked_at is None:
                key.revoked_at = timezone.now()
                key.save(update_fields=["revoked_at"])
                _audit(
                    actor=actor,
                    action="api_key.revoked",
                    assistant_id=None,
                    payload={"name": key.name, "prefix": key.prefix},
                )
                count += 1
    return count
