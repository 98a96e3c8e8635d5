"""The business users' pages. Paths use the singular ``assistant/``: the LangGraph API owns
``/assistants/...`` at the root."""

from __future__ import annotations

from django.urls import path

from assistants.views import browse, edit, history, rebase

app_name = "assistants"

ASSISTANT = "assistant/<uuid:assistant_id>/"
VERSION = f"{ASSISTANT}v<int:version>/"

urlpatterns = [
    # browse
    path("", browse.assistant_list, name="assistant-list"),
    path(ASSISTANT, browse.assistant_detail, name="assistant-detail"),
    path(VERSION, browse.version_detail, name="version-detail"),
    # edit
    path("assistant/new/", edit.assistant_create, name="assistant-create"),
    path("assistant/fields/<str:graph_id>/validate/", edit.field_validate, name="field-validate"),
    path(f"{ASSISTANT}edit/", edit.assistant_edit, name="assistant-edit"),
    path(f"{ASSISTANT}edit/changes/", edit.assistant_changes, name="assistant-changes"),
    path(f"{ASSISTANT}duplicate/", edit.assistant_duplicate, name="assistant-duplicate"),
    path(f"{ASSISTANT}rebase/", rebase.assistant_rebase, name="assistant-rebase"),
    # history
    path(f"{ASSISTANT}compare/", history.version_compare, name="version-compare"),
    path(f"{VERSION}publish/", history.version_publish, name="version-publish"),
    path(
        f"{VERSION}publish/confirm/",
        history.version_publish_confirm,
        name="version-publish-confirm",
    ),
    path(f"{VERSION}restore/", history.version_restore, name="version-restore"),
    path(
        f"{VERSION}restore/confirm/",
        history.version_restore_confirm,
        name="version-restore-confirm",
    ),
    path(f"{ASSISTANT}delete/", history.assistant_delete, name="assistant-delete"),
    path(
        f"{ASSISTANT}delete/confirm/",
        history.assistant_delete_confirm,
        name="assistant-delete-confirm",
    ),
]

# Try it: runs (assistants.views.runs).
from assistants.views import runs as run_views  # noqa: E402

urlpatterns += [
    path("assistant/<uuid:assistant_id>/try/", run_views.run_create, name="run-create"),
    path("assistant/<uuid:assistant_id>/runs/", run_views.run_list, name="run-list"),
    path("run/<uuid:run_id>/", run_views.run_detail, name="run-detail"),
    path("run/<uuid:run_id>/cancel/", run_views.run_cancel_view, name="run-cancel"),
    path("run/<uuid:run_id>/rerun/", run_views.run_rerun_view, name="run-rerun"),
]

# Test inputs, comparisons with live and the publish gate.
from assistants.views import comparisons as comparison_views  # noqa: E402
from assistants.views import test_inputs as test_input_views  # noqa: E402

urlpatterns += [
    path(f"{ASSISTANT}tests/", test_input_views.test_input_list, name="testinput-list"),
    path(f"{ASSISTANT}tests/new/", test_input_views.test_input_create, name="testinput-create"),
    path(f"{ASSISTANT}tests/copy/", test_input_views.test_inputs_copy, name="testinput-copy"),
    path(
        f"{ASSISTANT}tests/<int:pk>/edit/", test_input_views.test_input_edit, name="testinput-edit"
    ),
    path(
        f"{ASSISTANT}tests/<int:pk>/delete/",
        test_input_views.test_input_delete,
        name="testinput-delete",
    ),
    path(
        f"{VERSION}compare-with-live/",
        comparison_views.comparison_create_view,
        name="comparison-create",
    ),
    path(
        "comparison/<uuid:comparison_id>/",
        comparison_views.comparison_detail,
        name="comparison-detail",
    ),
    path(f"{ASSISTANT}gate/", comparison_views.assistant_gate, name="assistant-gate"),
    path(f"{ASSISTANT}checks/", comparison_views.comparison_panel, name="comparison-panel"),
]
