"""Prompt variables: which ``{names}`` a prompt uses, and which of them the graph fills in.

Prompts are read as Python format strings (``str.format`` and LangChain's default f-string
templates): ``{name}`` is a variable, ``{{`` and ``}}`` are literal braces, and a JSON example
such as ``{"answer": ...}`` is not a variable.

What the studio knows about a prompt field's variables comes from, in this order:

1. **A declared contract** on the field: the schema extra :data:`VARIABLES_KEY`
   (``"langgraph_variables"``), next to ``"langgraph_type": "prompt"``::

       system_prompt: str = Field(
           default="You are helpful. Time: {system_time}",
           json_schema_extra={"langgraph_type": "prompt", "langgraph_variables": ["system_time"]},
       )

   (for a dataclass: ``field(default=..., metadata={"json_schema_extra": {...}})``). The check is
   then exact: the graph fills exactly these.
2. **The field's default prompt**: the graph's author wrote its variables, so the graph fills them
   (LangChain's react-agent formats ``{system_time}`` in code).
3. **A heuristic**: the names of the graph's context fields and input fields, which graphs
   commonly format prompts with. A variable outside all three is *probably* not filled in.

:class:`VariableContract` holds what is known for one field and judges a prompt with it
(:meth:`VariableContract.check`); :func:`prompt_variable_changes` and
:func:`context_prompt_changes` compare prompts for the compare page; :func:`field_variables` lists
a field's variables for the graph page.
"""

from __future__ import annotations

import re
import string
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphs.jsonschema import walk

__all__ = [
    "VARIABLES_KEY",
    "PromptCheck",
    "VariableChanges",
    "VariableContract",
    "context_prompt_changes",
    "field_variables",
    "known_prompt_variables",
    "prompt_field_schemas",
    "prompt_variable_changes",
    "prompt_variables",
]

#: The schema extra a graph declares its prompt's variables with (a list of names).
VARIABLES_KEY = "langgraph_variables"

