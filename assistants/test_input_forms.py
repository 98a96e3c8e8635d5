"""The test input form: a name, the graph's input (the same generated form as Try it, in
:class:`graphs.inputs.InputForm`) and one field per kind of expectation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from assistants.expectations import by_kind
from assistants.models import Assistant, TestInput
from graphs.inputs import MESSAGES

__all__ = ["CopyTestInputsForm", "ExpectationsForm", "input_initial"]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ExpectationsForm(forms.Form):
    """Name and expectations; field names are the expectation kinds (errors land on them)."""

    name = forms.CharField(label="Name", max_length=200)
    contains = forms.CharField(
        label="The output must contain (one phrase per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    not_contains = forms.CharField(
        label="The output does not contain (one phrase per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    regex = forms.CharField(
        label="The output must match (regular expressions, one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_chars = forms.IntegerField(
        label="At most this many characters", required=False, min_value=0
    )
    valid_json = forms.BooleanField(label="The output is valid JSON", required=False)

    def __init__(self, data: Any = None, *, row: TestInput | None = None) -> None:
        initial: dict[str, Any] = {}
        if row is not None:
            grouped = by_kind(row.expectations)
            initial = {
                "name": row.name,
                "contains": "\n".join(grouped["contains"]),
                "not_contains": "\n".join(grouped["not_contains"]),
                "regex": "\n".join(grouped["regex"]),
                "max_chars": grouped["max_chars"][0] if grouped["max_chars"] else None,
                "valid_json": bool(grouped["valid_json"]),
            }
        super().__init__(data, initial=initial)

    def expectations(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        items: list[dict[str, Any]] = []
        for kind in ("contains", "not_contains", "regex"):
            items += [{"kind": kind, "value": value} for value in _lines(data.get(kind) or "")]
        if data.get("max_chars") is not None:
            items.append({"kind": "max_chars", "value": data["max_chars"]})
        if data.get("valid_json"):
            items.append({"kind": "valid_json", "value": True})
        return items

    def add_service_errors(self, exc: ValidationError, input_form: forms.Form) -> None:
        """Put the service's errors (keyed by field or kind) next to their fields."""
        for key, messages in exc.message_dict.items():
            for message in messages:
                if key == "input":
                    input_form.add_error(None, message)
                elif key in self.fields:
                    self.add_error(key, message)
                else:
                    self.add_error(None, message)


def input_initial(graph_input: dict[str, Any], *, messages: bool) -> dict[str, Any]:
    """A stored input as the input form's initial values (a chat's one message as text)."""
    values = dict(graph_input)
    if messages and isinstance(values.get(MESSAGES), list) and values[MESSAGES]:
        first = values[MESSAGES][0]
        values[MESSAGES] = first.get("content", "") if isinstance(first, dict) else str(first)
    return values


class CopyTestInputsForm(forms.Form):
    source = forms.ChoiceField(label="Copy the test inputs of")

    def __init__(self, data: Any = None, *, assistant: Assistant) -> None:
        super().__init__(data)
        others = (
            Assistant.objects.visible()
            .for_graph(assistant.graph_id)
            .exclude(pk=assistant.pk)
            .filter(test_inputs__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")[:200]
        )
        field = self.fields["source"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(pk), name) for pk, name in others]
