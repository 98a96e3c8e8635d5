"""studio.jsonsafety.copy_json: a deep copy of stored JSON that no nesting depth can break."""

from __future__ import annotations

import sys

from studio.jsonsafety import copy_json


def test_the_copy_equals_the_value_keeps_key_order_and_shares_no_container() -> None:
    value = {"b": [1, {"c": None}], "a": {"d": [True, 2.5, "x"]}, "e": []}
    copied = copy_json(value)
    assert copied == value
    assert list(copied) == ["b", "a", "e"]
    copied["b"][1]["c"] = "changed"
    copied["a"]["d"].append(3)
    assert value == {"b": [1, {"c": None}], "a": {"d": [True, 2.5, "x"]}, "e": []}


def test_nesting_far_past_the_recursion_limit_is_copied() -> None:
    depth = sys.getrecursionlimit() * 3
    value: object = "leaf"
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    copied = copy_json(value)
    for i in reversed(range(depth)):
        assert copied is not value
        copied, value = (copied["a"], value["a"]) if i % 2 else (copied[0], value[0])  # type: ignore[index]
    assert copied == "leaf"


def test_scalars_are_returned_as_they_are() -> None:
    for scalar in (None, True, 0, 1.5, "text"):
        assert copy_json(scalar) is scalar


def test_stored_json_reads_back_exactly_what_json_loads_reads() -> None:
    """What ``json.loads`` gives, for every kind of stored text: integers past 64 bits stay exact
    (a faster decoder tried here, orjson, made floats of them), key order is kept, a lone
    surrogate becomes U+FFFD."""
    import json

    from studio.jsonsafety import TolerantJSONField

    field = TolerantJSONField()
    deep = '{"a": ' * 500 + "1" + "}" * 500  # older versions stored up to about 475 levels
    texts = [
        '{"b": 1, "a": [1.5, -0.0, 1e300, true, null, "x"]}',
        '{"big": 123456789012345678901234567890, "neg": -18446744073709551617}',
        '{"text": "caf\\u00e9 \\u2603 \\ud83d\\ude00", "nul": "a\\u0000b"}',
        deep,
        '"just a string"',
        "not json at all",
    ]
    for text in texts:
        read = field.from_db_value(text, None, None)
        try:
            expected = json.loads(text)
        except json.JSONDecodeError:
            expected = text
        assert read == expected and type(read) is type(expected)
        if isinstance(read, dict):
            assert list(read) == list(expected)
    assert field.from_db_value('{"big": 123456789012345678901234567890}', None, None)["big"] == (
        123456789012345678901234567890
    )
    assert field.from_db_value('{"lone": "\\ud83d"}', None, None) == {"lone": "\ufffd"}
