"""Changing assistants: create, edit (save a draft), duplicate, and the edit page's live helpers
(field-by-field validation and the "changes against live" summary).

Invalid input answers 422 with the messages beside the fields, and a save based on an outdated
version 409 with the user's input kept; nothing is written in either case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from assistants import selectors, services
from assistants.diff import Change, changed_only, diff_versions
from assistants.forms import AssistantDetailsForm, DuplicateForm, VersionNoteForm
from assistants.models import Assistant, AssistantVersion
from assistants.views.common import (
    GraphState,
    actor_for,
    can_add,
    can_change,
    get_assistant,
    get_version,
    graph_state,
)
from graphs.forms import LIST_ACTION, ContextForm, apply_list_action, parse_list_action
from studio.htmx import HtmxHttpRequest, action_done, render_page

EDIT_TEMPLATE = "assistants/assistant_edit.html"
CREATE_TEMPLATE = "assistants/assistant_create.html"


def list_action(request: HtmxHttpRequest) -> tuple[QueryDict | None, bool]:
    """The POST data with a row action applied, and True when the request was only that action.

    A GET has no data: ``(None, False)``.
    """
    if request.method != "POST":
        return None, False
    if not request.POST.get(LIST_ACTION):
        return request.POST, False
    # A row button was pressed: never a save, even when its value is not understood.
    return apply_list_action(request.POST, parse_list_action(request.POST)), True


def focus_field(request: HtmxHttpRequest) -> str:
    """After "add a row", the list field whose new (last) row should get the focus."""
    action = parse_list_action(request.POST) if request.method == "POST" else None
    return action.focus_field if action else ""


def _text_error(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


# -- create ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_add
def assistant_create(request: HtmxHttpRequest) -> HttpResponse:
    graph_id = request.POST.get("graph_id") or request.GET.get("graph")
    if not graph_id:
        return _choose_graph(request)
    graph = graph_state(graph_id, variables=True)
    if graph.spec is None:
        raise Http404(graph.error)
    data, only_rows = list_action(request)
    details = AssistantDetailsForm(data)
    context_form = ContextForm(
        data, schema=graph.schema, context=None, known_variables=graph.known_variables
    )
    page = {
        "graph": graph,
        "details": details,
        "context_form": context_form,
        "focus_field": focus_field(request),
    }
    if request.method == "GET" or only_rows or graph.error:
        return render_page(request, CREATE_TEMPLATE, page, partial="form")
    return _create(request, graph_id, details, context_form, page)


def _create(
    request: HtmxHttpRequest,
    graph_id: str,
    details: AssistantDetailsForm,
    context_form: ContextForm,
    page: dict[str, Any],
) -> HttpResponse:
    if details.is_valid() & context_form.is_valid():
        try:
            assistant, _ = services.assistant_create(
                actor=actor_for(request),
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
            url = reverse("assistants:assistant-detail", args=[assistant.pk])
            return action_done(request, url, "assistant-created")
    return render_page(request, CREATE_TEMPLATE, page, partial="form", status=422)


def _choose_graph(request: HtmxHttpRequest) -> HttpResponse:
    from graphs.registry import get_registry

    context = {"specs": get_registry().specs(), "choosing": True}
    return render_page(request, CREATE_TEMPLATE, context, partial="content")


# -- edit ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsavedVersion:
    """The user's input shaped like a version, to diff it against saved ones."""

    name: str
    description: str
    context: dict[str, Any]
    config: dict[str, Any]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class EditConflict:
    """Someone saved ``latest`` after the user opened the form on ``base``."""

    base: int
    latest: AssistantVersion
    changes: list[Change]


