"""What every JSON value from a client must be before anything else sees it; safe reads of old rows.

A body is checked once, right after parsing (the API's parser, the pages' context form and JSON
fields), by one iterative walk, so no later step (validation, diff, rendering, JSONB search)
meets a value that breaks it:

- every string and key is valid Unicode: a lone UTF-16 surrogate (``"\\ud83d"``) is accepted by
  Python's ``json`` but cannot be encoded as UTF-8, so SQLite stored it and then every read of
  the row failed, and PostgreSQL refused the write with a server error;
- no string or key holds NUL (``\\u0000``), which PostgreSQL cannot store in ``jsonb`` or ``text``
  (the API's fields already refuse it with their own error shape, so its parser skips this one);
- nesting is at most ``STUDIO_MAX_JSON_DEPTH`` levels (the code that reads JSON recurses).

Rows written before these checks may still hold lone surrogates (SQLite). :class:`TolerantJSONField`
decodes them with U+FFFD in their place, so search, pages and exports keep working.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "JSONProblem",
    "TolerantJSONField",
    "brackets_balance",
    "depth_message",
    "json_problems",
    "json_size",
    "max_depth",
    "printable_key",
    "repair_surrogates",
    "string_problem",
]

DEFAULT_MAX_DEPTH = 64
#: At most this many problems are reported for one value (a body may hold thousands).
MAX_PROBLEMS = 10

Path = tuple[str | int, ...]


def max_depth() -> int:
    return int(getattr(settings, "STUDIO_MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH))


def depth_message(limit: int) -> str:
    return f"JSON is nested deeper than {limit} levels (the limit, STUDIO_MAX_JSON_DEPTH)."


def printable_key(key: str | int) -> str | int:
    """A key as an error can show it: lone surrogates as U+FFFD, NUL spelled out, long keys cut."""
    if not isinstance(key, str):
        return key
    shown = key if len(key) <= 80 else key[:79] + "\u2026"
    shown = shown.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return shown.replace("\x00", "\\u0000")


@dataclass(frozen=True)
class JSONProblem:
    loc: Path
    msg: str

    def as_error(self, prefix: Path = ()) -> dict[str, Any]:
        return {"loc": [*prefix, *(printable_key(part) for part in self.loc)], "msg": self.msg}

    @property
    def dotted(self) -> str:
        """The path as ``a.b.0`` (empty for the value itself), safe to show."""
        return ".".join(str(printable_key(part)) for part in self.loc)


def string_problem(text: str, *, nul: bool = True) -> str | None:
    """Why ``text`` cannot be stored (a NUL, a lone surrogate), or None."""
    if nul and "\x00" in text:
        return "must not contain NUL (\\u0000) characters."
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return (
            f"must be valid Unicode: \\u{code:04x} at character {exc.start} is a lone UTF-16 "
            "surrogate (half of a pair), not a character."
        )
    return None


#: A string (skipped), or a run of opening or of closing brackets.
_BRACKET_RUNS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]+|[\]}]+')


def brackets_balance(text: str) -> bool:
    """Whether the brackets of ``text`` (outside strings) all close, never too early. Iterative.

    For a body too deep for the JSON parser's recursion: balanced means JSON nested past any
    limit (say so), unbalanced that it was never JSON (say that). Runs of brackets are taken
    whole, so even 2 MB of them is quick.
    """
    depth = 0
    for match in _BRACKET_RUNS.finditer(text):
        run = match.group()
        if run[0] in "[{":
            depth += len(run)
        elif run[0] in "]}":
            depth -= len(run)
            if depth < 0:
                return False
    return depth == 0


def _children(item: dict[Any, Any] | list[Any]) -> Iterator[tuple[str | int, Any]]:
    return iter(item.items()) if isinstance(item, dict) else enumerate(item)


def json_problems(
    value: Any, *, depth_limit: int | None = None, nul: bool = True
) -> list[JSONProblem]:
    """The problems of a parsed JSON value (at most ``MAX_PROBLEMS``); empty when it is fine.

    Keys are checked as well as values; a bad key is reported at its own path. Iterative, and
    nothing below a level past the limit is walked, so any depth the parser returned is fine.
    ``nul=False`` leaves NUL characters to the caller (the API's fields report them themselves).
    """
    limit = max_depth() if depth_limit is None else depth_limit
    problems: list[JSONProblem] = []
    if isinstance(value, str):
        message = string_problem(value, nul=nul)
        return [JSONProblem((), f"Text {message}")] if message else []
    stack: list[tuple[Path, int, Any]] = [((), 1, value)]
    while stack and len(problems) < MAX_PROBLEMS:
        path, depth, item = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return [*problems, JSONProblem(path, depth_message(limit))]
        for key, child in _children(item):
            if type(key) is str and (message := string_problem(key, nul=nul)):
                problems.append(JSONProblem((*path, key), f"This key {message}"))
            kind = type(child)
            if kind is str:
                if message := string_problem(child, nul=nul):
                    problems.append(JSONProblem((*path, key), f"Text {message}"))
            elif kind is dict or kind is list:
                stack.append(((*path, key), depth + 1, child))
    return problems[:MAX_PROBLEMS]


def json_size(value: Any, *, stop_after: int | None = None) -> int:
    """Keys and array elements in ``value``, every level counted (a filter's size).

    Stops counting once past ``stop_after``: a caller that only needs "too large?" never walks a
    huge value in full.
    """
    size = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            size += len(item)
            stack.extend(child for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            size += len(item)
            stack.extend(child for child in item if isinstance(child, dict | list))
        if stop_after is not None and size > stop_after:
            break
    return size


# -- reading rows stored before these checks -----------------------------------------------------


def repair_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate (in keys and strings) replaced by U+FFFD."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # json.loads already joined every valid pair into one code point, so the surrogates left
        # are all lone: UTF-16 with 'replace' turns each into U+FFFD and keeps everything else.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return json.loads(text)
    return value


class TolerantJSONField(models.JSONField):
    """A ``JSONField`` whose reads survive lone surrogates stored by an older version.

    Stored JSON escapes every non-ASCII character, so a row can only hold a surrogate if its text
    has a ``\\ud8xx``-``\\udfxx`` escape; only those rows (valid emoji pairs included) pay for a
    second look. Migrations see a plain ``models.JSONField``: nothing changes in the database.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        decoded = super().from_db_value(value, expression, connection)
        if isinstance(value, str) and ("\\ud" in value or "\\uD" in value):
            return repair_surrogates(decoded)
        return decoded

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (objects, arrays and scalars), made without recursion.

    ``copy.deepcopy`` takes two Python frames per level, so a value stored by an older version
    (nested up to about 475 levels) would exhaust the recursion limit on the pages that copy it.
    Anything that is not a dict or a list is shared, as JSON scalars are immutable.
    """
    if not isinstance(value, dict | list):
        return value
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            child = item
            if isinstance(item, dict | list):
                child = {} if isinstance(item, dict) else []
                pending.append((item, child))
            if isinstance(target, dict):
                target[key] = child
            else:
                target.append(child)
    return root
