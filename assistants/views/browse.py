"""Looking around: the list of assistants, one assistant's page, and one version."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from assistants import selectors
from assistants.diff import changed_only, diff_versions
from assistants.forms import AssistantFilterForm
from assistants.models import Assistant, AssistantVersion
from assistants.views.common import can_view, get_assistant, get_version, graph_state
from graphs.forms import describe_context
from studio.htmx import HtmxHttpRequest, render_page

#: Assistants per page of the list.
PAGE_SIZE = 20
#: Versions per page of an assistant's history table.
HISTORY_PAGE_SIZE = 25
#: The regions of the assistant page that HTMX may ask for (``HX-Target``).
DETAIL_REGIONS = ("summary", "published", "draft", "versions", "publications")


@require_GET
@can_view
def assistant_list(request: HtmxHttpRequest) -> HttpResponse:
    from graphs.registry import get_registry

    filters = AssistantFilterForm(request.GET, graph_ids=get_registry().graph_ids())
    rows = selectors.assistant_list(**filters.values())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "is_filtered": any(filters.values().values()),
    }
    return render_page(request, "assistants/assistant_list.html", context, partial="results")


@require_GET
@can_view
def assistant_detail(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    target = request.htmx.target if request.htmx else None
    partial = target if target in DETAIL_REGIONS else "versions"
    context = detail_context(request, assistant)
    return render_page(request, "assistants/assistant_detail.html", context, partial=partial)


@require_GET
@can_view
def version_detail(request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    row = get_version(assistant, version)
    graph = graph_state(assistant.graph_id)
    context = {
        "assistant": assistant,
        "version": row,
        "graph": graph,
        "rows": describe_context(graph.schema, row.context),
    }
    return render_page(request, "assistants/version_detail.html", context)


def history_page(
    request: HtmxHttpRequest, assistant: Assistant
) -> tuple[list[AssistantVersion], int, bool]:
    """One page of the history, newest first: ``(rows, page number, older pages exist)``.

    Reads one row past the page instead of counting, so a long history costs one query.
    """
    raw = str(request.GET.get("history", "1"))
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    start = (page - 1) * HISTORY_PAGE_SIZE
    rows = list(selectors.assistant_versions(assistant)[start : start + HISTORY_PAGE_SIZE + 1])
    return rows[:HISTORY_PAGE_SIZE], page, len(rows) > HISTORY_PAGE_SIZE


def detail_context(request: HtmxHttpRequest, assistant: Assistant) -> dict[str, Any]:
    """Everything the assistant page and its regions show."""
    graph = graph_state(assistant.graph_id)
    versions, page, older = history_page(request, assistant)
    published = next((v for v in versions if v.version == assistant.version), None)
    if published is None and assistant.published_version_id:
        published = (
            selectors.assistant_versions(assistant).filter(version=assistant.version).first()
        )
    draft = get_version(assistant, assistant.latest_version_number) if assistant.has_draft else None
    return {
        "assistant": assistant,
        "graph": graph,
        "published_rows": describe_context(graph.schema, assistant.context),
        "published": published,
        "history_page": page,
        "history_older": older,
        "draft": draft,
        "draft_changes": changed_only(diff_versions(assistant, draft, labels=graph.labels))
        if draft
        else [],
        "versions": versions,
        "publications": selectors.publication_history(assistant),
        # Editors are told when a newer live version was published over their draft.
        "passed_over": selectors.passed_over_draft(assistant)
        if request.user.has_perm("assistants.change_assistant")
        else None,
    }
