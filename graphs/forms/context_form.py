"""The context form: a Django form generated from a graph's context JSON Schema.

Form field names are dotted paths into the context. Values the stored context has but the schema
no longer describes are kept as read-only fields and carried through on save unless the user asks
to drop them. Schema errors from :func:`graphs.validation.validate_context` land on the field they
concern.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from graphs.forms.fields import ListField, ModelField, NumberField, PrettyJSONField, TextField
from graphs.forms.layout import (
    DROP,
    MAX_ITEMS,
    PREFIX,
    FieldNode,
    GroupNode,
    SchemaBoundField,
    retitle,
    walk_layout,
)
from graphs.jsonschema import Property, field_title, properties, resolve_ref, split_nullable
from graphs.validation import NON_FIELD, validate_context
from graphs.values import same_value, show_value
from studio.jsonsafety import copy_json, json_problems

__all__ = ["ContextForm"]

_MISSING: Any = object()


class ContextForm(forms.Form):
    """The form for a graph's context.

    ``schema`` is the context JSON Schema (None: the graph declares none). ``context`` is the
    stored context the form edits; None means a new assistant, whose form starts from the schema
    defaults and saves every value. When editing, a value the stored context did not have and
    that still equals the schema default stays out of the saved context (the graph's default
    keeps applying), so a save only records what the user set.
    """

    bound_field_class = SchemaBoundField
    use_required_attribute = False

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        schema: Mapping[str, Any] | None,
        context: Mapping[str, Any] | None = None,
        known_variables: Iterable[str] | None = None,
    ) -> None:
        super().__init__(data, prefix=PREFIX)
        self.schema: dict[str, Any] = (
            dict(schema) if schema else {"type": "object", "properties": {}}
        )
        self.original = copy_json(dict(context)) if context is not None else None
        self.known_variables = frozenset(known_variables) if known_variables is not None else None
        self.dropped: set[str] = (
            set(self.data.getlist(DROP))
            if self.is_bound and hasattr(self.data, "getlist")
            else set()
        )
        self.context: dict[str, Any] = {}
        self.layout: list[FieldNode | GroupNode] = self._build_object(
            "", self.schema, self.original, new=self.original is None, default=_MISSING
        )

    # -- building ----------------------------------------------------------------------------

    def _build_object(
        self,
        prefix: str,
        schema: Mapping[str, Any],
        original: Any,
        *,
        new: bool,
        default: Any,
    ) -> list[FieldNode | GroupNode]:
        stored = original if isinstance(original, dict) else {}
        defaults = default if isinstance(default, dict) else {}
        nodes: list[FieldNode | GroupNode] = []
        known: set[str] = set()
        for prop in properties(self.schema, schema, prefix=prefix):
            known.add(prop.key)
            value = stored.get(prop.key, _MISSING)
            prop_default = prop.schema.get("default", defaults.get(prop.key, _MISSING))
            node = self._build_property(prop, value, prop_default, new=new)
            retitle(node, self.fields, prop.label)
            nodes.append(node)
        for key, value in stored.items():
            if key not in known:
                nodes.append(self._unknown(f"{prefix}{key}", key, value))
        return nodes

    def _build_property(
        self, schema_property: Property, value: Any, default: Any, *, new: bool
    ) -> FieldNode | GroupNode:
        name, key, kind = schema_property.path, schema_property.key, schema_property.kind
        prop, nullable = schema_property.schema, schema_property.nullable
        required = schema_property.required
        title = field_title(key, prop)
        description = str(prop.get("description") or "")
        if kind == "object" and not nullable:
            node = GroupNode(name, key, "object", title, description, nullable=nullable)
            sub_original = value if isinstance(value, dict) else (None if new else {})
            node.children = self._build_object(
                f"{name}.", prop, sub_original, new=new, default=default
            )
            return node
        if kind == "objects":
            return self._build_items(name, key, prop, title, description, value, default)
        if kind == "object":
            kind = "json"
        initial = value if value is not _MISSING else (default if default is not _MISSING else None)
        form_field = self._make_field(
            kind, prop, nullable=nullable, required=required, has_default=default is not _MISSING
        )
        form_field.label = title
        form_field.help_text = description
        form_field.initial = copy_json(initial)
        form_field.kind = kind  # type: ignore[attr-defined]
        form_field.schema = prop  # type: ignore[attr-defined]
        form_field.nullable = nullable  # type: ignore[attr-defined]
        form_field.schema_required = required  # type: ignore[attr-defined]
        form_field.key = key  # type: ignore[attr-defined]
        form_field.default = default  # type: ignore[attr-defined]
        self.fields[name] = form_field
        return FieldNode(name, key)

    def _build_items(
        self,
        name: str,
        key: str,
        prop: dict[str, Any],
        title: str,
        description: str,
        value: Any,
        default: Any,
    ) -> GroupNode:
        items_schema, _ = split_nullable(self.schema, resolve_ref(self.schema, prop.get("items")))
        node = GroupNode(name, key, "objects", title, description)
        if self.is_bound:
            try:
                count = int(self.data.get(f"{PREFIX}-{name}.__count", 0))
            except (TypeError, ValueError):
                count = 0
            originals: list[Any] = [None] * max(0, min(count, MAX_ITEMS))
        else:
            source = (
                value if value is not _MISSING else (default if default is not _MISSING else [])
            )
            originals = list(source) if isinstance(source, list) else []
        for index, item in enumerate(originals):
            item_node = GroupNode(
                f"{name}.{index}", str(index), "item", f"{title} {index + 1}", index=index
            )
            item_node.children = self._build_object(
                f"{name}.{index}.",
                items_schema,
                item if isinstance(item, dict) else None,
                new=True,
                default=_MISSING,
            )
            node.children.append(item_node)
        node.count = len(originals)
        return node

    def _make_field(
        self, kind: str, prop: dict[str, Any], *, nullable: bool, required: bool, has_default: bool
    ) -> forms.Field:
        must_fill = required and not nullable
        if kind == "choice":
            values = (
                prop.get("enum", [prop.get("const")]) if "enum" in prop else [prop.get("const")]
            )
            lookup = {_choice_key(v): v for v in values}
            choices = [
                (k, show_value(v) if not isinstance(v, str) else v) for k, v in lookup.items()
            ]
            if nullable or not must_fill and not has_default:
                choices.insert(0, ("", "— not set —"))
            return forms.TypedChoiceField(
                choices=choices,
                coerce=lookup.__getitem__,
                required=must_fill,
                empty_value=None,
            )
        if kind in ("integer", "number"):
            attrs: dict[str, Any] = {
                "step": prop.get("multipleOf", 1 if kind == "integer" else "any")
            }
            low = prop.get("minimum", prop.get("exclusiveMinimum"))
            high = prop.get("maximum", prop.get("exclusiveMaximum"))
            if low is not None:
                attrs["min"] = low
            if high is not None:
                attrs["max"] = high
            field_class = forms.IntegerField if kind == "integer" else NumberField
            return field_class(required=must_fill, widget=forms.NumberInput(attrs=attrs))
        if kind == "boolean":
            if nullable:
                return forms.NullBooleanField(widget=forms.NullBooleanSelect)
            return forms.BooleanField(required=False)
        if kind == "list":
            items, _ = split_nullable(self.schema, resolve_ref(self.schema, prop.get("items")))
            return ListField(item_type=str(items.get("type", "string")), required=False)
        if kind == "model":
            return ModelField(required=must_fill)
        if kind == "prompt":
            return TextField(
                required=must_fill,
                widget=forms.Textarea(
                    attrs={"rows": 10, "class": "prompt-editor", "spellcheck": "true"}
                ),
            )
        if kind == "text":
            attrs = {"maxlength": prop["maxLength"]} if "maxLength" in prop else {}
            return TextField(required=must_fill, widget=forms.TextInput(attrs=attrs))
        return PrettyJSONField(
            required=must_fill, widget=forms.Textarea(attrs={"rows": 5, "class": "json-editor"})
        )

    def _unknown(self, name: str, key: str, value: Any) -> FieldNode:
        form_field = forms.JSONField(required=False, disabled=True, initial=copy_json(value))
        form_field.label = key
        form_field.help_text = "Not in the current schema: kept as it is unless you drop it."
        form_field.kind = "unknown"  # type: ignore[attr-defined]
        form_field.schema = {}  # type: ignore[attr-defined]
        form_field.key = key  # type: ignore[attr-defined]
        self.fields[name] = form_field
        return FieldNode(name, key)

    # -- reading -----------------------------------------------------------------------------

    @property
    def nodes(self) -> list[FieldNode | GroupNode]:
        """The layout with each leaf's bound field attached (for templates)."""
        for node in walk_layout(self.layout):
            if isinstance(node, FieldNode):
                node.bound = self[node.name]
        return self.layout

    def leaves(self) -> Iterator[SchemaBoundField]:
        for node in walk_layout(self.layout):
            if isinstance(node, FieldNode):
                yield self[node.name]  # type: ignore[misc]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.context = self._assemble(
            self.layout, cleaned, self.original, new=self.original is None
        )
        problems = json_problems(self.context)  # e.g. a NUL typed into a list row or model id
        if problems:
            by_path: dict[str, list[str]] = {}
            for problem in problems:
                by_path.setdefault(problem.dotted or NON_FIELD, []).append(problem.msg)
            self.add_schema_errors(ValidationError(by_path))
            return cleaned
        schema = dict(self.schema)
        # Values are an overlay on the graph's defaults (as in services.check_context).
        schema.pop("required", None)
        try:
            validate_context(schema, self.context)
        except ValidationError as exc:
            self.add_schema_errors(exc)
        return cleaned

    def add_schema_errors(self, exc: ValidationError) -> None:
        """Put errors keyed by dotted path (graphs.validation, services) next to their field."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for path, errors in exc.error_dict.items():
            messages = [m for error in errors for m in error.messages]
            target, rest = self.field_for_path(path)
            if target is None:
                label = "" if path == NON_FIELD else f"{path}: "
                for message in messages:
                    self.add_error(None, f"{label}{message}")
                continue
            if rest and rest[0].isdigit():
                messages = [f"Item {int(rest[0]) + 1}: {m[:1].lower()}{m[1:]}" for m in messages]
            elif rest:
                messages = [f"{'.'.join(rest)}: {m}" for m in messages]
            existing = set(self.errors.get(target, []))
            for message in messages:
                if message not in existing:
                    self.add_error(target, message)

    def field_for_path(self, path: str) -> tuple[str | None, list[str]]:
        """The form field a dotted error path belongs to and the rest of the path."""
        if path == NON_FIELD:
            return None, []
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            name = ".".join(parts[:end])
            if name in self.fields:
                return name, parts[end:]
        return None, parts

    # -- assembling the context --------------------------------------------------------------

    def _assemble(
        self,
        nodes: list[FieldNode | GroupNode],
        cleaned: Mapping[str, Any],
        original: Any,
        *,
        new: bool,
    ) -> dict[str, Any]:
        stored = original if isinstance(original, dict) else {}
        result: dict[str, Any] = {}
        for node in nodes:
            present = node.key in stored
            if isinstance(node, GroupNode):
                if node.kind == "objects":
                    items = [
                        self._assemble(item.children, cleaned, None, new=True)
                        for item in node.children
                        if isinstance(item, GroupNode)
                    ]
                    if new or present or items:
                        result[node.key] = items
                    continue
                sub_original = stored.get(node.key) if present else (None if new else {})
                nested = self._assemble(node.children, cleaned, sub_original, new=new)
                if nested or present or new:
                    result[node.key] = nested
                continue
            form_field = self.fields[node.name]
            if form_field.kind == "unknown":  # type: ignore[attr-defined]
                if node.name not in self.dropped:
                    result[node.key] = copy_json(form_field.initial)
                continue
            if node.name not in cleaned:
                continue  # invalid: its error is shown; leave it out of the schema check
            value: Any = cleaned[node.name]
            if _is_empty(form_field, value):
                if getattr(form_field, "nullable", False):
                    value = None
                elif form_field.kind in ("text", "prompt") and (  # type: ignore[attr-defined]
                    present or getattr(form_field, "default", _MISSING) not in (_MISSING, "")
                ):
                    value = ""  # the user cleared a text that had a value
                else:
                    continue
            default = getattr(form_field, "default", _MISSING)
            if not new and not present and default is not _MISSING and same_value(value, default):
                continue
            result[node.key] = value
        return result


def _is_empty(form_field: forms.Field, value: Any) -> bool:
    kind = getattr(form_field, "kind", "")
    if kind == "list" or kind == "boolean" and not getattr(form_field, "nullable", False):
        return False
    return value is None or value == ""


def _choice_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
