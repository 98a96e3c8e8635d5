"""Which keys a context class takes, as LangGraph hands a stored context to it at run time.

LangGraph turns the context dict into the graph's ``context_schema``:

* a **dataclass** is called as ``Context(**context)``: a key its ``__init__`` does not take is a
  ``TypeError`` on every run;
* a **Pydantic model** is validated as ``Context(**context)``: with ``extra="forbid"`` an unknown
  key is an error, with the default ``extra="ignore"`` it is silently dropped, and only
  ``extra="allow"`` keeps it;
* a **TypedDict** is passed as it is, but declares its keys: an unknown key is never read through
  its type (a type checker rejects it) unless the TypedDict declares ``extra_items`` (PEP 728).

The studio refuses what would fail or be dropped, so nothing is stored that does not reach the
graph: :func:`key_policy` says whether a class keeps unknown keys and which keys it takes.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import dataclass
from typing import Any

import typing_extensions
from pydantic import AliasChoices, BaseModel

__all__ = ["KeyPolicy", "key_policy"]


@dataclass(frozen=True)
class KeyPolicy:
    """``open``: any key is kept. Otherwise only ``names`` reach the graph."""

    open: bool
    names: frozenset[str] = frozenset()


OPEN = KeyPolicy(open=True)

_NO_EXTRA_ITEMS: Any = getattr(typing_extensions, "NoExtraItems", object())


def key_policy(cls: Any) -> KeyPolicy:
    """The keys a structured context class takes (anything else: :data:`OPEN`)."""
    if not isinstance(cls, type):
        return OPEN
    if issubclass(cls, BaseModel):
        return _pydantic_policy(cls)
    if dataclasses.is_dataclass(cls):
        return _dataclass_policy(cls)
    if typing_extensions.is_typeddict(cls):
        return _typeddict_policy(cls)
    return OPEN


def _dataclass_policy(cls: type) -> KeyPolicy:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):  # a signature Python cannot read: do not guess
        return OPEN
    names: set[str] = set()
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return OPEN
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        ):
            names.add(parameter.name)
    return KeyPolicy(open=False, names=frozenset(names))


def _pydantic_policy(cls: type[BaseModel]) -> KeyPolicy:
    config = cls.model_config
    if config.get("extra") == "allow":
        return OPEN
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    by_alias = config.get("validate_by_alias", True) is not False
    names: set[str] = set()
    for attr, info in cls.model_fields.items():
        aliases = _aliases(info.validation_alias) or ([info.alias] if info.alias else [])
        if by_alias and aliases:
            names.update(aliases)
        if by_name or not aliases or not by_alias:
            names.add(attr)
    return KeyPolicy(open=False, names=frozenset(names))


def _aliases(alias: Any) -> list[str]:
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return []  # an AliasPath reads inside another key: that key is not known here


def _typeddict_policy(cls: type) -> KeyPolicy:
    extra = getattr(cls, "__extra_items__", _NO_EXTRA_ITEMS)
    if extra is not _NO_EXTRA_ITEMS and extra not in (typing.Never, typing.NoReturn):
        return OPEN  # PEP 728: extra_items=<type> declares that other keys are welcome
    keys = set(getattr(cls, "__required_keys__", ())) | set(getattr(cls, "__optional_keys__", ()))
    return KeyPolicy(open=False, names=frozenset(keys))
