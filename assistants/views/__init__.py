"""The business users' pages: list, detail, create, edit, compare, publish, restore, delete.

Small function views, one per action: access check (decorators), form, service, response.
An HTMX request gets the page's partial (``page.html#partial``) and, after an action, an
``HX-Trigger`` event that other regions of the page listen to; a plain request gets the whole
page or a redirect (Post/Redirect/Get), so every page also works without JavaScript.
Invalid forms answer 422 and a save based on an outdated version 409, with the user's input kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from assistants import selectors, services
from assistants.actors import Actor
from assistants.diff import diff_versions
from assistants.forms import (
    AssistantDetailsForm,
    AssistantFilterForm,
    DuplicateForm,
    VersionNoteForm,
)
from assistants.models import Assistant, AssistantVersion
from graphs.forms import LIST_ACTION, ContextForm, apply_list_action, describe_context, field_labels

PAGE_SIZE = 20
DETAIL_REGIONS = ("summary", "published", "draft", "versions", "publications")

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checkers)."""

    htmx: HtmxDetails


def role_required(perm: str) -> Callable[[View], View]:
    """Signed in (else the login page) and holding ``perm`` (else 403)."""

    def decorator(view: View) -> View:
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


can_view = role_required("assistants.view_assistant")
can_add = role_required("assistants.add_assistant")
can_change = role_required("assistants.change_assistant")
can_publish = role_required("assistants.publish_assistant")
can_delete = role_required("assistants.delete_assistant")


# -- helpers ---------------------------------------------------------------------------------------


@dataclass
class GraphState:
    """What the pages need from a graph; ``error`` is set when it cannot be used."""

    graph_id: str
    spec: Any = None
    error: str | None = None
    schema: dict[str, Any] | None = None
    known_variables: frozenset[str] | None = None

    @property
    def labels(self) -> dict[str, str]:
        return field_labels(self.schema)


def graph_state(graph_id: str, *, variables: bool = False) -> GraphState:
    """Load a graph's context schema; a missing or broken graph is reported, never raised."""
    from graphs.forms import known_prompt_variables
    from graphs.registry import GraphNotFound, get_registry
    from graphs.schemas import graph_context_schema

    try:
        spec = get_registry().get(graph_id)
    except GraphNotFound:
        return GraphState(graph_id, error=f"The graph “{graph_id}” is not registered any more.")
    error = spec.error
    if error:
        return GraphState(graph_id, spec=spec, error=error)
    try:
        schema = graph_context_schema(spec)
    except Exception as exc:  # a schema bug must not take the page down
        return GraphState(graph_id, spec=spec, error=f"The graph's schema cannot be read: {exc}")
    known = known_prompt_variables(spec) if variables else None
    return GraphState(graph_id, spec=spec, schema=schema, known_variables=known)


def _actor(request: HtmxHttpRequest) -> Actor:
    return Actor(user=request.user)


def _assistant(assistant_id: uuid.UUID) -> Assistant:
    return get_object_or_404(Assistant, pk=assistant_id)


def _version(assistant: Assistant, number: int) -> AssistantVersion:
    try:
        return assistant.versions.get(version=number)
    except AssistantVersion.DoesNotExist:
        raise Http404(f"Version {number} of {assistant.name} does not exist.") from None


