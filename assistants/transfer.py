"""The export file: writing it, and checking one before anything is imported from it.

The file is plain JSON (format ``assistants-studio/v1``): every assistant with all its versions
and its publication history. :func:`export_assistants` reads the database; importing is a
service (:func:`assistants.services.assistants_import`, "restore from export"), which first has
:func:`check_export` judge the whole file, so that a bad file is refused with every problem and
its place, and nothing is written.

Each version's content is judged by the API's own input fields (the validator a ``POST
/assistants`` body goes through): metadata, config and context are objects, strings hold no NUL
or lone surrogate, names fit. What depends on the graphs (registered, loading, context schema)
is judged by the service, with the services' checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assistants.api.fields import text_problem
from assistants.models import Assistant, AssistantVersion
from assistants.transfer_test_inputs import check_test_inputs, export_test_inputs

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
#: What a version holds that a ``POST /assistants`` body also carries (and is judged the same way).
CONTENT_FIELDS = ("graph_id", "name", "description", "metadata", "config", "context")
#: Column lengths of the version and publication rows.
MAX_NOTE = AssistantVersion._meta.get_field("note").max_length or 500
MAX_AUTHOR = AssistantVersion._meta.get_field("author").max_length or 255
BAD_TEXT_MESSAGES = {
    "nul": "Null characters are not allowed.",
    "surrogate": "Must be valid Unicode (no lone UTF-16 surrogates).",
}


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file: where (a path into the file) and what."""

    where: str
    message: str
    assistant_id: str | None = None

    def __str__(self) -> str:
        about = f" (assistant {self.assistant_id})" if self.assistant_id else ""
        return f"{self.where}{about}: {self.message}"


class ImportFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason, each with its place."""

    def __init__(self, problems: list[ImportProblem] | str) -> None:
        if isinstance(problems, str):
            problems = [ImportProblem("file", problems)]
        self.problems = problems
        if len(problems) == 1:
            text = str(problems[0])
        else:
            text = f"{len(problems)} problems; nothing was imported:\n" + "\n".join(
                f"- {problem}" for problem in problems
            )
        super().__init__(text)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO 8601 string (UTC when it has no offset), or None."""
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but out of range (a 30th of February)
        parsed = None
    if parsed is None:
        return None
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


# -- checking a file ---------------------------------------------------------------------------


class _Checker:
    """Collects the problems of one assistant of the file."""

    def __init__(self, problems: list[ImportProblem], assistant_id: str | None) -> None:
        self.problems = problems
        self.assistant_id = assistant_id

    def add(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem(where, message, self.assistant_id))

    def time(self, value: Any, where: str) -> None:
        if parse_time(value) is None:
            self.add(where, f"{value!r} is not an ISO 8601 date-time.")

    def text(self, value: Any, where: str, *, max_length: int, nullable: bool = False) -> None:
        if value is None and nullable:
            return
        if not isinstance(value, str):
            self.add(where, "Must be a string.")
        elif len(value) > max_length:
            self.add(where, f"Must be at most {max_length} characters (it has {len(value)}).")
        elif problem := text_problem(value):
            self.add(where, BAD_TEXT_MESSAGES[problem])

    def number(self, value: Any, where: str, allowed: range, *, nullable: bool) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            self.add(
                where, f"{value!r} is not one of the versions {allowed.start}..{allowed.stop - 1}."
            )


def _content_problems(check: _Checker, version: dict[str, Any], where: str) -> None:
    """Judge a version's content with the API's input fields (the ``POST /assistants`` body)."""
    from assistants.api.serializers import AssistantCreateSerializer

    content = {name: version[name] for name in CONTENT_FIELDS}
    serializer = AssistantCreateSerializer(data=content)
    if not serializer.is_valid():
        for field, errors in serializer.errors.items():
            for message in errors if isinstance(errors, list) else [errors]:
                check.add(f"{where}.{field}", str(message))
        return
    data = serializer.validated_data
    if version["name"] is None:
        check.add(f"{where}.name", "Must be a string.")
    for name in ("metadata", "config", "context"):
        # The API drops reserved keys (LangGraph's rule); an import must not change a version.
        if data.get(name) is not None and data[name] != version[name]:
            check.add(f"{where}.{name}", "Holds keys reserved by LangGraph; remove them.")
    config, context = version["config"] or {}, version["context"] or {}
    configurable = config.get("configurable")
    if configurable and configurable != context:
        check.add(
            f"{where}.config.configurable",
            "Must equal the version's context (each mirrors the other).",
        )


