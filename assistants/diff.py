"""Differences between two configurations, for the compare page, the edit page and the API.

:func:`diff_configs` flattens both sides into dotted paths (nested objects are walked, lists are
compared whole) and reports each path as added, removed, changed or unchanged.
:func:`diff_words` is a word-level diff of two texts (difflib on words and whitespace), and the
``render_*`` helpers turn it into HTML in which every piece of user text is escaped.

Matching words is quadratic, so word-level work is bounded twice: per pair of texts
(:data:`MAX_WORD_DIFF_WORK`) and in total for everything one diff shows (a :class:`DiffBudget`
shared by the changes of one :func:`diff_configs` call, :data:`DIFF_BUDGET` token pairs). Past
either bound, texts are compared line by line: coarser marks, the same texts.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from graphs.values import same_value, show_value

__all__ = [
    "DIFF_BUDGET",
    "Change",
    "DiffBudget",
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


#: Above this many token pairs, two texts are diffed line by line (SequenceMatcher is quadratic).
MAX_WORD_DIFF_WORK = 2_000_000
#: A text with more words and spaces than this is diffed line by line.
MAX_TOKENS = 5_000
#: Work that all the diffs of one comparison may do together: :data:`SPLIT_COST` per character
#: split into words, plus the matching (see :func:`match_cost`). Calibrated on the worst inputs
#: (a few punctuation marks repeated over long lines) to stay around a tenth of a second; real
#: prompts use a part of it (a 100-line prompt with every line changed costs about 500,000).
DIFF_BUDGET = 1_000_000
#: Splitting a character into words costs about as much as ten steps of matching.
SPLIT_COST = 10
#: A side-by-side view longer than this many lines shows one row per changed or equal block
#: (with its lines) instead of one row per line: a table of a million rows is no use to anyone.
MAX_SIDE_BY_SIDE_ROWS = 2_000


def match_cost(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """A bound-like estimate of the work of ``difflib.SequenceMatcher(None, a, b)``.

    Its inner loop visits each pair of equal elements once per level of its recursion, so the
    estimate is those pairs (at least the lengths) times the depth's logarithmic bound. Repeated
    elements (punctuation, identical lines) make pairs grow with the product of the lengths.
    """
    if not a or not b:
        return len(a) + len(b)
    counts = Counter(b)
    pairs = sum(counts[item] for item in a)
    return max(len(a), len(b), pairs) * min(len(a), len(b)).bit_length()


class DiffBudget:
    """Matching work left for one comparison (all its word- and line-level diffs together).

    Each diff asks for its cost before it runs; one that does not fit is done more coarsely
    (lines instead of words, one block instead of lines). ``coarse`` counts those fallbacks.
    """

    def __init__(self, work: int = DIFF_BUDGET) -> None:
        self.left = work
        self.coarse = 0

    def spend(self, work: int) -> bool:
        if work > self.left:
            self.coarse += 1
            return False
        self.left -= work
        return True

    def spend_on_matching(self, a: Sequence[Hashable], b: Sequence[Hashable]) -> bool:
        """Spend :func:`match_cost` (not even computed when a cheaper lower bound does not fit)."""
        if a and b and max(len(a), len(b)) * min(len(a), len(b)).bit_length() > self.left:
            self.coarse += 1
            return False
        return self.spend(match_cost(a, b))


@dataclass(frozen=True)
class Change:
    """One dotted path of the diff; ``old``/``new`` are None when missing on that side."""

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    label: str = ""
    budget: DiffBudget = field(default_factory=DiffBudget, compare=False, repr=False)

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
        return show_value(self.old, style="block")

    @property
    def new_text(self) -> str:
        return show_value(self.new, style="block")

    @cached_property
    def inline(self) -> SafeString:
        return render_inline(self.old_text, self.new_text, budget=self.budget)

    @cached_property
    def side_by_side(self) -> list[tuple[SafeString, SafeString, str]]:
        return render_side_by_side(self.old_text, self.new_text, budget=self.budget)

    @property
    def display_label(self) -> str:
        return self.label or self.path


def diff_configs(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    labels: Mapping[str, str] | None = None,
) -> list[Change]:
    """Every path of either side, in the order first seen (old side first), with its change.

    The changes share one :class:`DiffBudget`: showing all their text diffs is bounded work.
    """
    before = flatten(old or {})
    after = flatten(new or {})
    labels = labels or {}
    budget = DiffBudget()
    changes: list[Change] = []
    for path in [*before, *(p for p in after if p not in before)]:
        a = before.get(path, _MISSING)
        b = after.get(path, _MISSING)
        if _filled_in(a, b, path, after) or _filled_in(b, a, path, before):
            continue  # an empty object that gained (or lost) keys: its keys are the changes
        if a is _MISSING:
            kind: ChangeKind = "added"
        elif b is _MISSING:
            kind = "removed"
        else:
            kind = "unchanged" if same_value(a, b) else "changed"
        changes.append(
            Change(
                path=path,
                kind=kind,
                old=None if a is _MISSING else a,
                new=None if b is _MISSING else b,
                label=labels.get(path, ""),
                budget=budget,
            )
        )
    return changes


def _filled_in(value: Any, other: Any, path: str, other_paths: Mapping[str, Any]) -> bool:
    """An empty object on one side whose path holds keys on the other (``{}`` -> ``{"a": 1}``)."""
    return (
        isinstance(value, Mapping)
        and not value
        and other is _MISSING
        and any(p.startswith(f"{path}.") for p in other_paths)
    )


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


def _tokens(text: str) -> list[str] | None:
    """Words, runs of whitespace and single marks; None past :data:`MAX_TOKENS`."""
    tokens = [m.group() for m in itertools.islice(_TOKEN.finditer(text), MAX_TOKENS + 1)]
    return tokens if len(tokens) <= MAX_TOKENS else None


def diff_words(old: str, new: str, *, budget: DiffBudget | None = None) -> list[tuple[Op, str]]:
    """``[("equal", "Write a "), ("delete", "blog"), ("insert", "tweet"), ...]``.

    Adjacent pieces of the same kind are merged; a replacement is a delete followed by an insert.
    Texts too long to match word by word, or whose matching does not fit in ``budget``, are
    matched line by line instead (a changed line is then deleted and inserted whole).
    """
    budget = budget if budget is not None else DiffBudget()
    words = budget.spend(SPLIT_COST * (len(old) + len(new))) and (_tokens(old), _tokens(new))
    if (
        not words
        or words[0] is None
        or words[1] is None
        or len(words[0]) * len(words[1]) > MAX_WORD_DIFF_WORK
        or not budget.spend_on_matching(words[0], words[1])
    ):
        # Matching words is quadratic: diff whole lines instead so a compare page stays fast
        # whatever its input (a 2 MB prompt, or hundreds of long lines of punctuation).
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
        opcodes = _line_opcodes(a, b, budget)
    else:
        a, b = words[0], words[1]
        opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    pieces: list[tuple[Op, str]] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1][0] == op:
            pieces[-1] = (op, pieces[-1][1] + text)
        else:
            pieces.append((op, text))

    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return _join_changes(pieces)


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


def _line_opcodes(a: list[str], b: list[str], budget: DiffBudget) -> list[Opcode]:
    """Opcodes of two lists of lines, within ``budget``.

    The common first and last lines are matched for free; the rest is matched line by line when
    that fits in the budget, and otherwise reported as one replaced block.
    """
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    opcodes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    if not middle_a and not middle_b:
        pass
    elif not middle_a or not middle_b or not budget.spend_on_matching(middle_a, middle_b):
        tag: Literal["replace", "delete", "insert"] = (
            "insert" if not middle_a else "delete" if not middle_b else "replace"
        )
        opcodes.append((tag, head, len(a) - tail, head, len(b) - tail))
    else:
        matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        opcodes.extend(
            (tag, i1 + head, i2 + head, j1 + head, j2 + head)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        )
    if tail:
        opcodes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return opcodes


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


def render_inline(old: str, new: str, *, budget: DiffBudget | None = None) -> SafeString:
    """One text with deletions in ``<del>`` and insertions in ``<ins>``; text is escaped."""
    return _html(diff_words(old, new, budget=budget), ("equal", "insert", "delete"))


def render_side_by_side(
    old: str, new: str, *, budget: DiffBudget | None = None
) -> list[tuple[SafeString, SafeString, str]]:
    """Rows of ``(old line, new line, kind)``; changed lines carry word-level marks.

    ``kind`` is ``equal``, ``changed``, ``removed`` or ``added``; a missing side is empty. All
    the matching stays within ``budget`` (a fresh :class:`DiffBudget` when not given): past it,
    lines are marked whole, and blocks of lines are compared whole. Texts longer than
    :data:`MAX_SIDE_BY_SIDE_ROWS` lines get one row per block. The cells always hold exactly the
    two texts (the rows' left cells are the old text's lines, the right cells the new text's).
    """
    budget = budget if budget is not None else DiffBudget()
    a, b = old.split("\n"), new.split("\n")
    opcodes = _line_opcodes(a, b, budget)
    per_block = len(a) + len(b) > MAX_SIDE_BY_SIDE_ROWS or len(opcodes) > MAX_SIDE_BY_SIDE_ROWS
    if per_block:
        budget.coarse += 1
        return [_block_row(tag, a[i1:i2], b[j1:j2], budget) for tag, i1, i2, j1, j2 in opcodes]
    rows: list[tuple[SafeString, SafeString, str]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            rows.extend((escape(line), escape(line), "equal") for line in a[i1:i2])
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            if k < len(left) and k < len(right):
                rows.append(_block_row("replace", [left[k]], [right[k]], budget))
            elif k < len(left):
                rows.append(_block_row("delete", [left[k]], [], budget))
            else:
                rows.append(_block_row("insert", [], [right[k]], budget))
    return rows


def _block_row(
    tag: str, left: list[str], right: list[str], budget: DiffBudget
) -> tuple[SafeString, SafeString, str]:
    """One row for lines of both sides (one line each, or a whole block)."""
    old, new = "\n".join(left), "\n".join(right)
    if tag == "equal":
        return escape(old), escape(new), "equal"
    if tag == "delete":
        return _html([("delete", old)], ("delete",)), mark_safe(""), "removed"
    if tag == "insert":
        return mark_safe(""), _html([("insert", new)], ("insert",)), "added"
    if len(left) > 1 and SPLIT_COST * (len(old) + len(new)) > budget.left:
        # A block the budget cannot split into words: its lines were matched already.
        budget.coarse += 1
        pieces: list[tuple[Op, str]] = [("delete", old), ("insert", new)]
    else:
        pieces = diff_words(old, new, budget=budget)
    return _html(pieces, ("equal", "delete")), _html(pieces, ("equal", "insert")), "changed"
