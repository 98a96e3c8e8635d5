"""Django forms generated from a graph's context JSON Schema.

One mapping from JSON Schema to form fields (:func:`field_kind` decides, :class:`ContextForm`
builds), so every page that edits a configuration offers the same controls:

========================  ===========================================================
schema                    control
========================  ===========================================================
string                    text input
prompt string             large editor listing the ``{variables}`` it uses
model string              select of known ``provider/model`` ids plus "Other"
enum / const              select
integer, number           number input with min / max / step
boolean                   checkbox (a three-way select when it may be null)
array of scalars          rows that can be added, removed and reordered
array of objects          one fieldset per item (``items.0.name``)
object                    fieldset of its properties (``sources.allowed_domains``)
anything else             JSON text area
========================  ===========================================================

Form field names are dotted paths into the context. Values the stored context has but the schema
no longer describes are kept as read-only fields and carried through on save unless the user asks
to drop them. Schema errors from :func:`graphs.validation.validate_context` land on the field they
concern.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.http import QueryDict

from graphs.validation import NON_FIELD, validate_context
from studio.jsonsafety import depth_message, json_problems, max_depth

__all__ = [
    "MODEL_CHOICES",
    "OTHER_MODEL",
    "ContextForm",
    "DisplayRow",
    "FieldNode",
    "GroupNode",
    "apply_list_action",
    "describe_context",
    "field_kind",
    "field_labels",
    "field_title",
    "known_prompt_variables",
    "prompt_variables",
    "resolve_ref",
    "split_nullable",
]

#: Prefix of the context form's inputs, so schema fields never clash with page fields
#: (``name``, ``note``, ``base_version``...).
PREFIX = "ctx"

#: Name of the submit buttons that add, remove or move rows of a list without saving.
LIST_ACTION = "_list_action"

#: Name of the checkboxes that drop a value the schema no longer has.
DROP = "_drop"

#: The select option that reveals the free-text model id.
OTHER_MODEL = "__other__"

#: Known chat models, ``provider/model-name`` as LangChain's ``init_chat_model`` spells providers.
MODEL_CHOICES: dict[str, tuple[str, list[str]]] = {
    "anthropic": (
        "Anthropic",
        ["claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-3-5-haiku-latest"],
    ),
    "openai": (
        "OpenAI",
        [
            "gpt-5",
            "gpt-5-mini",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4o",
            "gpt-4o-mini",
            "o3",
            "o4-mini",
        ],
    ),
    "google_genai": ("Google", ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"]),
    "mistralai": (
        "Mistral",
        ["mistral-large-latest", "mistral-medium-latest", "mistral-small-latest"],
    ),
}

KNOWN_MODELS = frozenset(
    f"{provider}/{name}" for provider, (_, names) in MODEL_CHOICES.items() for name in names
)

_MODEL_ID = re.compile(r"^[a-z][a-z0-9_.-]*[/:][A-Za-z0-9][A-Za-z0-9_.:@/-]*$")
# {name} but not {{escaped}}: the placeholders str.format fills in.
_VARIABLE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_MISSING: Any = object()
_MAX_ITEMS = 200


# -- reading schemas -------------------------------------------------------------------------


def resolve_ref(root: Mapping[str, Any], node: Any) -> dict[str, Any]:
    """Follow ``$ref`` (and a single-member ``allOf``); sibling keywords override the target."""
    if not isinstance(node, dict):
        return {}
    result = dict(node)
    for _ in range(20):  # a bound against reference cycles
        ref = result.get("$ref")
        all_of = result.get("allOf")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            result.pop("$ref")
            result = {**(target if isinstance(target, dict) else {}), **result}
        elif isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            result.pop("allOf")
            result = {**all_of[0], **result}
        else:
            break
    return result


def split_nullable(root: Mapping[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``anyOf: [X, null]`` -> ``(X, True)``; the outer title, description and default win."""
    options = node.get("anyOf") or node.get("oneOf")
    if isinstance(options, list):
        resolved = [resolve_ref(root, option) for option in options]
        rest = [option for option in resolved if option.get("type") != "null"]
        nullable = len(rest) < len(resolved)
        if len(rest) == 1:
            outer = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
            return {**rest[0], **outer}, nullable
        return node, nullable
    kind = node.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest_types = [t for t in kind if t != "null"]
        return {**node, "type": rest_types[0] if len(rest_types) == 1 else rest_types}, True
    return node, kind == "null"