def _page(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
    trigger: str | None = None,
) -> HttpResponse:
    """The whole page, or ``template#partial`` for an HTMX request."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    if trigger:
        trigger_client_event(response, trigger)
    return response


def _done(request: HtmxHttpRequest, url: str, trigger: str) -> HttpResponse:
    """After a successful action: redirect (HTMX: a client-side redirect plus the event)."""
    if request.htmx:
        return trigger_client_event(HttpResponseClientRedirect(url), trigger)
    return redirect(url)


def _oob(request: HtmxHttpRequest) -> str:
    """Out-of-band swaps sent with an HTMX action: fresh messages and a closed dialog."""
    return render_to_string("base.html#messages", {"oob": True}, request=request) + (
        '<div id="dialog-slot" hx-swap-oob="true"></div>'
    )


#: Versions per page of an assistant's history table.
HISTORY_PAGE_SIZE = 25


def _history_page(request: HtmxHttpRequest, assistant: Assistant) -> tuple[list[Any], int, bool]:
    """One page of the history, newest first: ``(rows, page number, older pages exist)``.

    Reads one row past the page instead of counting, so a long history costs one query.
    """
    raw = str(request.GET.get("history", "1"))
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    start = (page - 1) * HISTORY_PAGE_SIZE
    rows = list(selectors.assistant_versions(assistant)[start : start + HISTORY_PAGE_SIZE + 1])
    return rows[:HISTORY_PAGE_SIZE], page, len(rows) > HISTORY_PAGE_SIZE


def _detail_context(request: HtmxHttpRequest, assistant: Assistant) -> dict[str, Any]:
    graph = graph_state(assistant.graph_id)
    versions, history_page, older = _history_page(request, assistant)
    published = next((v for v in versions if v.version == assistant.version), None)
    if published is None and assistant.published_version_id:
        published = (
            selectors.assistant_versions(assistant).filter(version=assistant.version).first()
        )
    draft = _version(assistant, assistant.latest_version_number) if assistant.has_draft else None
    draft_changes = (
        [c for c in diff_versions(assistant, draft, labels=graph.labels) if c.kind != "unchanged"]
        if draft
        else []
    )
    return {
        "assistant": assistant,
        "graph": graph,
        "published_rows": describe_context(graph.schema, assistant.context),
        "published": published,
        "history_page": history_page,
        "history_older": older,
        "draft": draft,
        "draft_changes": draft_changes,
        "versions": versions,
        "publications": selectors.publication_history(assistant),
    }


# -- list and detail -------------------------------------------------------------------------------


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
    return _page(request, "assistants/assistant_list.html", context, partial="results")


@require_GET
@can_view
def assistant_detail(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = _assistant(assistant_id)
    target = request.htmx.target if request.htmx else None
    partial = target if target in DETAIL_REGIONS else "versions"
    return _page(
        request,
        "assistants/assistant_detail.html",
        _detail_context(request, assistant),
        partial=partial,
    )


@require_GET
@can_view
def version_detail(request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int) -> HttpResponse:
    assistant = _assistant(assistant_id)
    row = _version(assistant, version)
    graph = graph_state(assistant.graph_id)
    context = {
        "assistant": assistant,
        "version": row,
        "graph": graph,
        "rows": describe_context(graph.schema, row.context),
    }
    return _page(request, "assistants/version_detail.html", context)


# -- create, edit, duplicate -------------------------------------------------------------------


def _list_action(request: HtmxHttpRequest) -> tuple[QueryDict, bool]:
    """The POST data with a row action applied; True when the request was only that action."""
    action = request.POST.get(LIST_ACTION)
    if not action:
        return request.POST, False
    return apply_list_action(request.POST, action), True


def _focus(request: HtmxHttpRequest) -> str:
    """After "add a row", the list field whose new (last) row should get the focus."""
    action = request.POST.get(LIST_ACTION, "") if request.method == "POST" else ""
    return action.split(":", 2)[2] if action.startswith("add:") and action.count(":") >= 2 else ""


@require_http_methods(["GET", "POST"])
@can_add
def assistant_create(request: HtmxHttpRequest) -> HttpResponse:
    from graphs.registry import get_registry

    graph_id = request.POST.get("graph_id") or request.GET.get("graph")
    if not graph_id:
        specs = get_registry().specs()
        context = {"specs": specs, "choosing": True}
        return _page(request, "assistants/assistant_create.html", context, partial="content")
    graph = graph_state(graph_id, variables=True)
    if graph.spec is None:
        raise Http404(graph.error)
    data, only_rows = _list_action(request) if request.method == "POST" else (None, False)
    details = AssistantDetailsForm(data)
    context_form = ContextForm(
        data, schema=graph.schema, context=None, known_variables=graph.known_variables
    )
    page = {
        "graph": graph,
        "details": details,
        "context_form": context_form,
        "focus_field": _focus(request),
    }
    if request.method == "GET" or only_rows or graph.error:
        return _page(request, "assistants/assistant_create.html", page, partial="form")
    if details.is_valid() & context_form.is_valid():
        try:
            assistant, _ = services.assistant_create(
                actor=_actor(request),
                graph_id=graph_id,
                name=details.cleaned_data["name"],
                description=details.cleaned_data["description"] or None,
                context=context_form.context,
                note="Created in the studio",
            )
        except ValidationError as exc:
            context_form.add_schema_errors(exc)
        except services.ServiceError as exc:  # e.g. the graph fails to load: say so, keep input
            context_form.add_error(None, str(exc))
        else:
            messages.success(request, f"Created “{assistant.name}” (v1, published).")
            return _done(
                request,
                reverse("assistants:assistant-detail", args=[assistant.pk]),
                "assistant-created",
            )
    return _page(request, "assistants/assistant_create.html", page, partial="form", status=422)


def _edit_forms(
    request: HtmxHttpRequest, assistant: Assistant, graph: GraphState, data: QueryDict | None
) -> dict[str, Any]:
    """The three forms of the edit page; the context form edits the version it was based on."""
    base_number = assistant.latest_version_number
    if data is not None and str(data.get("base_version", "")).isdigit():
        base_number = int(str(data["base_version"]))
    base = assistant.versions.filter(version=base_number).first() or _version(
        assistant, assistant.latest_version_number
    )
    initial = {"name": base.name, "description": base.description or ""}
    return {
        "assistant": assistant,
        "graph": graph,
        "base": base,
        "details": AssistantDetailsForm(data, initial=initial),
        "note_form": VersionNoteForm(
            data, initial={"base_version": assistant.latest_version_number}
        ),
        "context_form": ContextForm(
            data, schema=graph.schema, context=base.context, known_variables=graph.known_variables
        ),
    }


def _changes(assistant: Assistant, page: dict[str, Any]) -> list[Any]:
    """What the user's input changes against the published version (the live summary)."""
    details, context_form = page["details"], page["context_form"]
    if not context_form.is_bound:
        mine: Any = page["base"]
    else:
        context_form.is_valid()
        details.is_valid()
        mine = SimpleNamespace(
            name=details.cleaned_data.get("name", assistant.name),
            description=details.cleaned_data.get("description", ""),
            context=context_form.context,
            config=assistant.config,
            metadata=assistant.metadata,
        )
    return [
        c
        for c in diff_versions(assistant, mine, labels=page["graph"].labels)
        if c.kind != "unchanged"
    ]