Certainty = Literal["exact", "likely", "unknown"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Used when a text is not a valid format string: {name} but not {{escaped}}.
_LOOSE_VARIABLE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def prompt_variables(text: Any) -> list[str]:
    """The ``{placeholders}`` a prompt uses, in order of first use.

    ``{user.name}`` and ``{items[0]}`` count as ``user`` and ``items``; positional fields
    (``{0}``) and anything that is not a name (a JSON example's ``{"key": 1}``) do not count.
    """
    if not isinstance(text, str) or "{" not in text:
        return []
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError:  # not a valid format string (a lone brace): read it loosely
        return list(dict.fromkeys(_LOOSE_VARIABLE.findall(text)))
    names = []
    for name in fields:
        match = _IDENTIFIER.match(name)
        if match and (len(name) == match.end() or name[match.end()] in ".["):
            names.append(match.group())
    return list(dict.fromkeys(names))


def _declared(schema: Mapping[str, Any]) -> frozenset[str] | None:
    value = schema.get(VARIABLES_KEY)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return None


@dataclass(frozen=True)
class PromptCheck:
    """A prompt judged against its field's :class:`VariableContract`."""

    certainty: Certainty
    #: ``{"name", "known"}`` per variable used, ``known`` None when not judged.
    variables: list[dict[str, Any]]
    #: Used but (exactly or probably, see ``certainty``) not filled in by the graph.
    unfilled: list[str]
    #: Filled in by the graph and used by the default prompt, but not by this one.
    dropped: list[str]
    #: What the graph is known to fill in, for the message.
    known: list[str]


@dataclass(frozen=True)
class VariableContract:
    """What is known about the variables of one prompt field."""

    declared: frozenset[str] | None = None  #: the graph's own list (exact)
    defaults: frozenset[str] = frozenset()  #: used by the field's default prompt
    heuristic: frozenset[str] | None = None  #: context and input names; None: unreadable
    has_default: bool = False  #: the field has a default prompt

    @classmethod
    def for_field(
        cls, schema: Mapping[str, Any], heuristic: Iterable[str] | None = None
    ) -> VariableContract:
        """The contract of a (resolved) prompt field schema plus the graph's heuristic names."""
        default = schema.get("default")
        return cls(
            declared=_declared(schema),
            defaults=frozenset(prompt_variables(default)),
            heuristic=frozenset(heuristic) if heuristic is not None else None,
            has_default=isinstance(default, str),
        )

    @property
    def certainty(self) -> Certainty:
        """``exact`` with a declared contract; ``likely`` when judged from the heuristic."""
        if self.declared is not None:
            return "exact"
        return "unknown" if self.heuristic is None else "likely"

    @property
    def known(self) -> frozenset[str] | None:
        """Names the graph fills in (or probably does); None when nothing can be judged."""
        if self.declared is not None:
            return self.declared
        if self.heuristic is None:
            return None
        return self.defaults | self.heuristic

    @property
    def filled(self) -> frozenset[str]:
        """Names the graph certainly fills in: the declared ones, else the default prompt's."""
        return self.declared if self.declared is not None else self.defaults

    @property
    def expected(self) -> frozenset[str]:
        """Names a prompt is expected to keep: those the default prompt uses and the graph fills.

        Without a default prompt, every declared name. A declared name the default does not use
        is optional (the graph offers it), so leaving it out is no warning.
        """
        return self.filled & self.defaults if self.has_default else self.filled

    def check(self, text: Any) -> PromptCheck:
        used = prompt_variables(text)
        known = self.known
        return PromptCheck(
            certainty=self.certainty,
            variables=[
                {"name": name, "known": None if known is None else name in known} for name in used
            ],
            unfilled=[name for name in used if known is not None and name not in known],
            dropped=sorted(self.expected - set(used)) if isinstance(text, str) else [],
            known=sorted(known or ()),
        )


# -- the graph's heuristic names -----------------------------------------------------------------


def known_prompt_variables(spec: Any) -> frozenset[str] | None:
    """The heuristic names for a graph: its input fields and its context fields.

    None when the input schema cannot be read (prompts are then judged only by a declared
    contract). Context fields count because graphs commonly format prompts with them (the demo
    writer fills ``{style}``). Kept in the graph's cache: reading schemas may log a failure
    every time.
    """
    from graphs.registry import GraphSpec

    if not isinstance(spec, GraphSpec):
        return _known_prompt_variables(spec)
    return spec.cached(
        ("prompt_variables",), lambda: _known_prompt_variables(spec), config_free=True
    )


def _known_prompt_variables(spec: Any) -> frozenset[str] | None:
    names = _input_names(spec)
    if names is not None:
        try:
            from graphs.schemas import graph_context_schema

            context = graph_context_schema(spec) or {}
            names |= set(context.get("properties") or {})
        except Exception:
            pass
    return frozenset(names) if names is not None else None


def _input_names(spec: Any) -> set[str] | None:
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


# -- a schema's prompt fields, and what changed between two prompts -------------------------------


def field_variables(schema: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The variables a prompt field is known to take, and whether the graph declared them.

    The declared list (:data:`VARIABLES_KEY`) when there is one, else the default prompt's.
    """
    declared = schema.get(VARIABLES_KEY)
    if _declared(schema) is not None:
        return list(dict.fromkeys(declared)), True  # type: ignore[arg-type]
    return prompt_variables(schema.get("default")), False


def prompt_field_schemas(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Dotted path -> resolved schema of every prompt field (nested ones included)."""
    return {prop.path: prop.schema for prop in walk(schema) if prop.kind == "prompt"}


@dataclass(frozen=True)
class VariableChanges:
    """How the variables of a prompt changed between two versions."""

    added: list[str]
    removed: list[str]
    #: Added and (exactly or probably) not filled in by the graph.
    unfilled: list[str]
    #: Removed although the graph fills them in.
    dropped: list[str]
    certainty: Certainty

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def prompt_variable_changes(
    old: Any,
    new: Any,
    field_schema: Mapping[str, Any] | None = None,
    heuristic: Iterable[str] | None = None,
) -> VariableChanges:
    """The variable set of ``old`` against ``new`` (two prompt texts), judged by the field's contract.

    ``field_schema`` is the prompt field's (resolved) schema, for its declared variables and its
    default; ``heuristic`` the graph's names (:func:`known_prompt_variables`).
    """
    before, after = prompt_variables(old), prompt_variables(new)
    contract = VariableContract.for_field(field_schema or {}, heuristic)
    known = contract.known
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    return VariableChanges(
        added=added,
        removed=removed,
        unfilled=[name for name in added if known is not None and name not in known],
        dropped=[name for name in removed if name in contract.filled],
        certainty=contract.certainty,
    )


def context_prompt_changes(
    schema: Mapping[str, Any] | None,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    heuristic: Iterable[str] | None = None,
) -> dict[str, VariableChanges]:
    """Prompt fields whose variable set differs between two contexts, by dotted path.

    A prompt missing from a context counts as its default (the graph's default applies).
    """
    result: dict[str, VariableChanges] = {}
    for path, field_schema in prompt_field_schemas(schema).items():
        before = _lookup(old, path, field_schema.get("default"))
        after = _lookup(new, path, field_schema.get("default"))
        changes = prompt_variable_changes(before, after, field_schema, heuristic)
        if changes:
            result[path] = changes
    return result


def _lookup(context: Mapping[str, Any] | None, path: str, default: Any) -> Any:
    value: Any = context or {}
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value
