"""Test inputs of an assistant: list, add, change, delete, copy from another assistant.

The input part of the form is the graph's generated input form (the same as Try it); the
expectations are one field per kind. Every write goes through :mod:`assistants.services.test_inputs`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistants import services
from assistants.comparison_display import graph_input_schema, input_rows
from assistants.models import Assistant, Comparison, TestInput
from assistants.services import test_inputs as inputs_service
from assistants.test_input_forms import CopyTestInputsForm, ExpectationsForm, input_initial
from assistants.views.common import actor_for, can_change, can_view, get_assistant, graph_state
from graphs.inputs import InputForm, input_schema
from studio.htmx import HtmxHttpRequest, action_done, render_page

__all__ = [
    "test_input_create",
    "test_input_delete",
    "test_input_edit",
    "test_input_list",
    "test_inputs_copy",
]

LIST = "assistants/testinput_list.html"
FORM = "assistants/testinput_form.html"


def _list_context(
    assistant: Assistant, copy_form: CopyTestInputsForm | None = None
) -> dict[str, Any]:
    schema = graph_input_schema(assistant.graph_id)
    rows = list(assistant.test_inputs.select_related("updated_by"))
    return {
        "assistant": assistant,
        "test_inputs": [(row, input_rows(schema, row.input)) for row in rows],
        "copy_form": copy_form or CopyTestInputsForm(assistant=assistant),
        "comparisons": Comparison.objects.filter(assistant=assistant).newest_first()[:10],
    }


@require_GET
@can_view
def test_input_list(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    return render_page(request, LIST, _list_context(assistant), partial="test-inputs")


def _form_page(
    request: HtmxHttpRequest, assistant: Assistant, row: TestInput | None
) -> HttpResponse:
    """GET: the empty (or filled) form; POST: save it, or show it again with errors (422)."""
    graph = graph_state(assistant.graph_id)
    page: dict[str, Any] = {"assistant": assistant, "row": row, "graph": graph}
    if graph.error:
        return render_page(request, FORM, page, partial="testinput-form", status=409)
    try:
        schema = input_schema(graph.spec)
    except Exception as exc:  # a broken input schema: say so instead of the form
        page["schema_error"] = str(exc)
        return render_page(request, FORM, page, partial="testinput-form", status=409)
    data = request.POST if request.method == "POST" else None
    form, input_form = ExpectationsForm(data, row=row), InputForm(data, schema=schema)
    if row is not None and data is None:
        input_form.initial = input_initial(row.input, messages=input_form.messages)
    page |= {"form": form, "input_form": input_form}
    if data is None:
        return render_page(request, FORM, page, partial="testinput-form")
    if form.is_valid() & input_form.is_valid():
        try:
            _save(request, assistant, row, form, input_form)
        except ValidationError as exc:
            form.add_service_errors(exc, input_form)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            url = reverse("assistants:testinput-list", args=[assistant.pk])
            return action_done(request, url, "test-inputs-changed")
    return render_page(request, FORM, page, partial="testinput-form", status=422)


def _save(
    request: HtmxHttpRequest,
    assistant: Assistant,
    row: TestInput | None,
    form: ExpectationsForm,
    input_form: InputForm,
) -> None:
    fields = {
        "actor": actor_for(request),
        "assistant_id": assistant.pk,
        "name": form.cleaned_data["name"],
        "graph_input": input_form.graph_input,
        "expectations": form.expectations(),
    }
    if row is None:
        saved = inputs_service.test_input_create(**fields)
        messages.success(request, f"Added the test input “{saved.name}”.")
    else:
        saved = inputs_service.test_input_update(test_input_id=row.pk, **fields)
        messages.success(request, f"Saved the test input “{saved.name}”.")


@require_http_methods(["GET", "POST"])
@can_change
def test_input_create(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    return _form_page(request, get_assistant(assistant_id), None)


@require_http_methods(["GET", "POST"])
@can_change
def test_input_edit(request: HtmxHttpRequest, assistant_id: uuid.UUID, pk: int) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    row = get_object_or_404(TestInput, assistant=assistant, pk=pk)
    return _form_page(request, assistant, row)


@require_POST
@can_change
def test_input_delete(request: HtmxHttpRequest, assistant_id: uuid.UUID, pk: int) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    row = get_object_or_404(TestInput, assistant=assistant, pk=pk)
    inputs_service.test_input_delete(
        actor=actor_for(request), assistant_id=assistant.pk, test_input_id=row.pk
    )
    messages.success(request, f"Deleted the test input “{row.name}”.")
    url = reverse("assistants:testinput-list", args=[assistant.pk])
    return action_done(request, url, "test-inputs-changed")


@require_POST
@can_change
def test_inputs_copy(request: HtmxHttpRequest, assistant_id: uuid.UUID) -> HttpResponse:
    assistant = get_assistant(assistant_id)
    form = CopyTestInputsForm(request.POST, assistant=assistant)
    if form.is_valid():
        try:
            copies = inputs_service.test_inputs_copy(
                actor=actor_for(request),
                source_id=form.cleaned_data["source"],
                target_id=assistant.pk,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("source", message)
        else:
            messages.success(request, f"Copied {len(copies)} test input(s).")
            url = reverse("assistants:testinput-list", args=[assistant.pk])
            return action_done(request, url, "test-inputs-changed")
    page = _list_context(assistant, form)
    return render_page(request, LIST, page, partial="test-inputs", status=422)
