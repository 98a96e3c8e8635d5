"""Export and import of assistants with every version and the publication history.

The file is plain JSON (format ``assistants-studio/v1``). An import recreates versions with their
original numbers, authors and timestamps, so ``export -> import -> export`` gives the same
document, and importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from assistants.transfer_test_inputs import (
    check_test_inputs,
    export_test_inputs,
    import_test_inputs,
)

FORMAT = "assistants-studio/v1"
VERSION_FIELDS = (
    "version",
    "graph_id",
    "name",
    "description",
    "metadata",
    "config",
    "context",
    "note",
    "author",
    "restored_from",
)


class ImportFileError(ValueError):
    """The file is not an export this studio can read; the message says what is wrong."""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _parse_time(value: Any, where: str) -> dt.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ImportFileError(f"{where}: {value!r} is not an ISO 8601 date-time.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def export_assistants(queryset: QuerySet[Assistant] | None = None) -> dict[str, Any]:
    """The export document for ``queryset`` (default: every assistant), in a stable order."""
    assistants = (queryset if queryset is not None else Assistant.objects.all()).order_by(
        "created_at", "assistant_id"
    )
    assistants = assistants.prefetch_related("versions", "publications")
    items = []
    for assistant in assistants:
        versions = sorted(assistant.versions.all(), key=lambda v: v.version)
        publications = sorted(assistant.publications.all(), key=lambda p: (p.created_at, p.pk))
        items.append(
            {
                "assistant_id": str(assistant.assistant_id),
                "created_at": _iso(assistant.created_at),
                "updated_at": _iso(assistant.updated_at),
                "published_version": assistant.version if assistant.published_version_id else None,
                "versions": [
                    {
                        **{name: getattr(v, name) for name in VERSION_FIELDS},
                        "created_at": _iso(v.created_at),
                    }
                    for v in versions
                ],
                "publications": [
                    {
                        "from_version": p.from_version,
                        "to_version": p.to_version,
                        "actor": p.actor,
                        "created_at": _iso(p.created_at),
                    }
                    for p in publications
                ],
                **export_test_inputs(assistant),
            }
        )
    return {"format": FORMAT, "exported_at": _iso(timezone.now()), "assistants": items}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _check_document(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFileError(f'Not an Assistants Studio export: expected "format": "{FORMAT}".')
    items = data.get("assistants")
    if not isinstance(items, list):
        raise ImportFileError('"assistants" must be a list.')
    for index, item in enumerate(items):
        where = f"assistants[{index}]"
        if not isinstance(item, dict):
            raise ImportFileError(f"{where} must be an object.")
        try:
            uuid.UUID(str(item.get("assistant_id")))
        except ValueError:
            raise ImportFileError(f"{where}.assistant_id is not a UUID.") from None
        for key in ("created_at", "updated_at"):
            _parse_time(item.get(key), f"{where}.{key}")
        versions = item.get("versions")
        if not isinstance(versions, list) or not versions:
            raise ImportFileError(f"{where}.versions must be a non-empty list.")
        numbers = [v.get("version") if isinstance(v, dict) else None for v in versions]
        if numbers != list(range(1, len(versions) + 1)):
            raise ImportFileError(
                f"{where}.versions must be numbered 1..{len(versions)} without gaps."
            )
        for v_index, version in enumerate(versions):
            missing = [name for name in (*VERSION_FIELDS, "created_at") if name not in version]
            if missing:
                raise ImportFileError(f"{where}.versions[{v_index}] lacks {', '.join(missing)}.")
            _parse_time(version["created_at"], f"{where}.versions[{v_index}].created_at")
        if problem := check_test_inputs(item, where):
            raise ImportFileError(problem)
        published = item.get("published_version")
        if published is not None and published not in numbers:
            raise ImportFileError(
                f"{where}.published_version {published!r} is not one of its versions."
            )
    return items


def _same_version(row: AssistantVersion, data: dict[str, Any]) -> bool:
    return all(getattr(row, name) == data[name] for name in VERSION_FIELDS)


def import_assistants(*, actor: Actor, data: Any) -> ImportReport:
    """Import an export document. Each assistant is imported in its own transaction.

    An assistant that exists already gets the versions and publications it lacks; one whose
    stored history differs from the file's is skipped and reported, never overwritten.
    """
    items = _check_document(data)
    report = ImportReport()
    for item in items:
        pk = uuid.UUID(item["assistant_id"])
        with transaction.atomic():
            outcome = _import_one(actor=actor, pk=pk, item=item)
        if outcome.startswith("skipped:"):
            report.skipped[str(pk)] = outcome.removeprefix("skipped:")
        else:
            getattr(report, outcome).append(str(pk))
    return report


def _import_one(*, actor: Actor, pk: uuid.UUID, item: dict[str, Any]) -> str:
    assistant = Assistant.objects.select_for_update().filter(pk=pk).first()
    created = assistant is None
    if assistant is None:
        assistant = Assistant(
            assistant_id=pk,
            created_at=_parse_time(item["created_at"], "created_at"),
            graph_id=item["versions"][0]["graph_id"],
        )
        assistant.save(force_insert=True)
    stored = {v.version: v for v in assistant.versions.all()}
    for number, row in stored.items():
        if number > len(item["versions"]) or not _same_version(row, item["versions"][number - 1]):
            return (
                f"skipped:its stored version {number} differs from the file's; nothing was changed"
            )
    known_publications = assistant.publications.count()
    file_publications = item.get("publications", [])
    if not created and len(file_publications) <= known_publications:
        live = assistant.version if assistant.published_version_id else None
        if live != item.get("published_version"):
            # The file is older than this database's publishing history: importing it must not
            # move what is live back.
            return (
                f"skipped:its published version here (v{live}) is newer than the file's "
                f"(v{item.get('published_version')}); nothing was changed"
            )
    added = 0
    for data in item["versions"][len(stored) :]:
        AssistantVersion.objects.create(
            assistant=assistant,
            created_at=_parse_time(data["created_at"], "version created_at"),
            **{name: data[name] for name in VERSION_FIELDS},
        )
        added += 1
    for data in file_publications[known_publications:]:
        Publication.objects.create(
            assistant=assistant,
            from_version=data.get("from_version"),
            to_version=data["to_version"],
            actor=data.get("actor", ""),
            created_at=_parse_time(data["created_at"], "publication created_at"),
        )
        added += 1
    added += import_test_inputs(assistant, item)
    published_number = item.get("published_version")
    published = (
        assistant.versions.filter(version=published_number).first() if published_number else None
    )
    latest = len(item["versions"])
    changed = (
        created
        or added
        or assistant.latest_version_number != latest
        or (assistant.published_version_id != (published.pk if published else None))
    )
    if not changed:
        return "unchanged"
    source = published or assistant.versions.get(version=latest)
    for name in ("graph_id", "name", "description", "metadata", "config", "context"):
        setattr(assistant, name, getattr(source, name))
    assistant.version = source.version
    assistant.published_version = published
    assistant.latest_version_number = latest
    assistant.updated_at = _parse_time(item["updated_at"], "updated_at")
    assistant.save()
    AuditEntry.objects.create(
        action="assistant.imported",
        actor=actor.label,
        actor_user=actor.user_or_none,
        assistant_id=pk,
        version=latest,
        payload={"rows_added": added, "created": created},
    )
    return "created" if created else "updated"
