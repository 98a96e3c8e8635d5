"""Rebasing a draft that a newer live version was published over (an API update, typically).

The page shows, field by field, what the draft and the live version each changed since the
version the draft started from; fields both changed differently are conflicts the editor settles.
Saving creates a new draft on top of the live version (:func:`draft_rebase`); the old draft stays
in the history.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assistants import selectors, services
from assistants.forms import RebaseForm
from assistants.merge import merge_versions
from assistants.models import Assistant
from assistants.services.rebase import draft_rebase
from assistants.views.common import actor_for, can_change, get_assistant, get_version, graph_state
from studio.htmx import HtmxHttpRequest, action_done, render_page

TEMPLATE = "assistants/assistant_rebase.html"


def _page(
    request: HtmxHttpRequest,
    assistant: Assistant,
    passed: selectors.PassedOverDraft,
    *,
    bound: bool = True,
) -> dict[str, Any]:
    """The three versions, their merge, and the form of choices (bound to the POST if any)."""
    graph = graph_state(assistant.graph_id)
    base, draft, live = (
        get_version(assistant, n) for n in (passed.base, passed.draft, passed.live)
    )
    merge = merge_versions(base, draft, live, labels=graph.labels)
    data = request.POST if bound and request.method == "POST" else None
    form = RebaseForm(data, conflicts=merge.conflicts, draft=passed.draft, onto=passed.live)
    return {
        "assistant": assistant,
        "graph": graph,
        "passed": passed,
        "base": base,
        "draft": draft,
        "live": live,
        "merge": merge,
        "form": form,
    }


def _moved(request: HtmxHttpRequest, assistant: Assistant) -> HttpResponse:
    """The assistant changed while the editor chose: nothing saved; show what is true now."""
    assistant.refresh_from_db()
    passed = selectors.passed_over_draft(assistant)
    page: dict[str, Any] = {"assistant": assistant}
    if passed:
        page = _page(request, assistant, passed, bound=False)
    page["moved"] = True
    return render_page(request, TEMPLATE, page, partial="rebase-form", status=409)


@require_http_methods(["GET", "POST"])
@can_change
def assistant_rebase(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    passed = selectors.passed_over_draft(assistant)
    if passed is None:
        raise Http404("No draft of this assistant was passed over by a newer live version.")
    page = _page(request, assistant, passed)
    form: RebaseForm = page["form"]
    if page["graph"].error:  # as on the edit page: nothing can be checked, so nothing is saved
        status = 409 if request.method == "POST" else 200
        return render_page(request, TEMPLATE, page, partial="rebase-form", status=status)
    if request.method == "GET":
        return render_page(request, TEMPLATE, page, partial="rebase-form")
    if not form.is_valid():
        return render_page(request, TEMPLATE, page, partial="rebase-form", status=422)
    if (form.cleaned_data["draft"], form.cleaned_data["onto"]) != (passed.draft, passed.live):
        return _moved(request, assistant)  # published again after the page was opened
    return _save(request, assistant, passed, page)


def _save(
    request: HtmxHttpRequest,
    assistant: Assistant,
    passed: selectors.PassedOverDraft,
    page: dict[str, Any],
) -> HttpResponse:
    form: RebaseForm = page["form"]
    try:
        version = draft_rebase(
            actor=actor_for(request),
            assistant_id=assistant.pk,
            draft=passed.draft,
            base=passed.base,
            onto=passed.live,
            choices=form.choices(),
            note=form.cleaned_data["note"],
        )
    except services.VersionConflict:  # someone saved a version in the meantime
        return _moved(request, assistant)
    except (ValidationError, services.ServiceError) as exc:  # e.g. the merged values do not fit
        form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        return render_page(request, TEMPLATE, page, partial="rebase-form", status=422)
    messages.success(
        request,
        f"Rebased your draft v{passed.draft} onto v{passed.live} as draft v{version.version}. "
        "It is not live until published.",
    )
    url = reverse("assistants:assistant-detail", args=[assistant.pk])
    return action_done(request, url, "version-saved")
