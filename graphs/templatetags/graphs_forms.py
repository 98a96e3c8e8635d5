"""Template tags for the generated context form."""

from __future__ import annotations

from django import template

from graphs.forms.list_actions import ListAction, Op

register = template.Library()


@register.simple_tag
def list_action(op: Op, name: str, index: int | None = None) -> str:
    """The ``_list_action`` value of a row button: ``{% list_action "up" field.name row.index %}``."""
    return ListAction(op, name, index).encode()
