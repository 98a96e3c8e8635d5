"""Compare with live: start a comparison, watch it (a progress bar polled by HTMX), read the
results table; and the assistant's publish-gate setting."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assistants import services
from assistants.comparison_display import comparison_rows, graph_input_schema, panel_context
from assistants.models import Comparison
from assistants.services.comparisons import MAX_REPEATS, comparison_create, comparison_refresh
from assistants.services.gate import assistant_gate_set, failing_checks
from assistants.views.common import (
    actor_for,
    can_change,
    can_publish,
    can_view,
    get_assistant,
    get_version,
)
from studio.htmx import HtmxHttpRequest, action_done, render_page

__all__ = ["assistant_gate", "comparison_create_view", "comparison_detail", "comparison_panel"]

DETAIL = "assistants/comparison_detail.html"


def _repeats(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 0  # refused by the service with a clear message


@require_POST
@can_change
def comparison_create_view(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    get_version(assistant, version)
    try:
        comparison = comparison_create(
            actor=actor_for(request),
            assistant_id=assistant.pk,
            version=version,
            repeats=_repeats(request.POST.get("repeats")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        url = reverse("assistants:comparison-detail", args=[comparison.pk])
        return action_done(request, url, "comparison-started")
    url = reverse("assistants:testinput-list", args=[assistant.pk])
    return action_done(request, url, "comparison-refused")


@require_GET
@can_view
def comparison_detail(request: HtmxHttpRequest, comparison_id: uuid.UUID) -> HttpResponse:
    comparison = get_object_or_404(Comparison.objects.select_related("assistant"), pk=comparison_id)
    comparison = comparison_refresh(comparison_id=comparison.pk)
    context: dict[str, Any] = {
        "assistant": comparison.assistant,
        "comparison": comparison,
        "rows": comparison_rows(comparison, graph_input_schema(comparison.assistant.graph_id))
        if comparison.is_finished
        else [],
        "failing": failing_checks(comparison) if comparison.is_finished else [],
        "max_repeats": MAX_REPEATS,
        # Next step offered when the candidate passes: publishing it (if it is not live yet).
        "may_publish": request.user.has_perm("assistants.publish_assistant")
        and comparison.candidate_version != comparison.assistant.version,
    }
    return render_page(request, DETAIL, context, partial="comparison-live")


@require_GET
@can_view
def comparison_panel(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    """The assistant page's checks section (loaded by HTMX; the page links test inputs)."""
    context = panel_context(get_assistant(assistant_id))
    return render_page(request, "assistants/_comparison_panel.html", context)


@require_POST
@can_publish
def assistant_gate(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    required = request.POST.get("require_passing_checks") in ("on", "true", "1")
    assistant_gate_set(actor=actor_for(request), assistant_id=assistant.pk, required=required)
    messages.success(
        request,
        "Publishing now requires passing checks."
        if required
        else "Publishing no longer requires passing checks.",
    )
    url = reverse("assistants:assistant-detail", args=[assistant.pk])
    return action_done(request, url, "gate-changed")
