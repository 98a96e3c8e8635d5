"""Differences between two configurations, for the compare page, the edit page and the API.

:func:`diff_configs` flattens both sides into dotted paths (nested objects are walked, lists are
compared whole) and reports each path as added, removed, changed or unchanged.
:func:`diff_words` is a word-level diff of two texts (difflib on words and whitespace), and the
``render_*`` helpers turn it into HTML in which every piece of user text is escaped.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "Change",
    "changed_only",
    "diff_configs",
    "diff_versions",
    "diff_words",
    "flatten",
    "render_inline",
    "render_side_by_side",
    "version_snapshot",
]

ChangeKind = Literal["added", "removed", "changed", "unchanged"]
Op = Literal["equal", "insert", "delete"]

_MISSING: Any = object()
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
#: Texts at least this long (or spanning lines) get a word-level diff rather than old/new values.
LONG_TEXT = 60


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [1]}`` -> ``{"a.b": 1, "c": [1]}``; empty objects stay leaves."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            result.update(flatten(item, f"{path}."))
        else:
            result[path] = item
    return result


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON type (1 and 1.0 are the same number; true is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if type(a) is not type(b) and not (isinstance(a, int | float) and isinstance(b, int | float)):
        return False
    return bool(a == b)


@dataclass(frozen=True)
class Change:
    """One dotted path of the diff; ``old``/``new`` are None when missing on that side."""

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    label: str = ""

    @property
    def changed(self) -> bool:
        return self.kind != "unchanged"

    @property
    def is_text(self) -> bool:
        """Both sides are sentences or long text: worth a word-level diff (not ids or numbers)."""
        if self.kind != "changed" or not (isinstance(self.old, str) and isinstance(self.new, str)):
            return False
        if any(len(t) >= LONG_TEXT or "\n" in t for t in (self.old, self.new)):
            return True
        return " " in self.old and " " in self.new and len(self.old) + len(self.new) >= 30

    @property
    def is_long(self) -> bool:
        """Long or multi-line on either side: shown as a block rather than inline."""
        return any(len(t) > 120 or "\n" in t for t in (self.old_text, self.new_text))

    @property
    def old_text(self) -> str:
        return _show(self.old)

    @property
    def new_text(self) -> str:
        return _show(self.new)

    @property
    def inline(self) -> SafeString:
        return render_inline(self.old_text, self.new_text)

    @property
    def side_by_side(self) -> list[tuple[SafeString, SafeString, str]]:
        return render_side_by_side(self.old_text, self.new_text)

    @property
    def display_label(self) -> str:
        return self.label or self.path


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def diff_configs(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    labels: Mapping[str, str] | None = None,
) -> list[Change]:
    """Every path of either side, in the order first seen (old side first), with its change."""
    before = flatten(old or {})
    after = flatten(new or {})
    labels = labels or {}
    changes: list[Change] = []
    for path in [*before, *(p for p in after if p not in before)]:
        a = before.get(path, _MISSING)
        b = after.get(path, _MISSING)
        if a is _MISSING:
            kind: ChangeKind = "added"
        elif b is _MISSING:
            kind = "removed"
        else:
            kind = "unchanged" if _same(a, b) else "changed"
        changes.append(
            Change(
                path=path,
                kind=kind,
                old=None if a is _MISSING else a,
                new=None if b is _MISSING else b,
                label=labels.get(path, ""),
            )
        )
    return changes


def changed_only(changes: Iterable[Change]) -> list[Change]:
    """The paths that differ: what every summary of a change shows (unchanged ones are left out)."""
    return [change for change in changes if change.changed]


def version_snapshot(version: Any) -> dict[str, Any]:
    """What the pages compare of a version (or of the assistant's published copy)."""
    config = {k: v for k, v in (version.config or {}).items() if k != "configurable"}
    snapshot: dict[str, Any] = {
        "name": version.name,
        "description": version.description or "",
        "context": dict(version.context or {}),
    }
    if config:
        snapshot["config"] = config
    if version.metadata:
        snapshot["metadata"] = dict(version.metadata)
    return snapshot


def diff_versions(old: Any, new: Any, *, labels: Mapping[str, str] | None = None) -> list[Change]:
    """:func:`diff_configs` of two versions' snapshots; context labels come from the schema."""
    full_labels = {"name": "Name", "description": "Description"}
    for path, label in (labels or {}).items():
        full_labels[f"context.{path}"] = label
    return diff_configs(version_snapshot(old), version_snapshot(new), labels=full_labels)


# -- word-level text diff ------------------------------------------------------------------------


#: Above this many token pairs, texts are diffed line by line (SequenceMatcher is quadratic).
MAX_WORD_DIFF_WORK = 2_000_000


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def diff_words(old: str, new: str) -> list[tuple[Op, str]]:
    """``[("equal", "Write a "), ("delete", "blog"), ("insert", "tweet"), ...]``.

    Adjacent pieces of the same kind are merged; a replacement is a delete followed by an insert.
    """
    a, b = _tokens(old), _tokens(new)
    if len(a) * len(b) > MAX_WORD_DIFF_WORK:
        # Matching words is quadratic: for very long texts, diff whole lines instead so a
        # compare page stays fast whatever its input (a 2 MB prompt included).
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) * len(b) > MAX_WORD_DIFF_WORK)
    pieces: list[tuple[Op, str]] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1][0] == op:
            pieces[-1] = (op, pieces[-1][1] + text)
        else:
            pieces.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return _join_changes(pieces)


