"""The form for a graph's input, built with the same schema-to-form mapping as configurations.

:class:`InputForm` is a :class:`graphs.forms.ContextForm` over the graph's input JSON Schema (its
fields are prefixed ``input-`` so it can share a page with a configuration form). One shape gets
a friendlier control: a ``messages`` list of chat messages (LangGraph's ``MessagesState``) is one
message box, sent as a single user message.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django import forms

from graphs.forms import ContextForm
from graphs.registry import GraphSpec

__all__ = ["InputForm", "input_schema"]

MESSAGES = "messages"


def input_schema(spec: GraphSpec, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The graph's input JSON Schema; raises GraphLoadError when the graph cannot be built."""
    graph = spec.build(config)
    schema = graph.get_input_jsonschema()
    return schema if isinstance(schema, dict) else {"type": "object", "properties": {}}


def _is_message_list(prop: Any) -> bool:
    return isinstance(prop, dict) and prop.get("type") == "array" and "items" in prop


class InputForm(ContextForm):
    """The input of one run. ``graph_input`` holds the cleaned input (valid forms only)."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, schema: Mapping[str, Any]) -> None:
        own: dict[str, Any] = copy.deepcopy(dict(schema))
        properties: dict[str, Any] = dict(own.get("properties") or {})
        own["properties"] = properties
        self.messages = _is_message_list(properties.get(MESSAGES))
        if self.messages:
            properties[MESSAGES] = {
                "type": "string",
                "title": "Message",
                "description": "What you say to the assistant.",
            }
            own["required"] = sorted({*own.get("required", []), MESSAGES})
        super().__init__(data, schema=own, context=None)
        self.prefix = "input"
        if self.messages:
            self.fields[MESSAGES].widget = forms.Textarea(attrs={"rows": 4})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in cleaned.items():
            field = self.fields[name]
            if getattr(field, "schema_required", False) and value in ("", None):
                self.add_error(name, "This field is required.")
        return cleaned

    @property
    def graph_input(self) -> dict[str, Any]:
        value = dict(self.context)
        if self.messages:
            value[MESSAGES] = [{"role": "user", "content": value.get(MESSAGES, "")}]
        return value
