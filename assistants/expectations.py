"""Expectations on a run's output text: plain, deterministic checks.

An expectation is ``{"kind": kind, "value": value}`` with kind one of ``contains``,
``not_contains``, ``regex`` (``re.search``), ``max_chars`` (a whole number) and ``valid_json``
(value ignored). :func:`clean_expectations` checks a list (``ValidationError`` keyed by the kind,
so a form shows it next to the field); :func:`evaluate` judges one output; both are pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

__all__ = ["KINDS", "clean_expectations", "describe", "evaluate"]

KINDS = ("contains", "not_contains", "regex", "max_chars", "valid_json")
#: Longest pattern or phrase accepted (a bound on what a check may cost).
MAX_VALUE = 2000


def _clean_one(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("kind") not in KINDS:
        raise ValidationError(
            {"__all__": [f"Each expectation needs a kind, one of: {', '.join(KINDS)}."]}
        )
    kind, value = item["kind"], item.get("value")
    if kind == "valid_json":
        return {"kind": kind, "value": True}
    if kind == "max_chars":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError({kind: ["At most N characters needs a whole number, 0 or more."]})
        return {"kind": kind, "value": value}
    if not isinstance(value, str) or not value:
        raise ValidationError({kind: ["Give the text to check for."]})
    if len(value) > MAX_VALUE:
        raise ValidationError({kind: [f"Keep it under {MAX_VALUE} characters."]})
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            raise ValidationError(
                {kind: [f"“{value}” is not a valid regular expression: {exc}."]}
            ) from None
    return {"kind": kind, "value": value}


def clean_expectations(items: Any) -> list[dict[str, Any]]:
    """The expectations, normalised; ``ValidationError`` keyed by kind for the first bad ones."""
    if not isinstance(items, list):
        raise ValidationError({"__all__": ["Expectations must be a list."]})
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for item in items:
        try:
            cleaned.append(_clean_one(item))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def evaluate(expectation: dict[str, Any], text: str) -> bool:
    """Whether ``text`` meets ``expectation`` (already cleaned)."""
    kind, value = expectation["kind"], expectation.get("value")
    if kind == "contains":
        return str(value) in text
    if kind == "not_contains":
        return str(value) not in text
    if kind == "regex":
        try:
            return re.search(str(value), text) is not None
        except re.error:  # stored before validation existed: a broken pattern never passes
            return False
    if kind == "max_chars":
        return isinstance(value, int) and len(text) <= value
    if kind == "valid_json":
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return False


def describe(expectation: dict[str, Any]) -> str:
    """A short human description: ``contains “hello”``."""
    kind, value = expectation.get("kind"), expectation.get("value")
    if kind == "contains":
        return f"contains “{value}”"
    if kind == "not_contains":
        return f"does not contain “{value}”"
    if kind == "regex":
        return f"matches /{value}/"
    if kind == "max_chars":
        return f"at most {value} characters"
    if kind == "valid_json":
        return "is valid JSON"
    return str(kind)


def by_kind(expectations: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
    """The values grouped by kind (for the form's fields)."""
    grouped: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for item in expectations:
        grouped.setdefault(item["kind"], []).append(item.get("value"))
    return grouped