def _last(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def field_kind(name: str, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> str:
    """The control a (resolved, non-null) property gets, see the module docstring.

    One of ``choice, prompt, model, text, integer, number, boolean, list, objects, object, json``.
    """
    root = root if root is not None else schema
    key = _last(name).lower()
    if "enum" in schema or "const" in schema:
        return "choice"
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    if kind == "string":
        default = schema.get("default")
        if schema.get("langgraph_type") == "prompt" or key.endswith("prompt"):
            return "prompt"
        if schema.get("x-template-kind") == "llm" or key == "model" or key.endswith("_model"):
            return "model"
        if isinstance(default, str) and "\n" in default:
            return "prompt"
        if isinstance(default, str) and _MODEL_ID.match(default):
            return "model"
        return "text"
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    if kind == "array":
        items, _ = split_nullable(root, resolve_ref(root, schema.get("items")))
        if items.get("type") in ("string", "integer", "number") and "enum" not in items:
            return "list"
        if items.get("type") == "object" and items.get("properties"):
            return "objects"
        return "json"
    if kind == "object" and schema.get("properties"):
        return "object"
    return "json"


def prompt_variables(text: Any) -> list[str]:
    """The ``{placeholders}`` a prompt uses, in order of first use."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(_VARIABLE.findall(text)))


_variables_cache: weakref.WeakKeyDictionary[Any, frozenset[str] | None] = (
    weakref.WeakKeyDictionary()
)


def known_prompt_variables(spec: Any) -> frozenset[str] | None:
    """Names a prompt of ``spec`` may use: the graph's input fields and its context fields.

    None when the input schema cannot be read (the page then lists variables without judging
    them). Context fields count because graphs commonly format prompts with them (the demo writer
    fills ``{style}``). Cached per graph: reading schemas may log a failure every time.
    """
    try:
        return _variables_cache[spec]
    except (KeyError, TypeError):
        pass
    names = _input_names(spec)
    if names is not None:
        try:
            from graphs.schemas import graph_context_schema

            context = graph_context_schema(spec) or {}
            names |= set(context.get("properties") or {})
        except Exception:
            pass
    result = frozenset(names) if names is not None else None
    with contextlib.suppress(TypeError):
        _variables_cache[spec] = result
    return result


def _input_names(spec: Any) -> set[str] | None:
    import typing

    from graphs.schemas import graph_schemas

    try:
        schema = graph_schemas(spec).get("input_schema")
    except Exception:
        schema = None
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return set(schema["properties"])
    # The JSON Schema may fail (e.g. typing.TypedDict on Python < 3.12); the annotations do not.
    try:
        graph = spec.build()
        cls = getattr(getattr(graph, "builder", None), "input_schema", None)
        hints = typing.get_type_hints(cls) if isinstance(cls, type) else {}
    except Exception:
        return None
    return set(hints) or None


# -- form fields -------------------------------------------------------------------------------


def _clean_text(value: Any) -> str:
    """Browsers send text areas with CRLF line ends; stored prompts use LF."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


class TextField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return _clean_text(value) if isinstance(value, str) else value


class NumberField(forms.FloatField):
    """A JSON number: ``5`` stays 5 (an integer), ``0.5`` is a float."""

    def to_python(self, value: Any) -> Any:
        number = super().to_python(value)
        if (
            isinstance(number, float)
            and number.is_integer()
            and "." not in str(value).lower().replace("e", ".")
        ):
            return int(number)
        return number


class RowsWidget(forms.Widget):
    """Several inputs of one name, one per list item (rendered by the field template)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no rows at all is an empty list, not a missing value


class ListField(forms.Field):
    """A list of strings or numbers; blank rows are ignored."""

    widget = RowsWidget

    def __init__(self, *, item_type: str = "string", **kwargs: Any) -> None:
        self.item_type = item_type
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return ["" if item is None else _clean_text(item) for item in value]

    def to_python(self, value: Any) -> list[Any]:
        rows = self.prepare_value(value)
        result: list[Any] = []
        errors: list[ValidationError] = []
        for position, row in enumerate(rows, 1):
            if not row.strip():
                continue
            try:
                result.append(self._coerce(row))
            except ValueError:
                wanted = "a whole number" if self.item_type == "integer" else "a number"
                errors.append(ValidationError(f"Item {position}: enter {wanted}.", code="invalid"))
        if errors:
            raise ValidationError(errors)
        return result

    def _coerce(self, row: str) -> Any:
        if self.item_type == "integer":
            return int(row.strip())
        if self.item_type == "number":
            number = float(row.strip())
            if not math.isfinite(number):
                raise ValueError("not a finite number")
            return int(number) if number.is_integer() and "." not in row else number
        return row

    def validate(self, value: Any) -> None:
        return  # an empty list is a value; the schema judges lengths


class ModelPickerWidget(forms.Widget):
    """A select of known models plus a free-text "other" id (rendered by the field template)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (data.get(name) or "", data.get(f"{name}_other") or "")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_other" not in data


def split_model_value(value: Any) -> tuple[str, str]:
    """``(select value, other text)`` for a stored model id or a submitted pair."""
    if isinstance(value, list | tuple):
        choice = str(value[0] or "") if value else ""
        other = str(value[1] or "") if len(value) > 1 else ""
        return choice, other
    if value in (None, ""):
        return "", ""
    text = str(value)
    return (text, "") if text in KNOWN_MODELS else (OTHER_MODEL, text)


class ModelField(forms.Field):
    widget = ModelPickerWidget

    def to_python(self, value: Any) -> str:
        choice, other = split_model_value(value)
        if choice == OTHER_MODEL or (not choice and other.strip()):
            if not other.strip():
                raise ValidationError(
                    "Enter the model id, as provider/model-name.", code="required"
                )
            return other.strip()
        if choice and choice not in KNOWN_MODELS:
            raise ValidationError("Choose a model from the list or “Other”.", code="invalid_choice")
        return choice


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False


class PrettyJSONField(forms.JSONField):
    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)
        except RecursionError:
            raise ValidationError(depth_message(max_depth()), code="invalid") from None
        # NUL, lone surrogates ("\ud83d") and deep nesting: what no database stores or no reader
        # survives, checked before anything walks the value recursively.
        problems = json_problems(result)
        if problems:
            raise ValidationError(
                [": ".join(filter(None, (p.dotted, p.msg))) for p in problems], code="invalid"
            )
        if _has_non_finite(result):
            # Python's json reads NaN and Infinity, which are not JSON and no database stores.
            raise ValidationError(
                "Enter valid JSON: NaN and Infinity are not allowed.", code="invalid"
            )
        return result

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


# -- layout ----------------------------------------------------------------------------------


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


def _retitle(node: FieldNode | GroupNode, fields: Mapping[str, forms.Field], title: str) -> None:
    """Use the property's own title: one inherited through ``$ref`` names the class instead."""
    if isinstance(node, GroupNode):
        node.title = title
    elif node.name in fields:
        fields[node.name].label = title


def field_title(key: str, schema: Mapping[str, Any]) -> str:
    title = schema.get("title")
    if isinstance(title, str) and title.strip():
        return title
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ")
    return words.strip().capitalize() or key


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
        return "empty" if default is None else _show(default)

    # prompts
    @property
    def variables(self) -> list[dict[str, Any]]:
        known = getattr(self.form, "known_variables", None)
        return [
            {"name": name, "known": None if known is None else name in known}
            for name in prompt_variables(self.value())
        ]

    @property
    def known_variable_list(self) -> list[str]:
        return sorted(getattr(self.form, "known_variables", None) or ())

    @property
    def unknown_variables(self) -> list[str]:
        return [v["name"] for v in self.variables if v["known"] is False]

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
                        "value": f"{provider}/{name}",
                        "label": f"{name} ({label})",
                        "selected": selected == f"{provider}/{name}",
                    }
                    for name in names
                ],
            }
            for provider, (label, names) in MODEL_CHOICES.items()
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
        self.original = copy.deepcopy(dict(context)) if context is not None else None
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
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        stored = original if isinstance(original, dict) else {}
        defaults = default if isinstance(default, dict) else {}
        nodes: list[FieldNode | GroupNode] = []
        for key, raw in properties.items():
            name = f"{prefix}{key}"
            prop, nullable = split_nullable(self.schema, resolve_ref(self.schema, raw))
            value = stored.get(key, _MISSING)
            prop_default = prop.get("default", defaults.get(key, _MISSING))
            node = self._build_property(
                name, key, prop, nullable, value, prop_default, required=key in required, new=new
            )
            _retitle(node, self.fields, field_title(key, raw if isinstance(raw, dict) else {}))
            nodes.append(node)
        for key, value in stored.items():
            if key not in properties:
                nodes.append(self._unknown(f"{prefix}{key}", key, value))
        return nodes

    def _build_property(
        self,
        name: str,
        key: str,
        prop: dict[str, Any],
        nullable: bool,
        value: Any,
        default: Any,
        *,
        required: bool,
        new: bool,
    ) -> FieldNode | GroupNode:
        kind = field_kind(name, prop, self.schema)
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
        form_field.initial = copy.deepcopy(initial)
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
            originals: list[Any] = [None] * max(0, min(count, _MAX_ITEMS))
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
            choices = [(k, _show(v) if not isinstance(v, str) else v) for k, v in lookup.items()]
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
        form_field = forms.JSONField(required=False, disabled=True, initial=copy.deepcopy(value))
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
        for node in _walk(self.layout):
            if isinstance(node, FieldNode):
                node.bound = self[node.name]
        return self.layout

    def leaves(self) -> Iterator[SchemaBoundField]:
        for node in _walk(self.layout):
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
                    result[node.key] = copy.deepcopy(form_field.initial)
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
            if not new and not present and default is not _MISSING and _same(value, default):
                continue
            result[node.key] = value
        return result