@require_http_methods(["GET", "POST"])
@can_change
def assistant_edit(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = _assistant(assistant_id)
    graph = graph_state(assistant.graph_id, variables=True)
    data, only_rows = _list_action(request) if request.method == "POST" else (None, False)
    if graph.error:  # nothing can be checked against a broken graph: editing is disabled
        page = {"assistant": assistant, "graph": graph}
        status = 409 if request.method == "POST" else 200
        return _page(
            request, "assistants/assistant_edit.html", page, partial="edit-form", status=status
        )
    page = _edit_forms(request, assistant, graph, data)
    page["changes"] = _changes(assistant, page)
    page["focus_field"] = _focus(request)
    if request.method == "GET" or only_rows:
        return _page(request, "assistants/assistant_edit.html", page, partial="edit-form")
    return _save_draft(request, assistant, page)


def _save_draft(
    request: HtmxHttpRequest, assistant: Assistant, page: dict[str, Any]
) -> HttpResponse:
    details, note_form, context_form = page["details"], page["note_form"], page["context_form"]
    if details.is_valid() & note_form.is_valid() & context_form.is_valid():
        try:
            version = services.version_save(
                actor=_actor(request),
                assistant_id=assistant.pk,
                base_version=note_form.cleaned_data["base_version"],
                context=context_form.context,
                name=details.cleaned_data["name"],
                description=details.cleaned_data["description"] or None,
                note=note_form.cleaned_data["note"],
            )
        except services.VersionConflict as conflict:
            return _conflict(request, assistant, page, conflict)
        except ValidationError as exc:
            context_form.add_schema_errors(exc)
        except services.ServiceError as exc:  # e.g. the graph fails to load: say so, keep input
            context_form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Saved draft v{version.version}. It is not live until published."
            )
            return _done(
                request,
                reverse("assistants:assistant-detail", args=[assistant.pk]),
                "version-saved",
            )
    return _page(request, "assistants/assistant_edit.html", page, partial="edit-form", status=422)