def _join_changes(pieces: list[tuple[Op, str]]) -> list[tuple[Op, str]]:
    """Read as people do: "blog post" -> "short tweet", not four pieces around a shared space.

    A whitespace-only equal piece between two changes is folded into them, and each run of
    changes becomes one deletion followed by one insertion.
    """
    result: list[tuple[Op, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            result.append(("delete", "".join(deleted)))
        if inserted:
            result.append(("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for index, (op, text) in enumerate(pieces):
        if op == "delete":
            deleted.append(text)
        elif op == "insert":
            inserted.append(text)
        elif (
            text.isspace()
            and (deleted or inserted)
            and index + 1 < len(pieces)
            and pieces[index + 1][0] != "equal"
        ):
            deleted.append(text)
            inserted.append(text)
        else:
            flush()
            result.append((op, text))
    flush()
    return result


def _html(pieces: list[tuple[Op, str]], keep: tuple[Op, ...]) -> SafeString:
    parts = []
    for op, text in pieces:
        if op not in keep:
            continue
        if op == "insert":
            parts.append(f"<ins>{escape(text)}</ins>")
        elif op == "delete":
            parts.append(f"<del>{escape(text)}</del>")
        else:
            parts.append(str(escape(text)))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


def render_inline(old: str, new: str) -> SafeString:
    """One text with deletions in ``<del>`` and insertions in ``<ins>``; text is escaped."""
    return _html(diff_words(old, new), ("equal", "insert", "delete"))


def render_side_by_side(old: str, new: str) -> list[tuple[SafeString, SafeString, str]]:
    """Rows of ``(old line, new line, kind)``; changed lines carry word-level marks.

    ``kind`` is ``equal``, ``changed``, ``removed`` or ``added``; a missing side is empty.
    """
    a, b = old.split("\n"), new.split("\n")
    rows: list[tuple[SafeString, SafeString, str]] = []
    empty = mark_safe("")
    big = len(a) * len(b) > MAX_WORD_DIFF_WORK
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=big).get_opcodes():
        if tag == "equal":
            rows.extend((escape(line), escape(line), "equal") for line in a[i1:i2])
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            if k < len(left) and k < len(right):
                pieces = diff_words(left[k], right[k])
                rows.append(
                    (
                        _html(pieces, ("equal", "delete")),
                        _html(pieces, ("equal", "insert")),
                        "changed",
                    )
                )
            elif k < len(left):
                rows.append((_html([("delete", left[k])], ("delete",)), empty, "removed"))
            else:
                rows.append((empty, _html([("insert", right[k])], ("insert",)), "added"))
    return rows
