"""One reading of JSON Schemas: $ref, nullable, kinds, labels, the property walk."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.template import Context, Template

from graphs.forms import ListAction, apply_list_action, parse_list_action
from graphs.jsonschema import follow_ref, properties, resolve_ref, split_nullable, walk
from graphs.values import same_value, show_value

ROOT: dict[str, Any] = {
    "type": "object",
    "required": ["sources"],
    "$defs": {
        "Sources": {
            "title": "Sources",
            "type": "object",
            "properties": {"allowed_domains": {"type": "array", "items": {"type": "string"}}},
        },
        "a/b": {"type": "integer"},
    },
    "properties": {
        "sources": {"$ref": "#/$defs/Sources", "description": "Where to look."},
        "limit": {"anyOf": [{"$ref": "#/$defs/a~1b"}, {"type": "null"}], "default": None},
        "system_prompt": {"type": "string", "default": "Hi"},
    },
}


def test_follow_ref_reads_local_pointers_only() -> None:
    assert follow_ref(ROOT, "#/$defs/a~1b") == {"type": "integer"}
    assert follow_ref(ROOT, "#/$defs/missing") is None
    assert follow_ref(ROOT, "https://example.invalid/schema") is None


def test_resolve_ref_keeps_the_siblings_over_the_target() -> None:
    resolved = resolve_ref(ROOT, ROOT["properties"]["sources"])
    assert resolved["description"] == "Where to look."
    assert resolved["title"] == "Sources" and "properties" in resolved
    assert resolve_ref(ROOT, {"allOf": [{"$ref": "#/$defs/a~1b"}], "default": 3}) == {
        "type": "integer",
        "default": 3,
    }
    assert resolve_ref(ROOT, "not a schema") == {}


def test_resolve_ref_stops_on_a_cycle() -> None:
    root = {"$defs": {"A": {"$ref": "#/$defs/A"}}}
    assert resolve_ref(root, {"$ref": "#/$defs/A"}) == {"$ref": "#/$defs/A"}  # given up, bounded


def test_split_nullable_reads_optional_fields() -> None:
    schema, nullable = split_nullable(ROOT, resolve_ref(ROOT, ROOT["properties"]["limit"]))
    assert nullable and schema == {"type": "integer", "default": None}
    assert split_nullable(ROOT, {"type": ["string", "null"]}) == ({"type": "string"}, True)


def test_walk_gives_path_label_kind_nullable_and_required() -> None:
    rows = [(p.path, p.full_label, p.kind, p.nullable, p.required, p.depth) for p in walk(ROOT)]
    assert rows == [
        ("sources", "Sources", "object", False, True, 0),
        ("sources.allowed_domains", "Sources › Allowed domains", "list", False, False, 1),
        ("limit", "Limit", "integer", True, False, 0),
        ("system_prompt", "System prompt", "prompt", False, False, 0),
    ]
    assert [p.key for p in properties(ROOT)] == ["sources", "limit", "system_prompt"]
    assert list(walk(None)) == []


# -- JSON values: one comparison, one way to show them -----------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        ({"on": True}, {"on": 1}, False),
        ([1, {"x": 2.0}], [1.0, {"x": 2}], True),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        ("1", 1, False),
        (None, None, True),
    ],
)
def test_same_value_is_json_equality(a: Any, b: Any, same: bool) -> None:
    assert same_value(a, b) is same


def test_show_value_has_three_styles() -> None:
    assert show_value("x") == "x" and show_value({"a": "é"}) == '{"a": "é"}'
    assert show_value(None, style="block") == "" and show_value([1], style="block") == "[\n  1\n]"
    assert show_value("x", style="message") == "'x'"
    assert show_value(2.0, style="message") == "2"
    assert show_value(list(range(40)), style="message").endswith("...")


# -- list actions: one type, one encoding ------------------------------------------------------------


def test_list_actions_round_trip_through_their_encoding() -> None:
    for action in (ListAction("up", "queries", 2), ListAction("add", "people.0.tags")):
        assert parse_list_action(action.encode()) == action
    assert parse_list_action("explode:1:queries") is None
    assert parse_list_action("remove::queries") is None  # removing needs a row
    assert parse_list_action(None) is None
    data = QueryDict("_list_action=add::queries")
    assert parse_list_action(data) == ListAction("add", "queries")
    assert ListAction("add", "queries").focus_field == "queries"
    assert ListAction("remove", "queries", 0).focus_field == ""


def test_apply_list_action_takes_the_type_or_its_text() -> None:
    data = QueryDict("ctx-queries=a&ctx-queries=b")
    assert apply_list_action(data, ListAction("down", "queries", 0)).getlist("ctx-queries") == [
        "b",
        "a",
    ]
    assert apply_list_action(data, "remove:1:queries").getlist("ctx-queries") == ["a"]


def test_the_template_tag_writes_the_encoding() -> None:
    template = Template(
        '{% load graphs_forms %}{% list_action "remove" name 3 %}|{% list_action "add" name %}'
    )
    assert template.render(Context({"name": "queries"})) == "remove:3:queries|add::queries"
