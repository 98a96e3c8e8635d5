from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from graphs.registry import GraphLoadError, GraphSpec, Registry
from graphs.schemas import graph_schemas
from graphs.validation import validate_context, validation_errors_as_list


def errors_of(schema_or_spec: Any, context: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        validate_context(schema_or_spec, context)
    return caught.value.message_dict


@pytest.fixture
def agent_schema(agent: GraphSpec) -> dict[str, Any]:
    return graph_schemas(agent)["context_schema"]


@pytest.fixture
def settings_schema(pydantic_graph: GraphSpec) -> dict[str, Any]:
    return graph_schemas(pydantic_graph)["context_schema"]


def test_a_valid_context_passes(
    agent_schema: dict[str, Any], settings_schema: dict[str, Any]
) -> None:
    validate_context(agent_schema, {"temperature": 1.5, "style": "tweet", "tags": ["a"]})
    validate_context(agent_schema, {})
    validate_context(settings_schema, {"tone": {"voice": "dry"}, "fallback_model": None})


def test_a_wrong_type_names_the_field(agent_schema: dict[str, Any]) -> None:
    assert errors_of(agent_schema, {"temperature": "hot"}) == {"temperature": ["Must be a number."]}
    assert errors_of(agent_schema, {"model": 3}) == {"model": ["Must be a string."]}
    assert errors_of(agent_schema, {"tags": "a,b"}) == {"tags": ["Must be a list."]}


def test_a_boolean_is_not_a_number(agent_schema: dict[str, Any]) -> None:
    assert errors_of(agent_schema, {"temperature": True}) == {"temperature": ["Must be a number."]}


def test_out_of_bounds_values_say_the_bound_and_the_value(
    agent_schema: dict[str, Any], settings_schema: dict[str, Any]
) -> None:
    assert errors_of(agent_schema, {"temperature": 3.5}) == {
        "temperature": ["Must be at most 2 (got 3.5)."]
    }
    assert errors_of(agent_schema, {"temperature": -1}) == {
        "temperature": ["Must be at least 0 (got -1)."]
    }
    assert errors_of(settings_schema, {"max_items": 51}) == {
        "max_items": ["Must be at most 50 (got 51)."]
    }


def test_a_bad_choice_lists_the_allowed_values(agent_schema: dict[str, Any]) -> None:
    assert errors_of(agent_schema, {"style": "poem"}) == {
        "style": ["Must be one of: 'blog', 'tweet'."]
    }


def test_a_missing_required_field_is_keyed_by_its_name(typed: GraphSpec) -> None:
    errors = errors_of(typed, {"model_name": "openai", "temperature": 0.1})
    assert errors == {"model": ["This field is required."]}


def test_every_missing_field_is_reported(typed: GraphSpec) -> None:
    assert errors_of(typed, {}) == {
        "model_name": ["This field is required."],
        "model": ["This field is required."],
        "temperature": ["This field is required."],
    }


def test_an_unknown_field_is_rejected_when_the_schema_forbids_extras(
    settings_schema: dict[str, Any],
) -> None:
    assert errors_of(settings_schema, {"foo": 1, "model": "a/b"}) == {
        "foo": ["Not a field of this graph's schema."]
    }


def test_unknown_fields_are_allowed_when_the_schema_allows_extras(
    agent_schema: dict[str, Any],
) -> None:
    validate_context(agent_schema, {"foo": 1})


def test_nested_errors_are_keyed_by_a_dotted_path(settings_schema: dict[str, Any]) -> None:
    assert errors_of(settings_schema, {"tone": {"voice": 5, "pitch": "low"}}) == {
        "tone.voice": ["Must be a string."],
        "tone.pitch": ["Not a field of this graph's schema."],
    }


def test_list_items_are_keyed_by_their_index(agent_schema: dict[str, Any]) -> None:
    assert errors_of(agent_schema, {"tags": ["ok", 3, "fine", None]}) == {
        "tags.1": ["Must be a string."],
        "tags.3": ["Must be a string."],
    }


def test_an_optional_field_explains_the_type_it_wants(settings_schema: dict[str, Any]) -> None:
    assert errors_of(settings_schema, {"fallback_model": 7}) == {
        "fallback_model": ["Must be a string or empty (null)."]
    }


def test_a_bound_inside_an_optional_field_is_explained(demo_registry: Registry) -> None:
    researcher = demo_registry.get("researcher")
    assert errors_of(researcher, {"deadline_days": 0}) == {
        "deadline_days": ["Must be at least 1 (got 0)."]
    }


def test_all_errors_are_collected_at_once(agent_schema: dict[str, Any]) -> None:
    errors = errors_of(agent_schema, {"temperature": 9, "style": "poem", "tags": [1]})
    assert set(errors) == {"temperature", "style", "tags.0"}


def test_a_context_that_is_not_an_object_is_a_non_field_error(agent_schema: dict[str, Any]) -> None:
    assert errors_of(agent_schema, ["not", "a", "dict"]) == {"__all__": ["Must be an object."]}
    assert errors_of(None, "text") == {"__all__": ["Must be an object."]}


def test_without_a_schema_any_object_is_accepted() -> None:
    validate_context(None, {"anything": ["goes"]})


def test_a_graph_spec_is_validated_against_its_context_schema(
    agent: GraphSpec, nested: GraphSpec
) -> None:
    assert errors_of(agent, {"temperature": 3}) == {"temperature": ["Must be at most 2 (got 3)."]}
    validate_context(nested, {"whatever": 1})  # no context schema


def test_validating_against_a_broken_graph_raises_graph_load_error(registry: Registry) -> None:
    with pytest.raises(GraphLoadError):
        validate_context(registry.get("broken"), {})


def test_string_formats_and_lengths_are_checked() -> None:
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string", "minLength": 1, "maxLength": 5},
            "code": {"type": "string", "pattern": "^[A-Z]+$"},
            "items": {"type": "array", "maxItems": 1},
        },
    }
    assert errors_of(schema, {"email": "nope", "name": "", "code": "abc", "items": [1, 2]}) == {
        "email": ["Must be a valid email."],
        "name": ["Must not be empty."],
        "code": ["Must match the pattern ^[A-Z]+$."],
        "items": ["Must have at most 1 item (got 2)."],
    }
    assert errors_of(schema, {"name": "toolong"}) == {
        "name": ["Must be at most 5 characters long (got 7)."]
    }