@dataclass
class EditSession:
    """One request of the edit page: the version the input started from, and its three forms."""

    assistant: Assistant
    graph: GraphState
    base: AssistantVersion
    details: AssistantDetailsForm
    note_form: VersionNoteForm
    context_form: ContextForm
    focus_field: str = ""
    changes: list[Change] = field(default_factory=list)
    conflict: EditConflict | None = None
    passed_over: selectors.PassedOverDraft | None = None

    @classmethod
    def open(
        cls, assistant: Assistant, graph: GraphState, data: QueryDict | None, *, focus: str = ""
    ) -> EditSession:
        """The forms on the version the user started from (the newest when the form opens)."""
        newest = assistant.latest_version_number
        number = newest
        if data is not None and str(data.get("base_version", "")).isdigit():
            number = int(str(data["base_version"]))
        base = assistant.versions.filter(version=number).first() or get_version(assistant, newest)
        session = cls(
            assistant=assistant,
            graph=graph,
            base=base,
            details=AssistantDetailsForm(
                data, initial={"name": base.name, "description": base.description or ""}
            ),
            note_form=VersionNoteForm(data, initial={"base_version": newest}),
            context_form=ContextForm(
                data,
                schema=graph.schema,
                context=base.context,
                known_variables=graph.known_variables,
            ),
            focus_field=focus,
        )
        session.changes = changed_only(
            diff_versions(assistant, session.unsaved(assistant), labels=graph.labels)
        )
        return session

    def unsaved(self, fallback: Assistant | AssistantVersion) -> Any:
        """The input as a version (the base itself before anything was sent).

        Config and metadata are not edited here: they come from ``fallback``.
        """
        if not self.context_form.is_bound:
            return self.base
        self.context_form.is_valid()
        self.details.is_valid()
        return UnsavedVersion(
            name=self.details.cleaned_data.get("name", self.assistant.name),
            description=self.details.cleaned_data.get("description", ""),
            context=self.context_form.context,
            config=fallback.config,
            metadata=fallback.metadata,
        )

    def is_valid(self) -> bool:
        return self.details.is_valid() & self.note_form.is_valid() & self.context_form.is_valid()

    def page(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@require_http_methods(["GET", "POST"])
@can_change
def assistant_edit(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    graph = graph_state(assistant.graph_id, variables=True)
    if graph.error:  # nothing can be checked against a broken graph: editing is disabled
        status = 409 if request.method == "POST" else 200
        page = {"assistant": assistant, "graph": graph}
        return render_page(request, EDIT_TEMPLATE, page, partial="edit-form", status=status)
    data, only_rows = list_action(request)
    session = EditSession.open(assistant, graph, data, focus=focus_field(request))
    session.passed_over = selectors.passed_over_draft(assistant)
    if request.method == "GET" or only_rows:
        return render_page(request, EDIT_TEMPLATE, session.page(), partial="edit-form")
    return _save_draft(request, session)


def _save_draft(request: HtmxHttpRequest, session: EditSession) -> HttpResponse:
    if session.is_valid():
        details, note_form = session.details.cleaned_data, session.note_form.cleaned_data
        try:
            version = services.version_save(
                actor=actor_for(request),
                assistant_id=session.assistant.pk,
                base_version=note_form["base_version"],
                context=session.context_form.context,
                name=details["name"],
                description=details["description"] or None,
                note=note_form["note"],
            )
        except services.VersionConflict as conflict:
            return _conflict(request, session, conflict)
        except ValidationError as exc:
            session.context_form.add_schema_errors(exc)
        except services.ServiceError as exc:  # e.g. the graph fails to load: say so, keep input
            session.context_form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Saved draft v{version.version}. It is not live until published."
            )
            url = reverse("assistants:assistant-detail", args=[session.assistant.pk])
            return action_done(request, url, "version-saved")
    return render_page(request, EDIT_TEMPLATE, session.page(), partial="edit-form", status=422)


def _conflict(
    request: HtmxHttpRequest, session: EditSession, conflict: services.VersionConflict
) -> HttpResponse:
    """Someone saved since the form was opened: show what differs, keep the input, rebase."""
    assistant = session.assistant
    assistant.refresh_from_db()
    latest = get_version(assistant, conflict.latest_version)
    data = request.POST.copy()
    data["base_version"] = str(latest.version)
    session.note_form = VersionNoteForm(data)
    mine = session.unsaved(latest)
    session.conflict = EditConflict(
        base=conflict.base_version,
        latest=latest,
        changes=changed_only(diff_versions(latest, mine, labels=session.graph.labels)),
    )
    return render_page(request, EDIT_TEMPLATE, session.page(), partial="edit-form", status=409)


@require_POST
@can_change
def assistant_changes(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    """The live "changes against published" summary of the edit page."""
    assistant = get_assistant(assistant_id)
    graph = graph_state(assistant.graph_id)
    if graph.error:
        return _text_error(graph.error)
    session = EditSession.open(assistant, graph, request.POST)
    return render_page(request, EDIT_TEMPLATE, session.page(), partial="changes")


@require_POST
@can_change
def field_validate(request: HtmxHttpRequest, graph_id: str) -> HttpResponse:
    """Validate one field of a context form as the user types; answers the field's partial.

    Also applies a row action (add, remove, move) to a list field when the request carries one.
    """
    graph = graph_state(graph_id, variables=True)
    if graph.error:
        return _text_error(graph.error)
    data, _ = list_action(request)
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
        "focus_field": focus_field(request),
    }
    status = 422 if bound.errors else 200
    response = render(request, "graphs/_context_fields.html#field", context, status=status)
    return trigger_client_event(response, "context-changed")


# -- duplicate -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_add
def assistant_duplicate(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    numbers = selectors.assistant_versions(assistant).values_list("version", flat=True)
    form = DuplicateForm(
        request.POST or None,
        versions=[(n, f"v{n}") for n in numbers],
        initial={"name": f"{assistant.name} (copy)"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.assistant_duplicate(
                actor=actor_for(request),
                assistant_id=assistant.pk,
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
            )
        except services.GraphUnavailable as exc:  # nothing is stored for a graph that fails to load
            form.add_error("version", str(exc))
        else:
            messages.success(request, f"Created “{copy.name}”, a copy of “{assistant.name}”.")
            url = reverse("assistants:assistant-detail", args=[copy.pk])
            return action_done(request, url, "assistant-created")
    return render_page(
        request,
        "assistants/assistant_duplicate.html",
        {"assistant": assistant, "form": form},
        partial="form",
        status=422 if request.method == "POST" else 200,
    )
