"""Three-way merge of versions: replay a draft's changes onto a newer live version.

When an integration publishes a new version over an editor's draft (an API ``PATCH``), both
started from the same version, the *base*. For every field, what each side did since the base
decides: a field only the draft changed keeps the draft's value ("ours"), a field only the live
version changed takes the live value ("theirs"), a field both changed the same way is simply
that value, and a field both changed differently is a *conflict* the editor settles.

Fields are the version's name, description, and every leaf of its context, metadata and config
(nested objects are walked; lists and other values are compared whole). A field that exists on
one side only is :data:`MISSING` on the other: removing a field is a change like any other.
Pure functions over mappings: no database, no Django models needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphs.values import same_value, show_value

__all__ = [
    "MISSING",
    "FieldMerge",
    "Merge",
    "UnresolvedConflicts",
    "merge3",
    "merge_versions",
    "merge_snapshot",
]

Outcome = Literal["unchanged", "ours", "theirs", "both", "conflict"]
Side = Literal["ours", "theirs"]


class _Missing:
    """A field that one version does not have."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class UnresolvedConflicts(ValueError):
    """A merge was asked for its result while conflicts had no (valid) choice."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__("Choose a value for: " + ", ".join(paths))


@dataclass(frozen=True)
class FieldMerge:
    """One field of a three-way merge (``path`` is dotted: ``context.sources.domains``)."""

    path: str
    outcome: Outcome
    base: Any
    ours: Any
    theirs: Any
    label: str = ""

    @property
    def is_conflict(self) -> bool:
        return self.outcome == "conflict"

    @property
    def display_label(self) -> str:
        return self.label or self.path

    @property
    def base_unset(self) -> bool:
        return self.base is MISSING

    @property
    def ours_unset(self) -> bool:
        return self.ours is MISSING

    @property
    def theirs_unset(self) -> bool:
        return self.theirs is MISSING

    @property
    def base_text(self) -> str:
        return _text(self.base)

    @property
    def ours_text(self) -> str:
        return _text(self.ours)

    @property
    def theirs_text(self) -> str:
        return _text(self.theirs)


def _text(value: Any) -> str:
    return "" if value is MISSING else show_value(value, style="block")


@dataclass(frozen=True)
class Merge:
    """Every field of the three versions, in a stable order, with what the merge does to it."""

    fields: list[FieldMerge]
    _sides: tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]

    @property
    def conflicts(self) -> list[FieldMerge]:
        return [f for f in self.fields if f.is_conflict]

    @property
    def changes(self) -> list[FieldMerge]:
        """The fields someone changed and that merge without a question."""
        return [f for f in self.fields if f.outcome in ("ours", "theirs", "both")]

    def resolve(self, choices: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The merged snapshot; ``choices`` maps each conflict's path to "ours" or "theirs".

        Raises :class:`UnresolvedConflicts` naming every conflict without a valid choice.
        """
        choices = choices or {}
        missing = [f.path for f in self.conflicts if choices.get(f.path) not in ("ours", "theirs")]
        if missing:
            raise UnresolvedConflicts(missing)
        base, ours, theirs = self._sides
        return _build(base, ours, theirs, (), choices)


def _nested(base: Any, ours: Any, theirs: Any) -> bool:
    """Walk into a field when both sides kept it an object (a new object on both sides too)."""
    return (
        isinstance(ours, Mapping)
        and isinstance(theirs, Mapping)
        and (base is MISSING or isinstance(base, Mapping))
    )


def _keys(*sides: Any) -> list[str]:
    keys: dict[str, None] = {}
    for side in sides:
        if isinstance(side, Mapping):
            keys.update(dict.fromkeys(side))
    return list(keys)


def _outcome(base: Any, ours: Any, theirs: Any) -> Outcome:
    if same_value(ours, theirs):
        return "unchanged" if same_value(base, ours) else "both"
    if same_value(base, ours):
        return "theirs"
    if same_value(base, theirs):
        return "ours"
    return "conflict"


def _get(side: Any, key: str) -> Any:
    return side.get(key, MISSING) if isinstance(side, Mapping) else MISSING


def _walk(
    base: Any, ours: Any, theirs: Any, path: tuple[str, ...], labels: Mapping[str, str]
) -> list[FieldMerge]:
    fields: list[FieldMerge] = []
    for key in _keys(base, ours, theirs):
        b, o, t = _get(base, key), _get(ours, key), _get(theirs, key)
        here = (*path, key)
        if _nested(b, o, t):
            fields.extend(_walk(b, o, t, here, labels))
            continue
        dotted = ".".join(here)
        fields.append(FieldMerge(dotted, _outcome(b, o, t), b, o, t, label=labels.get(dotted, "")))
    return fields


def _build(
    base: Any, ours: Any, theirs: Any, path: tuple[str, ...], choices: Mapping[str, str]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in _keys(base, ours, theirs):
        b, o, t = _get(base, key), _get(ours, key), _get(theirs, key)
        here = (*path, key)
        if _nested(b, o, t):
            result[key] = _build(b, o, t, here, choices)
            continue
        outcome = _outcome(b, o, t)
        choice = choices.get(".".join(here)) if outcome == "conflict" else None
        value = t if outcome == "theirs" or choice == "theirs" else o
        if value is not MISSING:
            result[key] = value
    return result


def merge3(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
) -> Merge:
    """Merge ``ours`` and ``theirs``, two descendants of ``base``, field by field."""
    return Merge(_walk(base, ours, theirs, (), labels or {}), (base, ours, theirs))


def merge_snapshot(version: Any) -> dict[str, Any]:
    """What a rebase merges of a version: name, description, context, metadata and config.

    ``config.configurable`` is left out: it mirrors the context, which is merged instead.
    """
    return {
        "name": version.name,
        "description": version.description or "",
        "context": dict(version.context or {}),
        "metadata": dict(version.metadata or {}),
        "config": {k: v for k, v in (version.config or {}).items() if k != "configurable"},
    }


def merge_versions(
    base: Any, ours: Any, theirs: Any, *, labels: Mapping[str, str] | None = None
) -> Merge:
    """:func:`merge3` of three versions' snapshots; context labels come from the graph's schema."""
    full = {"name": "Name", "description": "Description"}
    full.update({f"context.{path}": label for path, label in (labels or {}).items()})
    return merge3(merge_snapshot(base), merge_snapshot(ours), merge_snapshot(theirs), labels=full)
