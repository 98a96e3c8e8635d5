"""Read-only views of a stored context: rows labelled from the schema, and field labels."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphs.jsonschema import properties, walk

__all__ = ["DisplayRow", "describe_context", "field_labels"]


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
    _describe(root, root, context if isinstance(context, Mapping) else {}, "", 0, rows)
    return rows


def _describe(
    root: dict[str, Any],
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    prefix: str,
    depth: int,
    rows: list[DisplayRow],
) -> None:
    known: set[str] = set()
    for prop in properties(root, schema, prefix=prefix, depth=depth):
        known.add(prop.key)
        present = prop.key in values
        value = values[prop.key] if present else prop.schema.get("default")
        if prop.kind == "object" and isinstance(value, dict | type(None)):
            rows.append(DisplayRow(prop.path, prop.label, None, "group", not present, True, depth))
            _describe(root, prop.schema, value or {}, f"{prop.path}.", depth + 1, rows)
            continue
        if not present and "default" not in prop.schema:
            value = None
        rows.append(DisplayRow(prop.path, prop.label, value, prop.kind, not present, True, depth))
    for key, value in values.items():
        if key not in known:
            rows.append(DisplayRow(f"{prefix}{key}", key, value, "unknown", False, False, depth))


def field_labels(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """Dotted path -> human label ("Sources › Allowed domains") for every schema property."""
    return {prop.path: prop.full_label for prop in walk(schema)}