def _check_item(problems: list[ImportProblem], index: int, item: Any, seen: set[str]) -> None:
    where = f"assistants[{index}]"
    if not isinstance(item, dict):
        problems.append(ImportProblem(where, "Must be an object."))
        return
    raw_id = item.get("assistant_id")
    try:
        assistant_id = str(uuid.UUID(str(raw_id)))
    except ValueError:
        problems.append(ImportProblem(f"{where}.assistant_id", f"{raw_id!r} is not a UUID."))
        assistant_id = None
    check = _Checker(problems, assistant_id)
    if assistant_id in seen:
        check.add(f"{where}.assistant_id", "Appears twice in the file.")
    if assistant_id:
        seen.add(assistant_id)
    for key in ("created_at", "updated_at"):
        check.time(item.get(key), f"{where}.{key}")
    versions = item.get("versions")
    if not isinstance(versions, list) or not versions:
        check.add(f"{where}.versions", "Must be a non-empty list.")
        return
    numbers = [v.get("version") if isinstance(v, dict) else None for v in versions]
    if numbers != list(range(1, len(versions) + 1)):
        check.add(f"{where}.versions", f"Must be numbered 1..{len(versions)} without gaps.")
    allowed = range(1, len(versions) + 1)
    for v_index, version in enumerate(versions):
        at = f"{where}.versions[{v_index}]"
        if not isinstance(version, dict):
            check.add(at, "Must be an object.")
            continue
        missing = [name for name in (*VERSION_FIELDS, "created_at") if name not in version]
        if missing:
            check.add(at, f"Lacks {', '.join(missing)}.")
            continue
        check.time(version["created_at"], f"{at}.created_at")
        check.text(version["note"], f"{at}.note", max_length=MAX_NOTE)
        check.text(version["author"], f"{at}.author", max_length=MAX_AUTHOR)
        check.number(
            version["restored_from"], f"{at}.restored_from", range(1, v_index + 1), nullable=True
        )
        _content_problems(check, version, at)
    if problem := check_test_inputs(item, where):
        check.add(f"{where}.test_inputs", problem)
    published = item.get("published_version")
    check.number(published, f"{where}.published_version", allowed, nullable=True)
    publications = item.get("publications", [])
    if not isinstance(publications, list):
        check.add(f"{where}.publications", "Must be a list.")
        return
    for p_index, publication in enumerate(publications):
        at = f"{where}.publications[{p_index}]"
        if not isinstance(publication, dict):
            check.add(at, "Must be an object.")
            continue
        check.number(publication.get("from_version"), f"{at}.from_version", allowed, nullable=True)
        check.number(publication.get("to_version"), f"{at}.to_version", allowed, nullable=False)
        check.text(publication.get("actor", ""), f"{at}.actor", max_length=MAX_AUTHOR)
        check.time(publication.get("created_at"), f"{at}.created_at")


def check_export(data: Any) -> list[dict[str, Any]]:
    """The file's assistants, once every one of them passed; else ``ImportFileError`` listing
    every problem with its place (``assistants[2].versions[0].metadata``) and assistant id."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFileError(f'Not an Assistants Studio export: expected "format": "{FORMAT}".')
    items = data.get("assistants")
    if not isinstance(items, list):
        raise ImportFileError('"assistants" must be a list.')
    problems: list[ImportProblem] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        _check_item(problems, index, item, seen)
    if problems:
        raise ImportFileError(problems)
    return items


__all__ = [
    "FORMAT",
    "VERSION_FIELDS",
    "ImportFileError",
    "ImportProblem",
    "check_export",
    "export_assistants",
    "parse_time",
]
