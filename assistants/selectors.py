"""Read queries for the pages. Each returns a queryset (or rows) whose query count does not grow
with the number of assistants or versions shown: the last change and its author come from
subqueries on the newest version, never from one query per row."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from assistants.models import Assistant, AssistantVersion, Publication

__all__ = [
    "STATUS_CHOICES",
    "assistant_list",
    "assistant_versions",
    "graph_assistant_counts",
    "publication_history",
]

STATUS_CHOICES = [
    ("", "Any status"),
    ("published", "Published, no draft"),
    ("draft", "Has an unpublished draft"),
]


def _newest_version(field: str) -> Subquery:
    newest = AssistantVersion.objects.filter(
        assistant=OuterRef("pk"), version=OuterRef("latest_version_number")
    ).values(field)[:1]
    return Subquery(newest)


def assistant_list(*, query: str = "", graph_id: str = "", status: str = "") -> QuerySet[Assistant]:
    """Assistants matching the filters, most recently changed first.

    Each row carries ``last_changed_at``, ``last_author`` and ``last_note`` (from its newest
    version); the configuration columns are left out, the list never shows them.
    """
    rows: Any = Assistant.objects.defer("config", "context", "metadata").annotate(
        last_changed_at=Coalesce(_newest_version("created_at"), F("updated_at")),
        last_author=_newest_version("author"),
        last_note=_newest_version("note"),
    )
    if query.strip():
        rows = rows.name_contains(query.strip())
    if graph_id:
        rows = rows.for_graph(graph_id)
    if status == "draft":
        rows = rows.with_draft()
    elif status == "published":
        rows = rows.filter(latest_version_number__lte=F("version"))
    return rows.order_by("-last_changed_at", "name", "pk")


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
