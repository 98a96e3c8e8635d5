"""Restore assistants with their whole history from an export file ("restore from export").

This is the one service that writes versions with numbers, authors and timestamps it did not
choose: it recreates them exactly as the file has them, so ``export -> import -> export`` gives
the same document, and importing a file twice changes nothing the second time. It writes nothing
until the whole file has passed: the file's own checks (:func:`assistants.transfer.check_export`,
the API's input fields on every version), then, for every version it would write, the checks the
services make on a write of that version (graph registered and loading, context fitting the
graph's schema). Then everything is written in one transaction: all of it, or nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, Publication
from assistants.services.audit import audit_record
from assistants.services.context import check_context, check_graph
from assistants.services.errors import GraphUnavailable
from assistants.transfer import (
    CONTENT_FIELDS,
    VERSION_FIELDS,
    ImportFileError,
    ImportProblem,
    check_export,
    parse_time,
)
from assistants.transfer_test_inputs import import_test_inputs
from graphs.registry import GraphNotFound

__all__ = ["ImportReport", "assistants_import"]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _same_version(row: AssistantVersion, data: dict[str, Any]) -> bool:
    return all(getattr(row, name) == data[name] for name in VERSION_FIELDS)


def _time(value: str) -> Any:
    return parse_time(value)  # checked by check_export: never None here


def _skip_reason(assistant: Assistant | None, item: dict[str, Any]) -> str | None:
    """Why an assistant of the file is left as it is here (None: import it)."""
    if assistant is None:
        return None
    stored = {v.version: v for v in assistant.versions.all()}
    for number, row in stored.items():
        if number > len(item["versions"]) or not _same_version(row, item["versions"][number - 1]):
            return f"its stored version {number} differs from the file's; nothing was changed"
    if len(item.get("publications", [])) <= assistant.publications.count():
        live = assistant.version if assistant.published_version_id else None
        if live != item.get("published_version"):
            # The file is older than this database's publishing history: importing it must not
            # move what is live back.
            return (
                f"its published version here (v{live}) is newer than the file's "
                f"(v{item.get('published_version')}); nothing was changed"
            )
    return None


def _graph_problems(
    index: int, pk: uuid.UUID, item: dict[str, Any], first_new: int, problems: list[ImportProblem]
) -> None:
    """Judge the versions this import would write as the services judge a save of each.

    A version is checked like the write that made it: version 1 like a create, a later one like a
    save on top of the one before (the graph must load; the context is judged when it or the
    graph changed), and a restore must copy the version it names.
    """
    versions = item["versions"]
    for v_index in range(first_new, len(versions)):
        version = versions[v_index]
        at = f"assistants[{index}].versions[{v_index}]"

        def add(where: str, message: str) -> None:
            problems.append(ImportProblem(where, message, str(pk)))

        if version["restored_from"] is not None:
            source = versions[version["restored_from"] - 1]
            if any(version[name] != source[name] for name in CONTENT_FIELDS):
                add(f"{at}.restored_from", "A restore must copy the version it names.")
            continue
        before = versions[v_index - 1] if v_index else None
        try:
            check_graph(graph_id=version["graph_id"], config=version["config"])
            if before is None or (version["context"], version["graph_id"]) != (
                before["context"],
                before["graph_id"],
            ):
                check_context(
                    graph_id=version["graph_id"],
                    context=version["context"],
                    config=version["config"],
                )
        except GraphNotFound as exc:
            add(f"{at}.graph_id", str(exc))
        except GraphUnavailable as exc:
            add(f"{at}.graph_id", str(exc))
        except ValidationError as exc:
            from graphs.validation import validation_errors_as_list

            for error in validation_errors_as_list(exc, prefix="context"):
                add(".".join([at, *(str(p) for p in error["loc"])]), error["msg"])


def assistants_import(*, actor: Actor, data: Any) -> ImportReport:
    """Import an export document, all or nothing.

    An assistant that exists already gets the versions and publications it lacks; one whose
    stored history differs from the file's (or whose live version here is newer than the file's)
    is skipped and reported, never overwritten. Any problem anywhere in the file raises
    :class:`~assistants.transfer.ImportFileError` listing them all, and nothing is written.
    """
    if not (actor.can_create() and actor.can_publish()):
        # An import creates assistants and sets what is live.
        raise PermissionDenied("You may not import assistants.")
    items = check_export(data)
    ids = [uuid.UUID(item["assistant_id"]) for item in items]
    report = ImportReport()
    with transaction.atomic():
        existing = {
            a.pk: a
            for a in Assistant.objects.select_for_update()
            .filter(pk__in=ids)
            .prefetch_related("versions")
        }
        plan: list[tuple[dict[str, Any], Assistant | None]] = []
        problems: list[ImportProblem] = []
        for index, (pk, item) in enumerate(zip(ids, items, strict=True)):
            assistant = existing.get(pk)
            reason = _skip_reason(assistant, item)
            if reason:
                report.skipped[str(pk)] = reason
                continue
            stored = assistant.latest_version_number if assistant else 0
            _graph_problems(index, pk, item, stored, problems)
            plan.append((item, assistant))
        if problems:
            raise ImportFileError(problems)
        for item, assistant in plan:
            outcome = _import_one(actor=actor, item=item, assistant=assistant)
            getattr(report, outcome).append(str(uuid.UUID(item["assistant_id"])))
    return report


def _import_one(*, actor: Actor, item: dict[str, Any], assistant: Assistant | None) -> str:
    pk = uuid.UUID(item["assistant_id"])
    created = assistant is None
    if assistant is None:
        assistant = Assistant(
            assistant_id=pk,
            created_at=_time(item["created_at"]),
            graph_id=item["versions"][0]["graph_id"],
        )
        assistant.save(force_insert=True)
    stored = assistant.latest_version_number
    known_publications = 0 if created else assistant.publications.count()
    added = 0
    for data in item["versions"][stored:]:
        AssistantVersion.objects.create(
            assistant=assistant,
            created_at=_time(data["created_at"]),
            **{name: data[name] for name in VERSION_FIELDS},
        )
        added += 1
    for data in item.get("publications", [])[known_publications:]:
        Publication.objects.create(
            assistant=assistant,
            from_version=data.get("from_version"),
            to_version=data["to_version"],
            actor=data.get("actor", ""),
            created_at=_time(data["created_at"]),
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
    for name in CONTENT_FIELDS:
        setattr(assistant, name, getattr(source, name))
    assistant.version = source.version
    assistant.published_version = published
    assistant.latest_version_number = latest
    assistant.updated_at = _time(item["updated_at"])
    assistant.save()
    audit_record(
        actor=actor,
        action="assistant.imported",
        assistant_id=pk,
        version=latest,
        payload={"rows_added": added, "created": created},
    )
    return "created" if created else "updated"
