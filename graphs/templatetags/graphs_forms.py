"""Template tags for the generated context form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from graphs.forms.list_actions import ListAction, Op
from graphs.prompts import VariableChanges

register = template.Library()


@register.simple_tag
def list_action(op: Op, name: str, index: int | None = None) -> str:
    """The ``_list_action`` value of a row button: ``{% list_action "up" field.name row.index %}``."""
    return ListAction(op, name, index).encode()


@register.simple_tag
def variable_changes_for(changes: Mapping[str, VariableChanges] | None, path: str) -> Any:
    """The prompt variable changes of one field (graphs.prompts.context_prompt_changes), or None."""
    return (changes or {}).get(path)
