"""What the run page shows: the run's events folded into steps, model calls and live output."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from assistants.models import ComparisonRun, Run


@dataclass
class ModelCall:
    call: str
    node: str = ""
    model: str = ""
    provider: str = ""
    temperature: Any = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    usage: dict[str, int] | None = None
    latency_ms: int | None = None
    error: str = ""
    finished: bool = False


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def _fold(run: Run) -> tuple[list[dict[str, Any]], list[ModelCall]]:
    steps: list[dict[str, Any]] = []
    calls: dict[str, ModelCall] = {}
    for event in run.events.order_by("seq").values_list("data", flat=True):
        kind = event.get("type")
        if kind == "step":
            steps.append(
                {
                    "label": " › ".join(event.get("path") or [event.get("node", "")]),
                    "update": pretty(event.get("update")),
                    "elapsed_ms": event.get("elapsed_ms"),
                }
            )
            continue
        key = str(event.get("call") or "")
        call = calls.setdefault(key, ModelCall(call=key, node=str(event.get("node") or "")))
        if kind == "model_start":
            call.model, call.provider = event.get("model", ""), event.get("provider", "")
            call.temperature, call.messages = event.get("temperature"), event.get("messages", [])
        elif kind == "token" and not call.finished:
            call.text += event.get("text", "")
        elif kind == "model_end":
            call.text, call.finished = event.get("text") or call.text, True
            call.usage, call.latency_ms = event.get("usage"), event.get("latency_ms")
        elif kind == "model_error":
            call.error, call.finished = event.get("error", ""), True
            call.latency_ms = event.get("latency_ms")
    return steps, list(calls.values())


def run_display(run: Run, request: HttpRequest) -> dict[str, Any]:
    """The template context of the run page and its live region."""
    steps, calls = _fold(run)
    output_text = run.output_text
    if not output_text and run.output is not None and isinstance(run.output, str):
        output_text = run.output
    streaming = next((c.text for c in reversed(calls) if c.text), "") if not run.is_finished else ""
    user = request.user
    try:
        link = run.comparison_link  # loaded with the run (select_related): no query
    except ComparisonRun.DoesNotExist:
        link = None
    return {
        "run": run,
        "comparison_link": link,
        "assistant": run.assistant,
        "steps": steps,
        "calls": calls,
        "streaming": streaming,
        "output_text": output_text,
        "output_json": pretty(run.output) if run.output is not None else "",
        "input_json": pretty(run.input),
        "context_json": pretty(run.context),
        "show_traceback": bool(getattr(user, "is_staff", False) and run.traceback),
        "can_run": user.has_perm("assistants.change_assistant"),  # type: ignore[union-attr]
    }
