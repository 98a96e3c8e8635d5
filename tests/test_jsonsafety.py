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
