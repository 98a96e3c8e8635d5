"""Each kind of expectation, judged on output text; bad expectations are field errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assistants.expectations import clean_expectations, describe, evaluate


@pytest.mark.parametrize(
    ("kind", "value", "text", "passes"),
    [
        ("contains", "tide", "Tide pools and tide charts", True),
        ("contains", "Tide pools!", "Tide pools", False),
        ("not_contains", "sorry", "Here you go", True),
        ("not_contains", "sorry", "I am sorry", False),
        ("regex", r"^#\s", "# Title\nbody", True),
        ("regex", r"\d{3}", "no digits here", False),
        ("max_chars", 5, "12345", True),
        ("max_chars", 5, "123456", False),
        ("max_chars", 0, "", True),
        ("valid_json", True, '{"a": [1, 2]}', True),
        ("valid_json", True, "{'a': 1}", False),
        ("valid_json", True, "", False),
    ],
)
def test_each_kind_judges_the_output(kind: str, value: object, text: str, passes: bool) -> None:
    assert evaluate({"kind": kind, "value": value}, text) is passes


def test_clean_expectations_normalises_valid_ones() -> None:
    items = [
        {"kind": "contains", "value": "a"},
        {"kind": "valid_json", "value": "anything"},
        {"kind": "max_chars", "value": 10},
    ]
    assert clean_expectations(items) == [
        {"kind": "contains", "value": "a"},
        {"kind": "valid_json", "value": True},
        {"kind": "max_chars", "value": 10},
    ]


def test_an_invalid_regular_expression_is_an_error_keyed_by_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        clean_expectations([{"kind": "regex", "value": "(unclosed"}])
    assert list(caught.value.message_dict) == ["regex"]
    assert "“(unclosed” is not a valid regular expression" in caught.value.message_dict["regex"][0]


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ({"kind": "max_chars", "value": -1}, "max_chars"),
        ({"kind": "max_chars", "value": True}, "max_chars"),
        ({"kind": "max_chars", "value": "12"}, "max_chars"),
        ({"kind": "contains", "value": ""}, "contains"),
        ({"kind": "not_contains", "value": 3}, "not_contains"),
        ({"kind": "shouts"}, "__all__"),
        ("contains", "__all__"),
    ],
)
def test_bad_expectations_name_their_field(item: object, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_expectations([item])
    assert list(caught.value.message_dict) == [key]


def test_a_stored_broken_pattern_never_passes() -> None:
    assert evaluate({"kind": "regex", "value": "("}, "(") is False


def test_descriptions_read_as_checks() -> None:
    assert [
        describe({"kind": k, "value": v})
        for k, v in [
            ("contains", "hi"),
            ("not_contains", "no"),
            ("regex", "a+"),
            ("max_chars", 3),
            ("valid_json", True),
        ]
    ] == [
        "contains “hi”",
        "does not contain “no”",
        "matches /a+/",
        "at most 3 characters",
        "is valid JSON",
    ]
