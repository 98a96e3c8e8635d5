"""Working with the history: compare two versions, publish one, restore one as a draft, and
delete the assistant. Every action asks for confirmation first (a dialog with HTMX, a page
without), names what it replaces and shows the changes it makes."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from assistants import selectors, services
from assistants.diff import changed_only, diff_versions
from assistants.models import Assistant, AssistantVersion
from assistants.services.gate import gate_refusal
from assistants.views.browse import detail_context
from assistants.views.common import (
    actor_for,
    can_change,
    can_delete,
    can_publish,
    can_view,
    get_assistant,
    get_version,
    graph_state,
)
from graphs.prompts import context_prompt_changes
from studio.htmx import (
    HtmxHttpRequest,
    action_done,
    oob_messages_and_closed_dialog,
    render_page,
)


def _version_number(value: str | None, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(str(value).lstrip("v"))
    except ValueError:
        raise Http404(f"“{value}” is not a version number.") from None


@require_GET
@can_view
def version_compare(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    left = get_version(assistant, _version_number(request.GET.get("a"), assistant.version))
    right = get_version(
        assistant, _version_number(request.GET.get("b"), assistant.latest_version_number)
    )
    graph = graph_state(assistant.graph_id, variables=True)
    changes = diff_versions(left, right, labels=graph.labels)
    context = {
        "assistant": assistant,
        "left": left,
        "right": right,
        "changed": changed_only(changes),
        "unchanged": [c for c in changes if not c.changed],
        "numbers": list(selectors.assistant_versions(assistant).values_list("version", flat=True)),
        # Prompts whose {variables} changed, keyed like the diff's paths ("context.<field>").
        "variable_changes": {
            f"context.{path}": vc
            for path, vc in context_prompt_changes(
                graph.schema, left.context, right.context, graph.known_variables
            ).items()
        },
    }
    return render_page(request, "assistants/version_compare.html", context, partial="comparison")


# -- publish and restore ---------------------------------------------------------------------------


def _confirm(
    request: HtmxHttpRequest, assistant: Assistant, row: AssistantVersion, action: str
) -> HttpResponse:
    graph = graph_state(assistant.graph_id)
    refusal: str | None = None  # what the service would refuse with, said before the click
    if action == "publish" and row.version != assistant.version:
        refusal = gate_refusal(assistant=assistant, version=row.version)
    elif action == "restore" and graph.error:
        refusal = graph.error
    labels = graph.labels
    context = {
        "assistant": assistant,
        "version": row,
        "action": action,
        "refusal": refusal,
        "changes": changed_only(
            diff_versions(assistant.published_version or assistant, row, labels=labels)
        ),
    }
    return render_page(request, "assistants/version_confirm.html", context, partial="dialog")


def _after_history_action(
    request: HtmxHttpRequest, assistant: Assistant, trigger: str
) -> HttpResponse:
    """PRG to the assistant page; for HTMX the refreshed history, messages and the event."""
    if not request.htmx:
        return redirect(reverse("assistants:assistant-detail", args=[assistant.pk]))
    assistant.refresh_from_db()
    response = render(
        request, "assistants/assistant_detail.html#versions", detail_context(request, assistant)
    )
    response.content += oob_messages_and_closed_dialog(request)
    return trigger_client_event(response, trigger)


@require_GET
@can_publish
def version_publish_confirm(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    return _confirm(request, assistant, get_version(assistant, version), "publish")


@require_POST
@can_publish
def version_publish(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    previous = assistant.version
    get_version(assistant, version)
    try:
        services.version_publish(
            actor=actor_for(request), assistant_id=assistant.pk, version=version
        )
    except services.PublishGateClosed as exc:  # the assistant requires passing checks
        messages.error(request, str(exc))
        return _after_history_action(request, assistant, "version-publish-refused")
    if previous == version:
        messages.info(request, f"v{version} of “{assistant.name}” was already live.")
    else:
        messages.success(
            request, f"v{version} of “{assistant.name}” is live (it replaces v{previous})."
        )
    return _after_history_action(request, assistant, "version-published")


@require_GET
@can_change
def version_restore_confirm(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    return _confirm(request, assistant, get_version(assistant, version), "restore")


@require_POST
@can_change
def version_restore(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    get_version(assistant, version)
    try:
        new = services.version_restore(
            actor=actor_for(request), assistant_id=assistant.pk, version=version
        )
    except services.GraphUnavailable as exc:  # nothing is stored for a graph that fails to load
        messages.error(request, str(exc))
        return _after_history_action(request, assistant, "version-restore-refused")
    messages.success(
        request, f"Restored v{version} as draft v{new.version}. Publish it to make it live."
    )
    return _after_history_action(request, assistant, "version-restored")


# -- delete ----------------------------------------------------------------------------------------


@require_GET
@can_delete
def assistant_delete_confirm(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    context = {"assistant": get_assistant(assistant_id)}
    return render_page(
        request, "assistants/assistant_delete_confirm.html", context, partial="dialog"
    )


@require_POST
@can_delete
def assistant_delete(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    try:
        services.assistant_delete(actor=actor_for(request), assistant_id=assistant.pk)
    except services.AssistantNotFound:
        raise Http404("This assistant does not exist any more.") from None
    messages.success(
        request, f"Deleted “{assistant.name}” and its {assistant.latest_version_number} versions."
    )
    return action_done(request, reverse("assistants:assistant-list"), "assistant-deleted")
