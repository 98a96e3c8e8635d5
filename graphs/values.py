"""JSON values as the studio compares and shows them (one home for both rules).

:func:`same_value` is JSON equality: ``1`` and ``1.0`` are the same number, but ``true`` is not
``1`` (Python's ``True == 1`` would say it is), at any depth. :func:`show_value` writes a value
for people, in one of three styles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["same_value", "show_value"]

Style = Literal["inline", "block", "message"]


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values: same type (numbers aside), same items, booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return bool(a == b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    return bool(a == b)


def show_value(value: Any, *, style: Style = "inline") -> str:
    """A value as text for people.

    ``inline`` (labels, defaults): text as it is, anything else as compact JSON.
    ``block`` (diffs, read-only pages): like inline but indented JSON, and nothing for null.
    ``message`` (error messages, "got ..."): text quoted, ``2.0`` as ``2``, long values cut.
    """
    if style == "message":
        return _for_message(value)
    if style == "block" and value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(
        value, ensure_ascii=False, default=str, indent=2 if style == "block" else None
    )


def _for_message(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