def _conflict(
    request: HtmxHttpRequest,
    assistant: Assistant,
    page: dict[str, Any],
    conflict: services.VersionConflict,
) -> HttpResponse:
    """Someone saved since the form was opened: show what differs, keep the input, rebase."""
    assistant.refresh_from_db()
    latest = _version(assistant, conflict.latest_version)
    data = request.POST.copy()
    data["base_version"] = str(latest.version)
    page["note_form"] = VersionNoteForm(data)
    details, context_form = page["details"], page["context_form"]
    mine = SimpleNamespace(
        name=details.cleaned_data["name"],
        description=details.cleaned_data["description"],
        context=context_form.context,
        config=latest.config,
        metadata=latest.metadata,
    )
    page["conflict"] = {
        "base": conflict.base_version,
        "latest": latest,
        "changes": [
            c
            for c in diff_versions(latest, mine, labels=page["graph"].labels)
            if c.kind != "unchanged"
        ],
    }
    return _page(request, "assistants/assistant_edit.html", page, partial="edit-form", status=409)


@require_POST
@can_change
def assistant_changes(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    """The live "changes against published" summary of the edit page."""
    assistant = _assistant(assistant_id)
    graph = graph_state(assistant.graph_id)
    if graph.error:
        return HttpResponseBadRequest(graph.error, content_type="text/plain; charset=utf-8")
    page = _edit_forms(request, assistant, graph, request.POST)
    page["changes"] = _changes(assistant, page)
    return _page(request, "assistants/assistant_edit.html", page, partial="changes")


@require_POST
@role_required("assistants.change_assistant")
def field_validate(request: HtmxHttpRequest, graph_id: str) -> HttpResponse:
    """Validate one field of a context form as the user types; answers the field's partial.

    Also applies a row action (add, remove, move) to a list field when the request carries one.
    """
    graph = graph_state(graph_id, variables=True)
    if graph.error:
        return HttpResponseBadRequest(graph.error, content_type="text/plain; charset=utf-8")
    data, _ = _list_action(request)
    form = ContextForm(data, schema=graph.schema, context={}, known_variables=graph.known_variables)
    name = request.POST.get("_field", "")
    if name not in form.fields:
        return HttpResponseBadRequest("Unknown field.")
    form.is_valid()
    bound = form[name]
    context = {
        "field": bound,
        "validate_url": request.path,
        "form": form,
        "focus_field": _focus(request),
    }
    response = render(
        request, "graphs/_context_fields.html#field", context, status=422 if bound.errors else 200
    )
    return trigger_client_event(response, "context-changed")


@require_http_methods(["GET", "POST"])
@can_add
def assistant_duplicate(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = _assistant(assistant_id)
    numbers = selectors.assistant_versions(assistant).values_list("version", flat=True)
    choices = [(n, f"v{n}") for n in numbers]
    form = DuplicateForm(
        request.POST or None, versions=choices, initial={"name": f"{assistant.name} (copy)"}
    )
    if request.method == "POST" and form.is_valid():
        copy = services.assistant_duplicate(
            actor=_actor(request),
            assistant_id=assistant.pk,
            name=form.cleaned_data["name"],
            version=form.cleaned_data["version"],
        )
        messages.success(request, f"Created “{copy.name}”, a copy of “{assistant.name}”.")
        return _done(
            request, reverse("assistants:assistant-detail", args=[copy.pk]), "assistant-created"
        )
    status = 422 if request.method == "POST" else 200
    return _page(
        request,
        "assistants/assistant_duplicate.html",
        {"assistant": assistant, "form": form},
        partial="form",
        status=status,
    )


# -- compare ---------------------------------------------------------------------------------------


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
    assistant = _assistant(assistant_id)
    left = _version(assistant, _version_number(request.GET.get("a"), assistant.version))
    right = _version(
        assistant, _version_number(request.GET.get("b"), assistant.latest_version_number)
    )
    graph = graph_state(assistant.graph_id)
    changes = diff_versions(left, right, labels=graph.labels)
    context = {
        "assistant": assistant,
        "left": left,
        "right": right,
        "changed": [c for c in changes if c.kind != "unchanged"],
        "unchanged": [c for c in changes if c.kind == "unchanged"],
        "numbers": list(selectors.assistant_versions(assistant).values_list("version", flat=True)),
    }
    return _page(request, "assistants/version_compare.html", context, partial="comparison")


# -- publish, restore, delete ----------------------------------------------------------------------


def _confirm(
    request: HtmxHttpRequest, assistant: Assistant, row: AssistantVersion, action: str
) -> HttpResponse:
    published = assistant.published_version
    graph = graph_state(assistant.graph_id)
    changes = diff_versions(published or assistant, row, labels=graph.labels)
    context = {
        "assistant": assistant,
        "version": row,
        "action": action,
        "changes": [c for c in changes if c.kind != "unchanged"],
    }
    return _page(request, "assistants/version_confirm.html", context, partial="dialog")


def _after_history_action(
    request: HtmxHttpRequest, assistant: Assistant, trigger: str
) -> HttpResponse:
    """PRG to the detail page; for HTMX the refreshed history, messages and the event."""
    url = reverse("assistants:assistant-detail", args=[assistant.pk])
    if not request.htmx:
        return redirect(url)
    assistant.refresh_from_db()
    response = render(
        request, "assistants/assistant_detail.html#versions", _detail_context(request, assistant)
    )
    response.content += _oob(request).encode()
    return trigger_client_event(response, trigger)


@require_GET
@can_publish
def version_publish_confirm(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = _assistant(assistant_id)
    return _confirm(request, assistant, _version(assistant, version), "publish")


@require_POST
@can_publish
def version_publish(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = _assistant(assistant_id)
    previous = assistant.version
    _version(assistant, version)
    services.version_publish(actor=_actor(request), assistant_id=assistant.pk, version=version)
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
    assistant = _assistant(assistant_id)
    return _confirm(request, assistant, _version(assistant, version), "restore")


@require_POST
@can_change
def version_restore(
    request: HtmxHttpRequest, assistant_id: uuid.UUID, version: int
) -> HttpResponse:
    assistant = _assistant(assistant_id)
    _version(assistant, version)
    new = services.version_restore(
        actor=_actor(request), assistant_id=assistant.pk, version=version
    )
    messages.success(
        request, f"Restored v{version} as draft v{new.version}. Publish it to make it live."
    )
    return _after_history_action(request, assistant, "version-restored")


@require_GET
@can_delete
def assistant_delete_confirm(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = _assistant(assistant_id)
    return _page(
        request,
        "assistants/assistant_delete_confirm.html",
        {"assistant": assistant},
        partial="dialog",
    )


@require_POST
@can_delete
def assistant_delete(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = _assistant(assistant_id)
    try:
        services.assistant_delete(actor=_actor(request), assistant_id=assistant.pk)
    except services.AssistantNotFound:
        raise Http404("This assistant does not exist any more.") from None
    messages.success(
        request, f"Deleted “{assistant.name}” and its {assistant.latest_version_number} versions."
    )
    return _done(request, reverse("assistants:assistant-list"), "assistant-deleted")