def _is_empty(form_field: forms.Field, value: Any) -> bool:
    kind = getattr(form_field, "kind", "")
    if kind == "list" or kind == "boolean" and not getattr(form_field, "nullable", False):
        return False
    return value is None or value == ""


def _same(a: Any, b: Any) -> bool:
    return (
        json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
        or a == b
    )


def _choice_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _walk(nodes: Iterable[FieldNode | GroupNode]) -> Iterator[FieldNode | GroupNode]:
    for node in nodes:
        yield node
        if isinstance(node, GroupNode):
            yield from _walk(node.children)


# -- list actions (add, remove, reorder rows without saving) -----------------------------------


def apply_list_action(data: QueryDict, action: str) -> QueryDict:
    """Apply ``"<op>:<index>:<field name>"`` (op: add, remove, up, down) to submitted data.

    Works for lists of scalars (several inputs of one name) and lists of objects (inputs named
    ``<name>.<index>.<key>`` plus a ``<name>.__count``). Returns a new, mutable QueryDict; an
    action it does not understand leaves the data as it was.
    """
    result = data.copy()
    op, _, rest = action.partition(":")
    index_text, _, name = rest.partition(":")
    if op not in ("add", "remove", "up", "down") or not name:
        return result
    index = int(index_text) if index_text.isdigit() else -1
    html = f"{PREFIX}-{name}"
    count_key = f"{html}.__count"
    if count_key in result:
        _object_list_action(result, html, count_key, op, index)
        return result
    rows = result.getlist(html)
    if op == "add":
        rows.append("")
    elif 0 <= index < len(rows):
        if op == "remove":
            rows.pop(index)
        elif op == "up" and index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif op == "down" and index < len(rows) - 1:
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
    result.setlist(html, rows)
    return result


