"""The form fields and widgets the context form is made of (one per control kind).

Text keeps its line ends as stored (LF), numbers stay integers when typed without a point, lists
ignore blank rows, the model picker offers ``STUDIO_MODELS`` plus a free-text "Other…", and JSON
refuses NaN and Infinity.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from graphs.known_models import DEFAULT_MODELS
from studio.jsonsafety import depth_message, json_problems, max_depth

__all__ = [
    "OTHER_MODEL",
    "ListField",
    "ModelField",
    "ModelPickerWidget",
    "NumberField",
    "PrettyJSONField",
    "RowsWidget",
    "TextField",
    "clean_text",
    "known_models",
    "model_groups",
    "split_model_value",
]

#: The select option that reveals the free-text model id.
OTHER_MODEL = "__other__"


def model_groups() -> list[tuple[str, list[str]]]:
    """``STUDIO_MODELS`` as ``[(group label, [model ids])]``; a malformed setting fails loudly."""
    groups = getattr(settings, "STUDIO_MODELS", DEFAULT_MODELS)
    if not isinstance(groups, dict) or not all(
        isinstance(label, str)
        and isinstance(ids, list | tuple)
        and all(isinstance(i, str) and "/" in i for i in ids)
        for label, ids in groups.items()
    ):
        raise ImproperlyConfigured(
            'STUDIO_MODELS must map group labels to lists of "provider/model-name" ids.'
        )
    return [(label, list(ids)) for label, ids in groups.items()]


def known_models() -> frozenset[str]:
    return frozenset(model_id for _, ids in model_groups() for model_id in ids)


def clean_text(value: Any) -> str:
    """Browsers send text areas with CRLF line ends; stored prompts use LF."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


class TextField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return clean_text(value) if isinstance(value, str) else value


class NumberField(forms.FloatField):
    """A JSON number: ``5`` stays 5 (an integer), ``0.5`` is a float."""

    def to_python(self, value: Any) -> Any:
        number = super().to_python(value)
        if (
            isinstance(number, float)
            and number.is_integer()
            and "." not in str(value).lower().replace("e", ".")
        ):
            return int(number)
        return number


class RowsWidget(forms.Widget):
    """Several inputs of one name, one per list item (rendered by the field template)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no rows at all is an empty list, not a missing value


class ListField(forms.Field):
    """A list of strings or numbers; blank rows are ignored."""

    widget = RowsWidget

    def __init__(self, *, item_type: str = "string", **kwargs: Any) -> None:
        self.item_type = item_type
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return ["" if item is None else clean_text(item) for item in value]

    def to_python(self, value: Any) -> list[Any]:
        rows = self.prepare_value(value)
        result: list[Any] = []
        errors: list[ValidationError] = []
        for position, row in enumerate(rows, 1):
            if not row.strip():
                continue
            try:
                result.append(self._coerce(row))
            except ValueError:
                wanted = "a whole number" if self.item_type == "integer" else "a number"
                errors.append(ValidationError(f"Item {position}: enter {wanted}.", code="invalid"))
        if errors:
            raise ValidationError(errors)
        return result

    def _coerce(self, row: str) -> Any:
        if self.item_type == "integer":
            return int(row.strip())
        if self.item_type == "number":
            number = float(row.strip())
            if not math.isfinite(number):
                raise ValueError("not a finite number")
            return int(number) if number.is_integer() and "." not in row else number
        return row

    def validate(self, value: Any) -> None:
        return  # an empty list is a value; the schema judges lengths


class ModelPickerWidget(forms.Widget):
    """A select of known models plus a free-text "other" id (rendered by the field template)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (data.get(name) or "", data.get(f"{name}_other") or "")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_other" not in data


def split_model_value(value: Any) -> tuple[str, str]:
    """``(select value, other text)`` for a stored model id or a submitted pair."""
    if isinstance(value, list | tuple):
        choice = str(value[0] or "") if value else ""
        other = str(value[1] or "") if len(value) > 1 else ""
        return choice, other
    if value in (None, ""):
        return "", ""
    text = str(value)
    return (text, "") if text in known_models() else (OTHER_MODEL, text)


class ModelField(forms.Field):
    widget = ModelPickerWidget

    def to_python(self, value: Any) -> str:
        choice, other = split_model_value(value)
        if choice == OTHER_MODEL or (not choice and other.strip()):
            if not other.strip():
                raise ValidationError(
                    "Enter the model id, as provider/model-name.", code="required"
                )
            return other.strip()
        if choice and choice not in known_models():
            raise ValidationError("Choose a model from the list or “Other”.", code="invalid_choice")
        return choice


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    return False


class PrettyJSONField(forms.JSONField):
    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)
        except RecursionError:
            raise ValidationError(depth_message(max_depth()), code="invalid") from None
        # NUL, lone surrogates ("\ud83d") and deep nesting: what no database stores or no reader
        # survives, checked before anything walks the value recursively.
        problems = json_problems(result)
        if problems:
            raise ValidationError(
                [": ".join(filter(None, (p.dotted, p.msg))) for p in problems], code="invalid"
            )
        if _has_non_finite(result):
            # Python's json reads NaN and Infinity, which are not JSON and no database stores.
            raise ValidationError(
                "Enter valid JSON: NaN and Infinity are not allowed.", code="invalid"
            )
        return result

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
