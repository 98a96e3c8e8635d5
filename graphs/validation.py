"""The one validator for assistant contexts, shared by the API, the forms and the admin.

A context is checked against the graph's context JSON Schema with jsonschema (Draft 2020-12, with
format checks). Every error is collected and reported as a Django ``ValidationError`` keyed by the
dotted path of the field at fault (``"temperature"``, ``"sources.allowed_domains"``,
``"queries.1"``), with a message written for people rather than for schema authors.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaValidationError
from jsonschema.exceptions import best_match

from graphs.registry import GraphSpec
from graphs.values import show_value

__all__ = ["NON_FIELD", "validate_context", "validation_errors_as_list"]

#: Key for errors that concern the whole context rather than one field.
NON_FIELD = "__all__"

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


_CACHE_SIZE = 256
_validators: dict[str, Draft202012Validator] = {}
_validators_lock = threading.Lock()


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A compiled validator per distinct schema (equal schemas share one, whatever their key order).

    The validator is built from the schema as given, so errors come in the schema's field order.
    """
    key = json.dumps(schema, sort_keys=True, default=str)
    with _validators_lock:
        validator = _validators.get(key)
    if validator is None:
        schema = copy.deepcopy(schema)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        with _validators_lock:
            if len(_validators) >= _CACHE_SIZE:
                _validators.clear()
            validator = _validators.setdefault(key, validator)
    return validator


def validate_context(spec_or_schema: GraphSpec | dict[str, Any] | None, context: Any) -> None:
    """Raise ``ValidationError`` (``error_dict`` keyed by field path) if ``context`` does not fit.

    ``spec_or_schema`` is a registered graph (its context schema is used; GraphLoadError if it
    cannot be built) or a JSON Schema dict. A None schema accepts any object.
    """
    if isinstance(spec_or_schema, GraphSpec):
        from graphs.schemas import graph_context_schema

        schema = graph_context_schema(spec_or_schema)
    else:
        schema = spec_or_schema
    if not isinstance(context, dict):
        raise ValidationError({NON_FIELD: [ValidationError("Must be an object.", code="invalid")]})
    if schema is None:
        return
    errors: dict[str, list[ValidationError]] = {}
    for key, message, code in _collect(_validator(schema).iter_errors(context)):
        bucket = errors.setdefault(key, [])
        if all(existing.message != message for existing in bucket):
            bucket.append(ValidationError(message, code=code))
    if errors:
        raise ValidationError(errors)


def validation_errors_as_list(
    exc: ValidationError, prefix: str = "context"
) -> list[dict[str, Any]]:
    """``[{"loc": ["context", "tags", 1], "msg": "..."}]`` (FastAPI/LangGraph style locations)."""
    head = [prefix] if prefix else []
    if not hasattr(exc, "error_dict"):
        return [{"loc": list(head), "msg": message} for message in exc.messages]
    result = []
    for key, errors in exc.error_dict.items():
        loc: list[str | int] = list(head)
        if key != NON_FIELD:
            loc.extend(int(part) if part.isdigit() else part for part in key.split("."))
        for error in errors:
            for message in error.messages:
                result.append({"loc": list(loc), "msg": message})
    return result


# -- turning jsonschema errors into keyed, readable messages -----------------------------------


def _key(path: Iterable[Any]) -> str:
    parts = [str(part) for part in path]
    return ".".join(parts) if parts else NON_FIELD


def _child_key(path: Iterable[Any], name: str) -> str:
    return _key([*path, name])


def _collect(errors: Iterable[SchemaValidationError]) -> Iterator[tuple[str, str, str]]:
    for error in errors:
        yield from _explain(error)


def _explain(error: SchemaValidationError) -> Iterator[tuple[str, str, str]]:
    path = list(error.absolute_path)
    instance = error.instance
    value = error.validator_value
    validator = error.validator

    if validator == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield _child_key(path, name), "This field is required.", "required"
        return
    if validator == "additionalProperties" and isinstance(instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties", {})
        patterns = list(schema.get("patternProperties", {}))
        for name in instance:
            if name not in known and not any(re.search(p, name) for p in patterns):
                yield _child_key(path, name), "Not a field of this graph's schema.", "unknown_field"
        return
    if validator in ("anyOf", "oneOf") and error.context:
        yield from _explain_alternatives(error)
        return
    yield _key(path), _message(error), _code(error)


def _explain_alternatives(error: SchemaValidationError) -> Iterator[tuple[str, str, str]]:
    """An ``anyOf`` such as ``int | None``: explain the branch that was meant."""
    branches = [
        sub
        for sub in error.context or []
        if not (isinstance(sub.schema, dict) and sub.schema.get("type") == "null")
    ]
    nullable = len(branches) < len(error.context or [])
    if not branches:
        yield _key(error.absolute_path), "Must be null.", "invalid"
        return
    types_wanted = [
        sub.validator_value for sub in branches if sub.validator == "type" and not sub.relative_path
    ]
    if len(types_wanted) == len(branches):
        names = [_type_name(t) for t in types_wanted]
        if nullable:
            names.append("empty (null)")
        yield _key(error.absolute_path), f"Must be {_join(names)}.", "invalid"
        return
    chosen = best_match(branches)
    if chosen is None:  # pragma: no cover - branches is not empty
        return
    yield from _explain(chosen)


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return _join([_TYPE_NAMES.get(str(v), str(v)) for v in value])
    return _TYPE_NAMES.get(value, str(value))


def _join(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " or " + unique[-1]


def _show(value: Any) -> str:
    return show_value(value, style="message")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _message(error: SchemaValidationError) -> str:
    validator = error.validator
    value = error.validator_value
    instance = error.instance
    got = f" (got {_show(instance)})"
    match validator:
        case "type":
            return f"Must be {_type_name(value)}."
        case "minimum":
            return f"Must be at least {_show(value)}{got}."
        case "maximum":
            return f"Must be at most {_show(value)}{got}."
        case "exclusiveMinimum":
            return f"Must be greater than {_show(value)}{got}."
        case "exclusiveMaximum":
            return f"Must be less than {_show(value)}{got}."
        case "multipleOf":
            return f"Must be a multiple of {_show(value)}{got}."
        case "enum":
            return "Must be one of: " + ", ".join(_show(v) for v in value) + "."
        case "const":
            return f"Must be {_show(value)}."
        case "minLength":
            if value == 1:
                return "Must not be empty."
            return f"Must be at least {_plural(value, 'character')} long."
        case "maxLength":
            return f"Must be at most {_plural(value, 'character')} long (got {len(instance)})."
        case "pattern":
            return f"Must match the pattern {value}."
        case "format":
            return f"Must be a valid {value}."
        case "minItems":
            return f"Must have at least {_plural(value, 'item')}."
        case "maxItems":
            return f"Must have at most {_plural(value, 'item')} (got {len(instance)})."
        case "uniqueItems":
            return "Items must be unique."
        case "minProperties":
            return f"Must have at least {_plural(value, 'entry')}."
        case "maxProperties":
            return f"Must have at most {_plural(value, 'entry')}."
        case "not":
            return "This value is not allowed."
        case _:
            return (
                error.message[:1].upper()
                + error.message[1:]
                + ("" if error.message.endswith(".") else ".")
            )


_CODES = {
    "type": "invalid",
    "minimum": "min_value",
    "exclusiveMinimum": "min_value",
    "maximum": "max_value",
    "exclusiveMaximum": "max_value",
    "enum": "invalid_choice",
    "const": "invalid_choice",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
}


def _code(error: SchemaValidationError) -> str:
    return _CODES.get(str(error.validator), "invalid")