def test_errors_carry_django_style_codes(agent_schema: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_context(agent_schema, {"temperature": 3, "style": "poem"})
    codes = {key: [e.code for e in errors] for key, errors in caught.value.error_dict.items()}
    assert codes == {"temperature": ["max_value"], "style": ["invalid_choice"]}


def test_validation_errors_as_list_gives_locations_and_messages(
    agent_schema: dict[str, Any], settings_schema: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_context(agent_schema, {"temperature": 3, "tags": ["x", 2]})
    assert validation_errors_as_list(caught.value) == [
        {"loc": ["context", "temperature"], "msg": "Must be at most 2 (got 3)."},
        {"loc": ["context", "tags", 1], "msg": "Must be a string."},
    ]
    with pytest.raises(ValidationError) as caught:
        validate_context(settings_schema, {"tone": {"voice": 1}})
    assert validation_errors_as_list(caught.value, prefix="config") == [
        {"loc": ["config", "tone", "voice"], "msg": "Must be a string."}
    ]


def test_validation_errors_as_list_puts_non_field_errors_at_the_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_context(None, 5)
    assert validation_errors_as_list(caught.value) == [
        {"loc": ["context"], "msg": "Must be an object."}
    ]
    plain = ValidationError("Something is off.")
    assert validation_errors_as_list(plain) == [{"loc": ["context"], "msg": "Something is off."}]


def test_compiled_validators_are_reused_for_equal_schemas(agent_schema: dict[str, Any]) -> None:
    from graphs.validation import _validator

    copy = {key: agent_schema[key] for key in reversed(list(agent_schema))}
    assert _validator(agent_schema) is _validator(copy)
