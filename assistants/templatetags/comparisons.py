"""Template tags that put test inputs, comparisons and the publish gate on pages owned by other
views (the assistant page, the publish confirmation, the compare page) without their views
having to know about them."""

from __future__ import annotations

from typing import Any

from django import template

from assistants.comparison_display import gate_status, latest_comparison, summary
from assistants.models import Assistant, AssistantVersion
from assistants.services.gate import gate_reason

register = template.Library()


@register.inclusion_tag("assistants/_comparison_placeholder.html")
def comparison_panel(assistant: Assistant) -> dict[str, Any]:
    """The assistant page's "Test inputs" link; HTMX loads the checks section in its place
    (no database query here: the assistant page keeps its fixed query count)."""
    return {"assistant": assistant}


@register.inclusion_tag("assistants/_comparison_summary.html", takes_context=True)
def comparison_summary(
    context: dict[str, Any], assistant: Assistant, version: AssistantVersion | int
) -> dict[str, Any]:
    """The publish confirmation's line about the latest comparison of ``version`` with live."""
    number = version if isinstance(version, int) else version.version
    latest = latest_comparison(assistant, number)
    return {
        "assistant": assistant,
        "number": number,
        "comparison": latest,
        "summary": summary(latest) if latest else "",
        "refusal": gate_reason(latest) if assistant.require_passing_checks else None,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("assistants/_compare_with_live.html", takes_context=True)
def compare_with_live_button(
    context: dict[str, Any], assistant: Assistant, version: AssistantVersion | int
) -> dict[str, Any]:
    number = version if isinstance(version, int) else version.version
    return {
        "assistant": assistant,
        "number": number,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("assistants/_gate_note.html")
def publish_gate_note(assistant: Assistant, version: AssistantVersion | int) -> dict[str, Any]:
    """The note "Publishing requires passing checks: 0 of 1 checks pass" by a draft's Publish
    button (one query, and only when the assistant requires passing checks)."""
    if not assistant.require_passing_checks:
        return {"status": None}
    number = version if isinstance(version, int) else version.version
    latest = latest_comparison(assistant, number)
    return {
        "status": gate_status(latest),
        "passes": latest is not None and latest.passes,
        "comparison": latest,
    }
