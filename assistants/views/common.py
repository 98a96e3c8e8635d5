"""What every page view of the assistants needs: role checks, lookups that 404 loudly, the actor,
and the graph an assistant runs (its context schema, or the reason it cannot be used)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from graphs.forms import field_labels
from studio.htmx import HtmxHttpRequest, role_required

__all__ = [
    "GraphState",
    "actor_for",
    "can_add",
    "can_change",
    "can_delete",
    "can_publish",
    "can_view",
    "get_assistant",
    "get_version",
    "graph_state",
]

can_view = role_required("assistants.view_assistant")
can_add = role_required("assistants.add_assistant")
can_change = role_required("assistants.change_assistant")
can_publish = role_required("assistants.publish_assistant")
can_delete = role_required("assistants.delete_assistant")


def actor_for(request: HtmxHttpRequest) -> Actor:
    return Actor(user=request.user)


def get_assistant(assistant_id: uuid.UUID) -> Assistant:
    # The API's visibility rule too: an assistant of an unregistered graph is a 404.
    return get_object_or_404(Assistant.objects.visible(), pk=assistant_id)


def get_version(assistant: Assistant, number: int) -> AssistantVersion:
    try:
        return assistant.versions.get(version=number)
    except AssistantVersion.DoesNotExist:
        raise Http404(f"Version {number} of {assistant.name} does not exist.") from None


@dataclass(frozen=True)
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
    if spec.error:
        return GraphState(graph_id, spec=spec, error=spec.error)
    try:
        schema = spec.cached(
            ("context_schema",), lambda: graph_context_schema(spec), config_free=True
        )
    except Exception as exc:  # a schema bug must not take the page down
        return GraphState(graph_id, spec=spec, error=f"The graph's schema cannot be read: {exc}")
    known = known_prompt_variables(spec) if variables else None
    return GraphState(graph_id, spec=spec, schema=schema, known_variables=known)
