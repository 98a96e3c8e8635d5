"""Try it: run an assistant version (or the unsaved edit form) on an input and watch it run.

The Try it form posts to :func:`run_create`, which queues the run (a worker executes it) and
answers with the run's live region for HTMX (swapped in place, it polls itself every 700 ms until
the run finishes) or a redirect to the run page otherwise, which shows progress on every reload.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistants import services
from assistants.models import Assistant, Run
from assistants.run_forms import RunVersionForm
from assistants.services.runs import run_cancel, run_rerun, runs_reap_lost
from assistants.services.runs import run_create as start_run
from assistants.views.common import actor_for, can_change, can_view, get_assistant, graph_state
from assistants.views.run_display import run_display
from graphs.forms import ContextForm
from graphs.inputs import InputForm, input_schema
from studio.htmx import HtmxHttpRequest, action_done, render_page

RECENT_RUNS = 10


def _render(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """``template`` as it is (the callers pick the partial for HTMX themselves)."""
    return render_page(request, template, context, status=status)


def _run(run_id: uuid.UUID) -> Run:
    """The run, after failing it if its worker was lost (so no run stays "running" forever)."""
    runs_reap_lost(Run.objects.filter(pk=run_id))
    return get_object_or_404(
        Run.objects.select_related("assistant", "created_by", "comparison_link__comparison"),
        pk=run_id,
    )


def _unsaved_context(request: HtmxHttpRequest, assistant: Assistant, schema: Any) -> Any:
    """The edit page's form values, checked like a save would check them (None if invalid)."""
    base_number = str(request.POST.get("base_version", ""))
    base = (
        assistant.versions.filter(version=int(base_number)).first()
        if base_number.isdigit()
        else None
    ) or assistant.versions.filter(version=assistant.latest_version_number).first()
    form = ContextForm(request.POST, schema=schema, context=base.context if base else {})
    return form.context if form.is_valid() else form


def _try_forms(
    request: HtmxHttpRequest, assistant: Assistant, graph: Any, schema: dict[str, Any]
) -> dict[str, Any]:
    """The version and input forms; bound unless the edit page just sent its values over."""
    from_edit = request.method == "POST" and request.POST.get("source") == "edit"
    unsaved: Any = None
    edit_errors = None
    if from_edit:
        unsaved = _unsaved_context(request, assistant, graph.schema)
        if isinstance(unsaved, ContextForm):
            edit_errors, unsaved = unsaved.errors, None
    elif request.method == "POST":
        unsaved = request.POST.get("unsaved_context") or None
    data = request.POST if request.method == "POST" and not from_edit else None
    return {
        "edit_errors": edit_errors,
        "version_form": RunVersionForm(
            data, assistant=assistant, unsaved=unsaved, initial_version=request.GET.get("version")
        ),
        "input_form": InputForm(data, schema=schema),
    }


def _queue(request: HtmxHttpRequest, assistant: Assistant, page: dict[str, Any]) -> Run | None:
    """Start the run the bound forms describe; None (errors on the forms) when they do not fit."""
    version_form, input_form = page["version_form"], page["input_form"]
    if not (version_form.is_valid() & input_form.is_valid()):
        return None
    try:
        return start_run(
            actor=actor_for(request),
            assistant_id=assistant.pk,
            graph_input=input_form.graph_input,
            **version_form.run_arguments(),
        )
    except ValidationError as exc:
        version_form.add_error(None, _describe_errors(exc))
    except services.ServiceError as exc:  # the cap on active runs, a missing version
        version_form.add_error(None, str(exc))
    return None


@require_http_methods(["GET", "POST"])
@can_change
def run_create(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    graph = graph_state(assistant.graph_id)
    page: dict[str, Any] = {"assistant": assistant, "graph": graph}
    template = "assistants/run_create.html"
    partial = f"{template}#try-panel" if request.htmx else template
    if graph.error:
        return _render(request, partial, page, status=200 if request.method == "GET" else 409)
    try:
        schema = input_schema(graph.spec)
    except Exception as exc:  # a broken input schema: say so instead of the form
        page["graph"] = replace(graph, error=f"The graph's input schema cannot be read: {exc}")
        return _render(request, partial, page)
    page |= _try_forms(request, assistant, graph, schema)
    if not page["version_form"].is_bound:
        return _render(request, partial, page)
    run = _queue(request, assistant, page)
    if run is None:
        return _render(request, partial, page, status=422)
    if request.htmx:
        return _render(request, "assistants/run_detail.html#run-live", run_display(run, request))
    return redirect("assistants:run-detail", run_id=run.pk)


def _describe_errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = [
            f"{field}: {' '.join(m for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        ]
        return "The configuration is not valid. " + "; ".join(parts)
    return "The configuration is not valid. " + " ".join(exc.messages)


@require_GET
@can_view
def run_detail(request: HtmxHttpRequest, run_id: uuid.UUID) -> HttpResponse:
    run = _run(run_id)
    template = "assistants/run_detail.html"
    name = f"{template}#run-live" if request.htmx else template
    return _render(request, name, run_display(run, request))


@require_GET
@can_view
def run_list(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    runs_reap_lost(assistant.runs.all())
    runs = assistant.runs.select_related("created_by").order_by("-created_at")[:RECENT_RUNS]
    template = "assistants/run_list.html"
    name = f"{template}#recent-runs" if request.htmx else template
    return _render(request, name, {"assistant": assistant, "runs": runs})


@require_POST
@can_change
def run_cancel_view(request: HtmxHttpRequest, run_id: uuid.UUID) -> HttpResponse:
    run = _run(run_id)
    try:
        run = run_cancel(actor=actor_for(request), run_id=run.pk)
    except services.ServiceError as exc:
        messages.info(request, str(exc))
    if request.htmx:
        return _render(request, "assistants/run_detail.html#run-live", run_display(run, request))
    return redirect("assistants:run-detail", run_id=run.pk)


@require_POST
@can_change
def run_rerun_view(request: HtmxHttpRequest, run_id: uuid.UUID) -> HttpResponse:
    old = _run(run_id)
    try:
        run = run_rerun(actor=actor_for(request), run_id=old.pk)
    except ValidationError as exc:
        messages.error(request, _describe_errors(exc))
        return redirect("assistants:run-detail", run_id=old.pk)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("assistants:run-detail", run_id=old.pk)
    url = reverse("assistants:run-detail", args=[run.pk])
    return action_done(request, url, "run-created")


__all__ = ["run_cancel_view", "run_create", "run_detail", "run_list", "run_rerun_view"]
