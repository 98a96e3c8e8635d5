"""Test inputs: create, change, delete and copy them; every change is audited with before/after.

An input must fit the graph's input schema when it is saved (:func:`input_problems`); a graph
that changed since is reported again by the comparison that would run it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assistants.actors import Actor
from assistants.expectations import clean_expectations
from assistants.models import Assistant, TestInput
from assistants.services.audit import audit_record
from assistants.services.errors import AssistantNotFound, ServiceError

__all__ = [
    "TestInputNotFound",
    "input_problems",
    "test_input_create",
    "test_input_delete",
    "test_input_update",
    "test_inputs_copy",
]

#: The most test inputs one assistant may have (each comparison runs all of them, k times, twice).
MAX_TEST_INPUTS = 50
_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class TestInputNotFound(ServiceError):
    __test__ = False

    def __init__(self, pk: Any) -> None:
        super().__init__(f"Test input {pk} not found")


def _types(prop: dict[str, Any]) -> set[str]:
    kinds = prop.get("type")
    found = set(kinds) if isinstance(kinds, list) else ({kinds} if kinds else set())
    for option in prop.get("anyOf", []) or []:
        if isinstance(option, dict):
            found |= _types(option)
    return found


def input_problems(schema: dict[str, Any] | None, graph_input: Any) -> list[str]:
    """What keeps ``graph_input`` from fitting the graph's input schema (empty: it fits).

    It checks the shape a changed graph breaks: fields the graph no longer has, required fields
    it now has, and a value of the wrong basic type.
    """
    if not isinstance(graph_input, dict):
        return ["The input must be an object."]
    if not schema:
        return []
    props: dict[str, Any] = schema.get("properties") or {}
    problems = [
        f"“{key}” is not an input of this graph any more."
        for key in graph_input
        if props and key not in props
    ]
    problems += [
        f"“{key}” is required by the graph but missing."
        for key in schema.get("required", [])
        if key not in graph_input
    ]
    for key, value in graph_input.items():
        kinds = _types(props.get(key) or {})
        if not kinds or "null" in kinds and value is None:
            continue
        allowed = tuple(t for k in kinds for t in _SIMPLE_TYPES.get(k, (object,)))
        wrong_bool = isinstance(value, bool) and "boolean" not in kinds
        if not isinstance(value, allowed) or wrong_bool:
            problems.append(f"“{key}” should be {' or '.join(sorted(kinds))}.")
    return problems


def _check(*, assistant: Assistant, name: str, graph_input: Any, expectations: Any) -> Any:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the test input a name."]
    from graphs.inputs import input_schema
    from graphs.registry import get_registry

    try:
        schema = input_schema(get_registry().get(assistant.graph_id))
    except Exception as exc:  # the graph does not load: the input cannot be judged
        raise ServiceError(f"The graph's input schema cannot be read: {exc}") from exc
    if problems := input_problems(schema, graph_input):
        errors["input"] = problems
    try:
        cleaned = clean_expectations(expectations)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        cleaned = []
    if errors:
        raise ValidationError(errors)
    return cleaned


def _locked(assistant_id: uuid.UUID | str) -> Assistant:
    assistant = Assistant.objects.select_for_update().filter(pk=assistant_id).first()
    if assistant is None:
        raise AssistantNotFound(assistant_id)
    return assistant


def _require_editor(actor: Actor) -> None:
    if not actor.can_edit():
        raise PermissionDenied("Only editors and publishers can change test inputs.")


@transaction.atomic
def test_input_create(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    name: str,
    graph_input: dict[str, Any],
    expectations: list[dict[str, Any]] | None = None,
) -> TestInput:
    _require_editor(actor)
    assistant = _locked(assistant_id)
    if assistant.test_inputs.count() >= MAX_TEST_INPUTS:
        raise ValidationError({"__all__": [f"An assistant has at most {MAX_TEST_INPUTS} inputs."]})
    cleaned = _check(
        assistant=assistant, name=name, graph_input=graph_input, expectations=expectations or []
    )
    row = TestInput.objects.create(
        assistant=assistant,
        name=name.strip()[:200],
        input=graph_input,
        expectations=cleaned,
        created_by=actor.user_or_none,
        updated_by=actor.user_or_none,
    )
    audit_record(
        actor=actor,
        action="test_input.created",
        assistant_id=assistant.pk,
        payload={"test_input_id": row.pk, "after": row.snapshot()},
    )
    return row


def _get(assistant_id: uuid.UUID | str, pk: int) -> TestInput:
    row = TestInput.objects.filter(assistant_id=assistant_id, pk=pk).first()
    if row is None:
        raise TestInputNotFound(pk)
    return row


@transaction.atomic
def test_input_update(
    *,
    actor: Actor,
    assistant_id: uuid.UUID | str,
    test_input_id: int,
    name: str,
    graph_input: dict[str, Any],
    expectations: list[dict[str, Any]],
) -> TestInput:
    _require_editor(actor)
    assistant = _locked(assistant_id)
    row = _get(assistant.pk, test_input_id)
    before = row.snapshot()
    row.expectations = _check(
        assistant=assistant, name=name, graph_input=graph_input, expectations=expectations
    )
    row.name, row.input = name.strip()[:200], graph_input
    row.updated_by, row.updated_at = actor.user_or_none, timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="test_input.updated",
        assistant_id=assistant.pk,
        payload={"test_input_id": row.pk, "before": before, "after": row.snapshot()},
    )
    return row


@transaction.atomic
def test_input_delete(*, actor: Actor, assistant_id: uuid.UUID | str, test_input_id: int) -> None:
    _require_editor(actor)
    assistant = _locked(assistant_id)
    row = _get(assistant.pk, test_input_id)
    before = row.snapshot()
    row.delete()
    audit_record(
        actor=actor,
        action="test_input.deleted",
        assistant_id=assistant.pk,
        payload={"test_input_id": before["id"], "before": before},
    )


@transaction.atomic
def test_inputs_copy(
    *, actor: Actor, source_id: uuid.UUID | str, target_id: uuid.UUID | str
) -> list[TestInput]:
    """Copy every test input of ``source_id`` to ``target_id`` (same graph required)."""
    _require_editor(actor)
    target = _locked(target_id)
    source = Assistant.objects.filter(pk=source_id).first()
    if source is None or source.pk == target.pk:
        raise ValidationError({"source": ["Choose another assistant to copy from."]})
    if source.graph_id != target.graph_id:
        raise ValidationError(
            {"source": [f"“{source.name}” runs another graph ({source.graph_id})."]}
        )
    rows = list(source.test_inputs.all())
    if target.test_inputs.count() + len(rows) > MAX_TEST_INPUTS:
        raise ValidationError({"source": [f"An assistant has at most {MAX_TEST_INPUTS} inputs."]})
    copies = [
        TestInput.objects.create(
            assistant=target,
            name=row.name,
            input=row.input,
            expectations=row.expectations,
            created_by=actor.user_or_none,
            updated_by=actor.user_or_none,
        )
        for row in rows
    ]
    audit_record(
        actor=actor,
        action="test_input.copied",
        assistant_id=target.pk,
        payload={
            "from_assistant": str(source.pk),
            "test_inputs": [row.snapshot() for row in copies],
        },
    )
    return copies
