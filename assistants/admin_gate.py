"""Admin pages for test inputs and comparisons: read-only (changes go through the studio pages,
which call the services and audit them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from assistants.admin import pretty_json
from assistants.models import Comparison, TestInput


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TestInput)
class TestInputAdmin(_ReadOnly):
    list_display = ["name", "assistant", "updated_at", "updated_by"]
    list_select_related = ["assistant", "updated_by"]
    search_fields = ["name", "assistant__name"]
    list_filter = ["assistant__graph_id"]
    readonly_fields = (
        "assistant",
        "name",
        "input_json",
        "expectations_json",
        "updated_at",
        "updated_by",
    )
    fields = readonly_fields

    @admin.display(description="Input")
    def input_json(self, obj: TestInput) -> str:
        return pretty_json(obj.input)

    @admin.display(description="Expectations")
    def expectations_json(self, obj: TestInput) -> str:
        return pretty_json(obj.expectations)


@admin.register(Comparison)
class ComparisonAdmin(_ReadOnly):
    list_display = [
        "assistant",
        "candidate_version",
        "live_version",
        "status",
        "checks",
        "created_at",
    ]
    list_select_related = ["assistant"]
    list_filter = ["status", "assistant__graph_id"]
    search_fields = ["assistant__name"]
    readonly_fields = (
        "assistant",
        "candidate_version",
        "live_version",
        "repeats",
        "status",
        "checks",
        "error",
        "actor",
        "created_at",
        "finished_at",
        "results_json",
    )
    fields = readonly_fields

    @admin.display(description="Checks passed (candidate; live)")
    def checks(self, obj: Comparison) -> str:
        if not obj.is_finished:
            return f"{obj.done} of {obj.total} runs done"
        return (
            f"{obj.candidate_passed} of {obj.checks_total}; "
            f"live {obj.live_passed} of {obj.checks_total}"
        )

    @admin.display(description="Results")
    def results_json(self, obj: Comparison) -> str:
        return pretty_json(obj.results)
