"""The business users' pages. Paths use the singular ``assistant/``: the LangGraph API owns
``/assistants/...`` at the root."""

from django.urls import path

from assistants import views

app_name = "assistants"

urlpatterns = [
    path("", views.assistant_list, name="assistant-list"),
    path("assistant/new/", views.assistant_create, name="assistant-create"),
    path("assistant/fields/<str:graph_id>/validate/", views.field_validate, name="field-validate"),
    path("assistant/<uuid:assistant_id>/", views.assistant_detail, name="assistant-detail"),
    path("assistant/<uuid:assistant_id>/edit/", views.assistant_edit, name="assistant-edit"),
    path(
        "assistant/<uuid:assistant_id>/edit/changes/",
        views.assistant_changes,
        name="assistant-changes",
    ),
    path(
        "assistant/<uuid:assistant_id>/duplicate/",
        views.assistant_duplicate,
        name="assistant-duplicate",
    ),
    path("assistant/<uuid:assistant_id>/delete/", views.assistant_delete, name="assistant-delete"),
    path(
        "assistant/<uuid:assistant_id>/delete/confirm/",
        views.assistant_delete_confirm,
        name="assistant-delete-confirm",
    ),
    path("assistant/<uuid:assistant_id>/compare/", views.version_compare, name="version-compare"),
    path(
        "assistant/<uuid:assistant_id>/v<int:version>/", views.version_detail, name="version-detail"
    ),
    path(
        "assistant/<uuid:assistant_id>/v<int:version>/publish/",
        views.version_publish,
        name="version-publish",
    ),
    path(
        "assistant/<uuid:assistant_id>/v<int:version>/publish/confirm/",
        views.version_publish_confirm,
        name="version-publish-confirm",
    ),
    path(
        "assistant/<uuid:assistant_id>/v<int:version>/restore/",
        views.version_restore,
        name="version-restore",
    ),
    path(
        "assistant/<uuid:assistant_id>/v<int:version>/restore/confirm/",
        views.version_restore_confirm,
        name="version-restore-confirm",
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
