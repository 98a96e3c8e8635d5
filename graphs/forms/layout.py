"""The context form's layout (fields and fieldsets) and the bound field its template reads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.boundfield import BoundField

from graphs.forms.fields import OTHER_MODEL, model_groups, split_model_value
from graphs.prompts import PromptCheck, VariableContract
from graphs.values import show_value

__all__ = ["DROP", "MAX_ITEMS", "PREFIX", "FieldNode", "GroupNode", "SchemaBoundField"]

#: Prefix of the context form's inputs, so schema fields never clash with page fields
#: (``name``, ``note``, ``base_version``...).
PREFIX = "ctx"

#: Name of the checkboxes that drop a value the schema no longer has.
DROP = "_drop"

#: The most items a submitted list of objects may have.
MAX_ITEMS = 200


def _dom(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


@dataclass
class FieldNode:
    """A leaf of the layout: one form field."""

    name: str
    key: str
    bound: BoundField | None = None
    is_group: bool = False


@dataclass
class GroupNode:
    """A fieldset: a nested object, a list of objects, or one item of such a list."""

    name: str
    key: str
    kind: str  # "object", "objects" or "item"
    title: str
    description: str = ""
    children: list[FieldNode | GroupNode] = field(default_factory=list)
    nullable: bool = False
    index: int | None = None
    count: int = 0
    is_group: bool = True

    @property
    def dom_id(self) -> str:
        return "group-" + _dom(self.name)

    @property
    def count_name(self) -> str:
        return f"{PREFIX}-{self.name}.__count"

    @property
    def position(self) -> int:
        return (self.index or 0) + 1

    @property
    def parent_name(self) -> str:
        return self.name.rsplit(".", 1)[0]


def retitle(node: FieldNode | GroupNode, fields: Mapping[str, forms.Field], title: str) -> None:
    """Use the property's own title: one inherited through ``$ref`` names the class instead."""
    if isinstance(node, GroupNode):
        node.title = title
    elif node.name in fields:
        fields[node.name].label = title


def walk_layout(nodes: Iterable[FieldNode | GroupNode]) -> Iterator[FieldNode | GroupNode]:
    for node in nodes:
        yield node
        if isinstance(node, GroupNode):
            yield from walk_layout(node.children)


class SchemaBoundField(BoundField):
    """A bound field that knows its schema kind, its DOM ids and what its template needs."""

    @property
    def auto_id(self) -> str:
        return "id_" + _dom(self.html_name)

    @property
    def kind(self) -> str:
        return getattr(self.field, "kind", "text")

    @property
    def dom_id(self) -> str:
        return "field-" + _dom(self.name)

    @property
    def feedback_id(self) -> str:
        return "feedback-" + _dom(self.name)

    @property
    def hx_vals(self) -> str:
        return json.dumps({"_field": self.name})

    @property
    def is_required(self) -> bool:
        return bool(getattr(self.field, "schema_required", False))

    @property
    def schema(self) -> dict[str, Any]:
        return getattr(self.field, "schema", {})

    @property
    def default_display(self) -> str:
        if "default" not in self.schema:
            return ""
        default = self.schema["default"]
        if isinstance(default, bool):
            return "on" if default else "off"
        return "empty" if default is None else show_value(default)

    # prompts
    @property
    def prompt_check(self) -> PromptCheck:
        """The prompt's variables judged by the field's contract (see graphs.prompts)."""
        contract = VariableContract.for_field(
            self.schema, getattr(self.form, "known_variables", None)
        )
        return contract.check(self.value())

    @property
    def variables(self) -> list[dict[str, Any]]:
        return self.prompt_check.variables

    @property
    def known_variable_list(self) -> list[str]:
        return self.prompt_check.known

    @property
    def unknown_variables(self) -> list[str]:
        return self.prompt_check.unfilled

    @property
    def dropped_variables(self) -> list[str]:
        return self.prompt_check.dropped

    @property
    def variables_are_declared(self) -> bool:
        return self.prompt_check.certainty == "exact"

    # lists
    @property
    def rows(self) -> list[dict[str, Any]]:
        values = self.field.prepare_value(self.value()) if self.kind == "list" else []
        last = len(values) - 1
        return [
            {"index": i, "value": value, "first": i == 0, "last": i == last, "number": i + 1}
            for i, value in enumerate(values)
        ]

    @property
    def list_input_type(self) -> str:
        return "number" if getattr(self.field, "item_type", "string") != "string" else "text"

    # model pickers
    @property
    def model_state(self) -> tuple[str, str]:
        return split_model_value(self.value())

    @property
    def model_groups(self) -> list[dict[str, Any]]:
        selected = self.model_state[0]
        return [
            {
                "label": label,
                "options": [
                    {
                        "value": model_id,
                        "label": f"{model_id.split('/', 1)[1]} ({label})",
                        "selected": selected == model_id,
                    }
                    for model_id in ids
                ],
            }
            for label, ids in model_groups()
        ]

    @property
    def model_other(self) -> str:
        return self.model_state[1]

    @property
    def model_other_selected(self) -> bool:
        choice, other = self.model_state
        return choice == OTHER_MODEL or (not choice and bool(other))

    @property
    def model_allows_empty(self) -> bool:
        return not self.field.required

    # values the schema no longer has
    @property
    def unknown_json(self) -> str:
        return json.dumps(self.initial, indent=2, ensure_ascii=False)

    @property
    def drop_checked(self) -> bool:
        return self.name in getattr(self.form, "dropped", set())