def _object_list_action(data: QueryDict, html: str, count_key: str, op: str, index: int) -> None:
    try:
        count = max(0, min(int(data.get(count_key, 0)), _MAX_ITEMS))
    except ValueError:
        count = 0
    if op == "add":
        data[count_key] = str(count + 1)
        return
    if not 0 <= index < count:
        return
    order = list(range(count))
    if op == "remove":
        order.pop(index)
    elif op == "up" and index > 0:
        order[index - 1], order[index] = order[index], order[index - 1]
    elif op == "down" and index < count - 1:
        order[index + 1], order[index] = order[index], order[index + 1]
    moved: dict[str, list[str]] = {}
    head = f"{html}."
    for key in [k for k in data if k.startswith(head) and k != count_key]:
        position, dot, tail = key[len(head) :].partition(".")
        values = data.getlist(key)
        del data[key]
        if not position.isdigit() or int(position) not in order:
            continue
        moved[f"{head}{order.index(int(position))}{dot}{tail}"] = values
    for key, values in moved.items():
        data.setlist(key, values)
    data[count_key] = str(len(order))


# -- read-only display ---------------------------------------------------------------------------


@dataclass
class DisplayRow:
    """One value of a stored context, labelled from the schema, for read-only pages."""

    path: str
    label: str
    value: Any
    kind: str
    is_default: bool = False
    in_schema: bool = True
    depth: int = 0

    @property
    def text(self) -> str:
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, indent=2, ensure_ascii=False)

    @property
    def is_long(self) -> bool:
        return self.kind in ("prompt", "json") or "\n" in self.text or len(self.text) > 120


