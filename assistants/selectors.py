"""Read queries for the pages (the API's searches are in :mod:`assistants.api.selectors`).

Both read through one visibility rule, :meth:`AssistantQuerySet.visible` (assistants of registered
graphs), and share :func:`assistant_get`. Each query here returns a queryset (or rows) whose query
count does not grow with the number of assistants or versions shown: the last change and its
author come from a join on the newest version, never from one query per row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from assistants import counts
from assistants.models import (
    Assistant,
    AssistantQuerySet,
    AssistantVersion,
    AuditEntry,
    Publication,
)
from assistants.services.errors import AssistantNotFound

__all__ = [
    "STATUS_CHOICES",
    "assistant_get",
    "assistant_list",
    "assistant_versions",
    "graph_assistant_counts",
    "passed_over_draft",
    "publication_history",
]

STATUS_CHOICES = [
    ("", "Any status"),
    ("published", "Published, no draft"),
    ("draft", "Has an unpublished draft"),
]


#: Below this many matching assistants, the list page joins their newest versions and sorts them
#: (cost grows with the matches); at or above it, it walks the newest versions in time order
#: (index ``assistant_version_created``) until the page is full (cost grows with the page).
FILTER_FIRST_BELOW = 5000


class AssistantListQuerySet(AssistantQuerySet):
    """The list page's rows: each assistant joined to its newest version, newest change first.

    ``count()`` counts the filtered assistants without the join (each assistant has exactly one
    newest version, ``unique_assistant_version``): it reads the assistants table (or one of its
    indexes) only, and is kept until an assistant changes (:mod:`assistants.counts`: exact,
    so a very long list does not count 100,000 rows on every view). The number also picks how the
    page's rows are read (see :data:`FILTER_FIRST_BELOW`): the paginator always counts before it
    slices.
    """

    # Set on the queryset the selector returns (not carried over to its clones, which count
    # and order the plain way): the paginator counts and slices that very object.
    _matches: QuerySet[Assistant] | None = None
    _known_count: int | None = None

    def count(self) -> int:
        if self._result_cache is not None or self._matches is None:
            return super().count()
        self._known_count = counts.queryset_count(self._matches)
        return self._known_count

    def __getitem__(self, k: Any) -> Any:
        if self._known_count is not None and self._result_cache is None:
            # Few matches: keep the planner from walking every version in time order to find
            # them (order on an expression no index serves): join the matches, then sort.
            # Many: walk the newest versions in time order until the page is full.
            indexed = self._known_count >= FILTER_FIRST_BELOW
            return self.order_by(*_ordering(indexed=indexed))[k]
        return super().__getitem__(k)


def _ordering(*, indexed: bool) -> list[Any]:
    changed: Any = F("versions__created_at")
    if not indexed:
        changed = Coalesce(changed, F("updated_at"))  # same value: created_at is never null
    return [changed.desc(), F("name").asc(), F("pk").asc()]


def assistant_get(assistant_id: uuid.UUID | str) -> Assistant:
    """One visible assistant (:meth:`AssistantQuerySet.visible`), for the pages and the API alike.

    ``AssistantNotFound`` when there is none: unknown, malformed or of an unregistered graph.
    """
    try:
        return Assistant.objects.visible().get(pk=assistant_id)
    except (Assistant.DoesNotExist, ValidationError, ValueError):
        raise AssistantNotFound(assistant_id) from None


def assistant_list(*, query: str = "", graph_id: str = "", status: str = "") -> QuerySet[Assistant]:
    """Assistants matching the filters, most recently changed first.

    Each row carries ``last_changed_at``, ``last_author`` and ``last_note`` (from its newest
    version, joined on ``version = latest_version_number``); the configuration columns are left
    out, the list never shows them. An assistant always has its newest version (the services
    write both in one transaction), so the join loses no row.
    """
    matches: Any = Assistant.objects.visible()
    if query.strip():
        matches = matches.name_contains(query.strip())
    if graph_id:
        matches = matches.for_graph(graph_id)
    if status == "draft":
        matches = matches.with_draft()
    elif status == "published":
        matches = matches.filter(latest_version_number__lte=F("version"))
    rows = (
        matches.defer("config", "context", "metadata")
        .filter(versions__version=F("latest_version_number"))
        .annotate(
            last_changed_at=F("versions__created_at"),
            last_author=F("versions__author"),
            last_note=F("versions__note"),
        )
    )
    # A filter whose matches the planner cannot estimate well (a name, a status) could make it
    # walk every version in time order looking for a few matches: until the count is known,
    # such lists join first. Graph ids have good statistics (few values).
    indexed = not (query.strip() or status)
    ordered = rows.order_by(*_ordering(indexed=indexed))
    listed = AssistantListQuerySet(model=Assistant, query=ordered.query, using=ordered.db)
    listed._matches = matches
    return listed


def assistant_versions(assistant: Assistant) -> QuerySet[AssistantVersion]:
    """The history table: every version, newest first, without the configurations."""
    return (
        AssistantVersion.objects.filter(assistant=assistant)
        .defer("config", "context", "metadata", "description")
        .order_by("-version")
    )


def publication_history(assistant: Assistant, limit: int = 10) -> list[Publication]:
    return list(
        Publication.objects.filter(assistant=assistant).order_by("-created_at", "-id")[:limit]
    )


def graph_assistant_counts() -> dict[str, int]:
    """graph id -> number of assistants, in one query."""
    from django.db.models import Count

    counts: dict[str, Any] = dict(
        Assistant.objects.order_by()
        .values_list("graph_id")
        .annotate(n=Count("pk"))
        .values_list("graph_id", "n")
    )
    return {str(k): int(v) for k, v in counts.items()}


def author_label(author: str | None) -> str:
    """``"user:eddie"`` -> ``"eddie"``; API keys and the system keep their label."""
    if not author:
        return "—"
    return author.removeprefix("user:")


@dataclass(frozen=True)
class PassedOverDraft:
    """A draft that a newer live version was published over (an API ``PATCH``, typically).

    ``base`` is the version that was live when the draft was written: the draft and the new live
    version both start from it, which makes it the base of a three-way merge (a rebase).
    """

    draft: int
    base: int
    live: int
    by: str
    at: datetime


#: Audit entries :func:`passed_over_draft` reads back at most (one query).
PASSED_OVER_SCAN = 50


def passed_over_draft(assistant: Assistant) -> PassedOverDraft | None:
    """The draft the live version was published over, if no editor has acted since.

    Read from the audit trail: the publishing save records the drafts it passed over. Any save
    by an editor since (a draft, a restore, a rebase) means they have moved on; so does a new
    draft. Saves that only publish (more API updates) keep the notice.
    """
    if assistant.has_draft:
        return None
    entries = AuditEntry.objects.filter(
        assistant_id=assistant.pk, action__in=("version.saved", "version.restored")
    ).order_by("-created_at", "-id")[:PASSED_OVER_SCAN]
    for entry in entries:
        payload = entry.payload if isinstance(entry.payload, dict) else {}
        if entry.action != "version.saved" or payload.get("base_version") is not None:
            return None
        if not payload.get("publish"):
            return None
        passed = [n for n in payload.get("passed_over_drafts") or [] if isinstance(n, int)]
        if passed:
            return PassedOverDraft(
                draft=max(passed),
                base=min(passed) - 1,
                live=assistant.version,
                by=author_label(entry.actor),
                at=entry.created_at,
            )
    return None
