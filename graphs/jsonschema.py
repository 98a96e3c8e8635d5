"""Reading a graph's JSON Schema: one rule for ``$ref``, one walk over its properties.

Forms, read-only pages, the graph page, validation and the schema hints all read schemas
through this module, so a property gets the same path, label, kind, nullability and
"required" flag wherever it is shown or checked.

* :func:`follow_ref` resolves a local JSON Pointer (``#/$defs/Tone``) to the object it names.
* :func:`resolve_ref` follows ``$ref`` chains (and a single-member ``allOf``, which is how
  pydantic wraps a ``$ref`` that has a description or default); sibling keywords override the
  target, so a property keeps its own title, description and default.
* :func:`split_nullable` turns ``anyOf: [X, null]`` (``Optional[X]``) into ``(X, True)``.
* :func:`field_kind` names the control a property gets (prompt, model, list, object...).
* :func:`properties` iterates one object's properties; :func:`walk` every property, nested
  objects included, as :class:`Property` rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Property",
    "field_kind",
    "field_title",
    "follow_ref",
    "properties",
    "resolve_ref",
    "split_nullable",
    "walk",
]

#: How deep ``$ref`` chains and nested objects are followed (a bound against cycles).
MAX_DEPTH = 20

_MODEL_ID = re.compile(r"^[a-z][a-z0-9_.-]*[/:][A-Za-z0-9][A-Za-z0-9_.:@/-]*$")


def follow_ref(root: Mapping[str, Any], ref: Any) -> Any:
    """The value a local reference (``#/...``) points at; None when it does not resolve.

    Only references inside the document are followed (a graph's schema never needs a remote one);
    ``~1`` and ``~0`` are unescaped as JSON Pointer says.
    """
    if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
        return None
    target: Any = root
    for part in ref[2:].split("/") if ref != "#" else []:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, Mapping):
            target = target.get(key)
        elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
            target = target[int(key)]
        else:
            return None
    return target


def resolve_ref(root: Mapping[str, Any], node: Any) -> dict[str, Any]:
    """Follow ``$ref`` (and a single-member ``allOf``); sibling keywords override the target.

    Returns a new dict (never the target itself); ``{}`` for anything that is not a schema object.
    """
    if not isinstance(node, Mapping):
        return {}
    result = dict(node)
    for _ in range(MAX_DEPTH):
        ref = result.get("$ref")
        all_of = result.get("allOf")
        if isinstance(ref, str) and ref.startswith("#"):
            target = follow_ref(root, ref)
            result.pop("$ref")
            result = {**(target if isinstance(target, Mapping) else {}), **result}
        elif isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
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


def field_title(key: str, schema: Mapping[str, Any]) -> str:
    """The schema's own title, else the key in words (``max_tokens`` -> "Max tokens")."""
    title = schema.get("title")
    if isinstance(title, str) and title.strip():
        return title
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ")
    return words.strip().capitalize() or key


def field_kind(name: str, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> str:
    """The control a (resolved, non-null) property gets.

    One of ``choice, prompt, model, text, integer, number, boolean, list, objects, object, json``.
    LangChain's public templates rarely set Studio's hints, so names and defaults count too: a
    string is a prompt when it says ``langgraph_type: "prompt"``, its name ends in ``prompt`` or
    its default spans lines; a model when it has the ``llm`` template kind, is named ``model`` /
    ``*_model``, or its default looks like ``provider/model-name``.
    """
    root = root if root is not None else schema
    key = name.rsplit(".", 1)[-1].lower()
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


@dataclass(frozen=True)
class Property:
    """One property of a schema object, read the one way every page reads it."""

    key: str  #: its name in the object
    path: str  #: dotted path from the root (``sources.allowed_domains``)
    label: str  #: its own title, else its name in words
    full_label: str  #: with its groups' labels (``Sources › Allowed domains``)
    kind: str  #: see :func:`field_kind`
    schema: dict[str, Any]  #: resolved and without the ``null`` branch
    raw: Mapping[str, Any]  #: as written in the parent's ``properties``
    nullable: bool
    required: bool
    depth: int


def properties(
    root: Mapping[str, Any],
    node: Mapping[str, Any] | None = None,
    *,
    prefix: str = "",
    label_prefix: str = "",
    depth: int = 0,
) -> Iterator[Property]:
    """The properties of one object schema (``node``, by default the root), in schema order."""
    node = root if node is None else node
    declared = node.get("properties")
    if not isinstance(declared, Mapping):
        return
    required = node.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    for key, raw in declared.items():
        own = raw if isinstance(raw, Mapping) else {}
        schema, nullable = split_nullable(root, resolve_ref(root, raw))
        path = f"{prefix}{key}"
        label = field_title(key, own)
        yield Property(
            key=key,
            path=path,
            label=label,
            full_label=f"{label_prefix}{label}",
            kind=field_kind(path, schema, root),
            schema=schema,
            raw=own,
            nullable=nullable,
            required=key in required_names,
            depth=depth,
        )


def walk(root: Mapping[str, Any] | None) -> Iterator[Property]:
    """Every property, depth first; a nested object's properties follow the object itself."""

    def visit(
        node: Mapping[str, Any], prefix: str, label_prefix: str, depth: int
    ) -> Iterator[Property]:
        for prop in properties(root_, node, prefix=prefix, label_prefix=label_prefix, depth=depth):
            yield prop
            if prop.kind == "object" and depth < MAX_DEPTH:
                yield from visit(prop.schema, f"{prop.path}.", f"{prop.full_label} › ", depth + 1)

    root_ = root or {}
    yield from visit(root_, "", "", 0)