def describe_context(
    schema: Mapping[str, Any] | None, context: Mapping[str, Any]
) -> list[DisplayRow]:
    """Rows for a stored context: schema fields first (defaults shown as such), then the rest."""
    rows: list[DisplayRow] = []
    root = dict(schema) if schema else {}
    _describe(root, root, context if isinstance(context, Mapping) else {}, "", "", 0, rows)
    return rows


def _describe(
    root: dict[str, Any],
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    prefix: str,
    label_prefix: str,
    depth: int,
    rows: list[DisplayRow],
) -> None:
    properties = schema.get("properties") or {}
    for key, raw in properties.items():
        prop, _ = split_nullable(root, resolve_ref(root, raw))
        own = raw if isinstance(raw, dict) else {}
        path, label = f"{prefix}{key}", f"{label_prefix}{field_title(key, own)}"
        kind = field_kind(path, prop, root)
        present = key in values
        value = values[key] if present else prop.get("default")
        if kind == "object" and isinstance(value, dict | type(None)):
            rows.append(DisplayRow(path, label, None, "group", not present, True, depth))
            _describe(root, prop, value or {}, f"{path}.", "", depth + 1, rows)
            continue
        if not present and "default" not in prop:
            value = None
        rows.append(DisplayRow(path, label, value, kind, not present, True, depth))
    for key, value in values.items():
        if key not in properties:
            rows.append(DisplayRow(f"{prefix}{key}", key, value, "unknown", False, False, depth))


def field_labels(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """Dotted path -> human label ("Sources › Allowed domains") for every schema property."""
    labels: dict[str, str] = {}
    root = dict(schema) if schema else {}

    def visit(node: Mapping[str, Any], prefix: str, label_prefix: str) -> None:
        for key, raw in (node.get("properties") or {}).items():
            prop, _ = split_nullable(root, resolve_ref(root, raw))
            label = f"{label_prefix}{field_title(key, raw if isinstance(raw, dict) else {})}"
            labels[f"{prefix}{key}"] = label
            if field_kind(key, prop, root) == "object":
                visit(prop, f"{prefix}{key}.", f"{label} › ")

    visit(root, "", "")
    return labels
