"""Test inputs and the publish-gate setting in export files (see :mod:`assistants.transfer`).

Each exported assistant carries ``"test_inputs": [{"name", "input", "expectations"}]`` and
``"require_passing_checks"``. An import adds the test inputs the assistant lacks (same name and
content: already there), and may turn the gate on but never off, so an import cannot loosen it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from assistants.expectations import clean_expectations
from assistants.models import Assistant, TestInput

__all__ = ["check_test_inputs", "export_test_inputs", "import_test_inputs"]


def export_test_inputs(assistant: Assistant) -> dict[str, Any]:
    rows = assistant.test_inputs.order_by("name", "id")
    return {
        "require_passing_checks": assistant.require_passing_checks,
        "test_inputs": [
            {"name": row.name, "input": row.input, "expectations": row.expectations} for row in rows
        ],
    }


def check_test_inputs(item: dict[str, Any], where: str) -> str | None:
    """What is wrong with an item's test inputs (None: nothing; an older file has none)."""
    rows = item.get("test_inputs", [])
    if not isinstance(rows, list):
        return f"{where}.test_inputs must be a list."
    for index, row in enumerate(rows):
        here = f"{where}.test_inputs[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"]:
            return f"{here} needs a name."
        if not isinstance(row.get("input"), dict):
            return f"{here}.input must be an object."
        try:
            clean_expectations(row.get("expectations", []))
        except ValidationError as exc:
            return f"{here}.expectations: {' '.join(exc.messages)}"
    if not isinstance(item.get("require_passing_checks", False), bool):
        return f"{where}.require_passing_checks must be true or false."
    return None


def import_test_inputs(assistant: Assistant, item: dict[str, Any]) -> int:
    """Add the file's test inputs the assistant lacks; returns how many rows changed."""
    have = {
        (row.name, repr(row.input), repr(row.expectations)) for row in assistant.test_inputs.all()
    }
    added = 0
    for row in item.get("test_inputs", []):
        expectations = clean_expectations(row.get("expectations", []))
        key = (row["name"], repr(row["input"]), repr(expectations))
        if key in have:
            continue
        TestInput.objects.create(
            assistant=assistant,
            name=row["name"][:200],
            input=row["input"],
            expectations=expectations,
        )
        have.add(key)
        added += 1
    if item.get("require_passing_checks") and not assistant.require_passing_checks:
        assistant.require_passing_checks = True
        Assistant.objects.filter(pk=assistant.pk).update(require_passing_checks=True)
        added += 1
    return added
