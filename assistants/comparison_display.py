"""What the comparison pages show: one row per test input (outputs, a word diff of the two first
outputs, each check's pass or fail on each side) and the one-line summary the publish
confirmation uses ("v5: 5 of 5 checks pass; live v4: 4 of 5")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from assistants.diff import DiffBudget, render_inline
from assistants.models import Assistant, Comparison
from graphs.forms import DisplayRow, describe_context

__all__ = [
    "ComparisonRow",
    "comparison_rows",
    "gate_status",
    "graph_input_schema",
    "input_rows",
    "latest_comparison",
    "panel_context",
    "summary",
]


@dataclass
class ComparisonRow:
    name: str
    input_rows: list[DisplayRow]
    error: str
    live: list[dict[str, Any]]
    candidate: list[dict[str, Any]]
    diff: SafeString | None
    checks: list[dict[str, Any]]


def graph_input_schema(graph_id: str) -> dict[str, Any] | None:
    """The graph's input schema, or None when the graph cannot be built (pages then show JSON)."""
    from graphs.inputs import input_schema
    from graphs.registry import get_registry

    try:
        return input_schema(get_registry().get(graph_id))
    except Exception:  # a broken graph must not take the page down
        return None


def input_rows(schema: dict[str, Any] | None, graph_input: Any) -> list[DisplayRow]:
    """A test input as rows labelled with the input schema's field titles (only what is set;
    without a schema, or for a key the schema does not know, the key is the label)."""
    if not isinstance(graph_input, dict):
        return []
    return [row for row in describe_context(schema, graph_input) if not row.is_default]


def comparison_rows(
    comparison: Comparison, schema: dict[str, Any] | None = None
) -> list[ComparisonRow]:
    """The results table (empty until the comparison has finished); ``schema`` is the graph's
    input schema, to label the inputs (without it they are shown as JSON)."""
    budget = DiffBudget()  # one budget for the whole page
    rows = []
    for item in comparison.results:
        live, candidate = item.get("live", []), item.get("candidate", [])
        diff = (
            render_inline(live[0]["output"], candidate[0]["output"], budget=budget)
            if live and candidate
            else None
        )
        rows.append(
            ComparisonRow(
                name=item["name"],
                input_rows=input_rows(schema, item["input"]),
                error=item.get("error", ""),
                live=live,
                candidate=candidate,
                diff=diff,
                checks=item.get("checks", []),
            )
        )
    return rows


def latest_comparison(assistant: Assistant, version: int) -> Comparison | None:
    return Comparison.objects.filter(assistant=assistant).of_version(version).newest_first().first()


def summary(comparison: Comparison) -> str:
    """``v5: 5 of 5 checks pass; live v4: 4 of 5`` (or where the comparison is)."""
    if comparison.status in Comparison.ACTIVE:
        return (
            f"v{comparison.candidate_version} against live v{comparison.live_version}: "
            f"running, {comparison.done} of {comparison.total} runs done"
        )
    if comparison.status == Comparison.FAILED:
        return (
            f"v{comparison.candidate_version} against live v{comparison.live_version}: "
            f"the comparison did not complete ({comparison.error})"
        )
    total = comparison.checks_total
    return (
        f"v{comparison.candidate_version}: {comparison.candidate_passed} of {total} checks pass; "
        f"live v{comparison.live_version}: {comparison.live_passed} of {total}"
    )


def gate_status(comparison: Comparison | None) -> str:
    """Where a version stands with the gate, in a few words: ``0 of 1 checks pass``."""
    if comparison is None:
        return "not compared yet"
    if comparison.status in Comparison.ACTIVE:
        return "the comparison with live is still running"
    if comparison.status == Comparison.FAILED:
        return "the last comparison did not complete"
    return f"{comparison.candidate_passed} of {comparison.checks_total} checks pass"


def panel_context(assistant: Assistant) -> dict[str, Any]:
    """The checks section: the gate setting, Compare with live, recent comparisons."""
    return {
        "assistant": assistant,
        "test_input_count": assistant.test_inputs.count(),
        "comparisons": list(Comparison.objects.filter(assistant=assistant).newest_first()[:5]),
    }
