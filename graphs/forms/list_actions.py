"""Row actions of list fields: add, remove and move rows without saving.

A list field's buttons submit ``_list_action`` with a :class:`ListAction` encoded as
``"<op>:<index>:<field name>"``. Templates write it with the ``{% list_action %}`` tag
(``graphs_forms`` library) and views read it with :func:`parse_list_action`, so nothing else
spells the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from django.http import QueryDict

from graphs.forms.layout import MAX_ITEMS, PREFIX

__all__ = [
    "LIST_ACTION",
    "ListAction",
    "apply_list_action",
    "parse_list_action",
]

#: Name of the submit buttons that add, remove or move rows of a list without saving.
LIST_ACTION = "_list_action"

Op = Literal["add", "remove", "up", "down"]
OPS: tuple[Op, ...] = ("add", "remove", "up", "down")


@dataclass(frozen=True)
class ListAction:
    """One row action on the list field ``name`` (``index`` is None for "add")."""

    op: Op
    name: str
    index: int | None = None

    def encode(self) -> str:
        return f"{self.op}:{'' if self.index is None else self.index}:{self.name}"

    def __str__(self) -> str:
        return self.encode()

    @property
    def focus_field(self) -> str:
        """After "add", the list whose new (last) row should get the focus; else ``""``."""
        return self.name if self.op == "add" else ""


def parse_list_action(value: Any) -> ListAction | None:
    """The action a submitted ``_list_action`` value encodes; None when it is not one.

    Accepts the raw string or the submitted data (a QueryDict or dict holding ``_list_action``).
    """
    if isinstance(value, QueryDict | dict):
        value = value.get(LIST_ACTION)
    if isinstance(value, ListAction):
        return value
    if not isinstance(value, str):
        return None
    op, _, rest = value.partition(":")
    index_text, _, name = rest.partition(":")
    if op not in OPS or not name:
        return None
    index = int(index_text) if index_text.isdigit() else None
    if index is None and op != "add":
        return None
    return ListAction(cast(Op, op), name, index)


def apply_list_action(data: QueryDict, action: str | ListAction | None) -> QueryDict:
    """Apply a row action to submitted data.

    Works for lists of scalars (several inputs of one name) and lists of objects (inputs named
    ``<name>.<index>.<key>`` plus a ``<name>.__count``). Returns a new, mutable QueryDict; an
    action it does not understand leaves the data as it was.
    """
    result = data.copy()
    parsed = parse_list_action(action)
    if parsed is None:
        return result
    op, name = parsed.op, parsed.name
    index = parsed.index if parsed.index is not None else -1
    html = f"{PREFIX}-{name}"
    count_key = f"{html}.__count"
    if count_key in result:
        _object_list_action(result, html, count_key, op, index)
        return result
    rows = result.getlist(html)
    if op == "add":
        rows.append("")
    elif 0 <= index < len(rows):
        if op == "remove":
            rows.pop(index)
        elif op == "up" and index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif op == "down" and index < len(rows) - 1:
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
    result.setlist(html, rows)
    return result


def _object_list_action(data: QueryDict, html: str, count_key: str, op: str, index: int) -> None:
    try:
        count = max(0, min(int(data.get(count_key, 0)), MAX_ITEMS))
    except ValueError:
        count = 0
    if op == "add":
        data[count_key] = str(count + 1)
        return
    if not 0 <= index < count:
        return
    order = list(range(count))
    if op == "remove":
        order.pop(index)
    elif op == "up" and index > 0:
        order[index - 1], order[index] = order[index], order[index - 1]
    elif op == "down" and index < count - 1:
        order[index + 1], order[index] = order[index], order[index + 1]
    moved: dict[str, list[str]] = {}
    head = f"{html}."
    for key in [k for k in data if k.startswith(head) and k != count_key]:
        position, dot, tail = key[len(head) :].partition(".")
        values = data.getlist(key)
        del data[key]
        if not position.isdigit() or int(position) not in order:
            continue
        moved[f"{head}{order.index(int(position))}{dot}{tail}"] = values
    for key, values in moved.items():
        data.setlist(key, values)
    data[count_key] = str(len(order))
