"""The JSON Schema -> form mapping, type by type, and the way back to a context dict."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from graphs.forms import (
    OTHER_MODEL,
    ContextForm,
    apply_list_action,
    describe_context,
    field_kind,
    field_labels,
    prompt_variables,
)

# -- helpers ---------------------------------------------------------------------------------------


def schema(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **extra}


def post(pairs: dict[str, Any]) -> QueryDict:
    """A QueryDict of form inputs; names get the form's ``ctx-`` prefix unless they start with _."""
    data = QueryDict(mutable=True)
    for name, value in pairs.items():
        key = name if name.startswith("_") else f"ctx-{name}"
        values = value if isinstance(value, list) else [value]
        data.setlist(key, [str(v) for v in values])
    return data


def submitted(form: ContextForm) -> QueryDict:
    """What a browser would send back for an unbound form, untouched (as the template renders it)."""
    data = QueryDict(mutable=True)
    for bound in form.leaves():
        name = bound.html_name
        value = bound.value()
        kind = bound.kind
        if kind == "unknown":
            continue
        if kind == "list":
            data.setlist(name, bound.field.prepare_value(value))
        elif kind == "model":
            choice, other = bound.model_state
            data[name] = choice
            data[f"{name}_other"] = other
        elif kind == "boolean":
            if getattr(bound.field, "nullable", False):
                data[name] = {True: "true", False: "false"}.get(value, "unknown")
            elif value:
                data[name] = "on"
        else:
            prepared = bound.field.prepare_value(value)
            if isinstance(bound.field, forms.TypedChoiceField) and value is not None:
                prepared = value if isinstance(value, str) else __import__("json").dumps(value)
            data[name] = "" if prepared is None else str(prepared)
    for node in form.layout:
        _counts(node, data)
    return data


def _counts(node: Any, data: QueryDict) -> None:
    if getattr(node, "is_group", False):
        if node.kind == "objects":
            data[node.count_name] = str(node.count)
        for child in node.children:
            _counts(child, data)


WRITER = schema(
    {
        "system_prompt": {
            "type": "string",
            "title": "System Prompt",
            "description": "Instructions. Use {topic} and {style}.",
            "default": "Write a {style} about {topic}.",
            "langgraph_type": "prompt",
        },
        "model": {
            "type": "string",
            "default": "anthropic/claude-sonnet-4-5",
            "x-template-kind": "llm",
        },
        "temperature": {
            "type": "number",
            "default": 0.7,
            "minimum": 0,
            "maximum": 2,
            "title": "Temperature",
        },
        "style": {"type": "string", "enum": ["blog", "tweet"], "default": "blog"},
        "max_length": {"type": "integer", "default": 1200, "minimum": 1, "maximum": 20000},
    }
)

RESEARCH = {
    "$defs": {
        "SourceSettings": {
            "title": "SourceSettings",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "allowed_domains": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": ["wikipedia.org", "arxiv.org"],
                },
                "include_news": {"type": "boolean", "default": False},
            },
        }
    },
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "queries": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
        "sources": {"$ref": "#/$defs/SourceSettings", "description": "Source settings."},
        "deadline_days": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
        },
        "cite_sources": {"type": "boolean", "default": True},
    },
}


# -- kinds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "prop", "kind"),
    [
        ("title", {"type": "string"}, "text"),
        ("system_prompt", {"type": "string"}, "prompt"),
        ("instructions", {"type": "string", "langgraph_type": "prompt"}, "prompt"),
        ("greeting", {"type": "string", "default": "Hello\nthere"}, "prompt"),
        ("model", {"type": "string"}, "model"),
        ("reviewer_model", {"type": "string"}, "model"),
        ("brain", {"type": "string", "x-template-kind": "llm"}, "model"),
        ("engine", {"type": "string", "default": "openai/gpt-4o-mini"}, "model"),
        ("style", {"type": "string", "enum": ["a", "b"]}, "choice"),
        ("mode", {"const": "fixed"}, "choice"),
        ("count", {"type": "integer"}, "integer"),
        ("ratio", {"type": "number"}, "number"),
        ("flag", {"type": "boolean"}, "boolean"),
        ("tags", {"type": "array", "items": {"type": "string"}}, "list"),
        ("sizes", {"type": "array", "items": {"type": "integer"}}, "list"),
        (
            "people",
            {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "string"}}}},
            "objects",
        ),
        ("settings", {"type": "object", "properties": {"a": {"type": "string"}}}, "object"),
        ("headers", {"type": "object", "additionalProperties": {"type": "string"}}, "json"),
        ("matrix", {"type": "array", "items": {"type": "array"}}, "json"),
        ("anything", {}, "json"),
    ],
)
def test_field_kind_reads_types_hints_names_and_defaults(name: str, prop: dict, kind: str) -> None:
    assert field_kind(name, prop) == kind


def test_a_string_is_a_text_input_with_the_schema_title_description_and_default() -> None:
    form = ContextForm(
        schema=schema(
            {
                "greeting": {
                    "type": "string",
                    "title": "Greeting",
                    "description": "Said first.",
                    "default": "Hi",
                }
            }
        ),
        context=None,
    )
    field = form.fields["greeting"]
    assert isinstance(field.widget, forms.TextInput)
    assert (field.label, field.help_text, field.initial) == ("Greeting", "Said first.", "Hi")
    assert 'value="Hi"' in str(form["greeting"])


def test_a_title_is_made_from_the_name_when_the_schema_has_none() -> None:
    form = ContextForm(schema=schema({"max_tokens": {"type": "integer"}}), context=None)
    assert form.fields["max_tokens"].label == "Max tokens"


def test_a_prompt_gets_a_large_editor_that_lists_its_variables() -> None:
    form = ContextForm(schema=WRITER, context=None)
    bound = form["system_prompt"]
    assert bound.kind == "prompt"
    assert isinstance(bound.field.widget, forms.Textarea)
    assert bound.field.widget.attrs["rows"] >= 8
    assert [v["name"] for v in bound.variables] == ["style", "topic"]
    assert all(v["known"] is None for v in bound.variables)  # nothing known: listed, not judged


def test_a_prompt_warns_about_variables_the_graph_does_not_fill_in() -> None:
    data = post({"system_prompt": "Write about {topic} for {audience}. Literal {{braces}}."})
    form = ContextForm(data, schema=WRITER, context={}, known_variables={"topic", "style"})
    bound = form["system_prompt"]
    assert bound.variables == [
        {"name": "topic", "known": True},
        {"name": "audience", "known": False},
    ]
    assert bound.unknown_variables == ["audience"]


def test_prompt_variables_skips_escaped_braces() -> None:
    assert prompt_variables("{a} {{b}} {c}{a}") == ["a", "c"]


def test_a_prompt_keeps_its_line_ends_as_stored() -> None:
    form = ContextForm(post({"system_prompt": "one\r\ntwo\r\n"}), schema=WRITER, context={})
    assert form.is_valid(), form.errors
    assert form.context["system_prompt"] == "one\ntwo\n"


def test_a_model_field_offers_known_models_grouped_by_provider_plus_other() -> None:
    form = ContextForm(schema=WRITER, context=None)
    bound = form["model"]
    assert bound.kind == "model"
    groups = {g["label"]: [o["value"] for o in g["options"]] for g in bound.model_groups}
    assert {"Anthropic", "OpenAI", "Google", "Mistral"} <= set(groups)
    assert "anthropic/claude-sonnet-4-5" in groups["Anthropic"]
    selected = [o["value"] for g in bound.model_groups for o in g["options"] if o["selected"]]
    assert selected == ["anthropic/claude-sonnet-4-5"]
    assert bound.model_other_selected is False


def test_a_model_the_list_does_not_know_shows_as_other_with_its_id() -> None:
    form = ContextForm(schema=WRITER, context={"model": "ollama/llama3.1"})
    assert form["model"].model_state == (OTHER_MODEL, "ollama/llama3.1")
    assert form["model"].model_other_selected is True


def test_the_model_picker_other_choice_takes_the_free_text_id() -> None:
    form = ContextForm(
        post({"model": OTHER_MODEL, "model_other": " ollama/llama3.1 "}), schema=WRITER, context={}
    )
    assert form.is_valid(), form.errors
    assert form.context["model"] == "ollama/llama3.1"


def test_the_model_picker_other_choice_needs_an_id() -> None:
    form = ContextForm(post({"model": OTHER_MODEL, "model_other": ""}), schema=WRITER, context={})
    assert not form.is_valid()
    assert form.errors["model"] == ["Enter the model id, as provider/model-name."]


def test_the_model_picker_ignores_the_other_text_when_a_listed_model_is_chosen() -> None:
    data = post({"model": "openai/gpt-4o", "model_other": "leftover/typing"})
    form = ContextForm(data, schema=WRITER, context={})
    assert form.is_valid(), form.errors
    assert form.context["model"] == "openai/gpt-4o"


def test_an_enum_is_a_select_of_its_values() -> None:
    form = ContextForm(schema=WRITER, context=None)
    field = form.fields["style"]
    assert isinstance(field.widget, forms.Select)
    assert [key for key, _ in field.choices] == ["blog", "tweet"]  # a default: no empty choice
    bad = ContextForm(post({"style": "poem"}), schema=WRITER, context={})
    assert not bad.is_valid()
    assert "style" in bad.errors


def test_an_integer_enum_comes_back_as_integers() -> None:
    form = ContextForm(
        post({"level": "2"}),
        schema=schema({"level": {"type": "integer", "enum": [1, 2, 3]}}),
        context=None,
    )
    assert form.is_valid(), form.errors
    assert form.context == {"level": 2}


def test_numbers_get_number_inputs_with_min_max_and_step() -> None:
    form = ContextForm(schema=WRITER, context=None)
    temperature = form.fields["temperature"].widget.attrs
    length = form.fields["max_length"].widget.attrs
    assert isinstance(form.fields["temperature"].widget, forms.NumberInput)
    assert (temperature["min"], temperature["max"], temperature["step"]) == (0, 2, "any")
    assert (length["min"], length["max"], length["step"]) == (1, 20000, 1)
    html = str(form["temperature"])
    assert 'type="number"' in html and 'min="0"' in html and 'max="2"' in html


def test_numbers_come_back_typed() -> None:
    form = ContextForm(
        post({"temperature": "0.25", "max_length": "300"}), schema=WRITER, context={}
    )
    assert form.is_valid(), form.errors
    assert form.context["temperature"] == 0.25
    whole = ContextForm(post({"temperature": "1"}), schema=WRITER, context={})
    assert (
        whole.is_valid()
        and whole.context["temperature"] == 1
        and isinstance(whole.context["temperature"], int)
    )
    assert form.context["max_length"] == 300 and isinstance(form.context["max_length"], int)


def test_a_number_out_of_bounds_is_reported_next_to_its_field() -> None:
    form = ContextForm(post({"temperature": "5"}), schema=WRITER, context={})
    assert not form.is_valid()
    assert form.errors["temperature"] == ["Must be at most 2 (got 5)."]
    assert form["temperature"].field.widget.attrs["max"] == 2


def test_a_boolean_is_a_checkbox_and_unticked_means_false() -> None:
    form = ContextForm(post({}), schema=RESEARCH, context={"cite_sources": True})
    assert isinstance(form.fields["cite_sources"].widget, forms.CheckboxInput)
    assert form.is_valid(), form.errors
    assert form.context["cite_sources"] is False
    ticked = ContextForm(post({"cite_sources": "on"}), schema=RESEARCH, context={})
    assert ticked.is_valid()
    assert "cite_sources" not in ticked.context  # equals the default and was not stored before


def test_a_nullable_boolean_offers_not_set() -> None:
    form = ContextForm(
        post({"strict": "unknown"}),
        schema=schema({"strict": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}}),
        context=None,
    )
    assert isinstance(form.fields["strict"].widget, forms.NullBooleanSelect)
    assert form.is_valid(), form.errors
    assert form.context == {"strict": None}


def test_an_optional_field_may_be_left_empty_and_becomes_null() -> None:
    form = ContextForm(post({"deadline_days": ""}), schema=RESEARCH, context={"deadline_days": 3})
    assert form.is_valid(), form.errors
    assert form.context["deadline_days"] is None


def test_an_optional_field_left_empty_that_was_never_set_stays_out() -> None:
    form = ContextForm(post({"deadline_days": ""}), schema=RESEARCH, context={})
    assert form.is_valid(), form.errors
    assert "deadline_days" not in form.context


def test_an_optional_integer_still_checks_its_bounds() -> None:
    form = ContextForm(post({"deadline_days": "0"}), schema=RESEARCH, context={})
    assert not form.is_valid()
    assert form.errors["deadline_days"] == ["Must be at least 1 (got 0)."]


def test_required_fields_are_marked_and_must_be_filled() -> None:
    required = schema(
        {"name": {"type": "string"}, "size": {"type": "integer"}}, required=["name", "size"]
    )
    form = ContextForm(post({"name": "", "size": ""}), schema=required, context=None)
    assert form["name"].is_required and form["size"].is_required
    assert not form.is_valid()
    assert form.errors["name"] == ["This field is required."]
    assert form.errors["size"] == ["This field is required."]


def test_a_new_form_is_prefilled_with_the_schema_defaults_and_saves_them() -> None:
    form = ContextForm(schema=WRITER, context=None)
    assert {b.name: b.value() for b in form.leaves()} == {
        "system_prompt": "Write a {style} about {topic}.",
        "model": "anthropic/claude-sonnet-4-5",
        "temperature": 0.7,
        "style": "blog",
        "max_length": 1200,
    }
    again = ContextForm(submitted(form), schema=WRITER, context=None)
    assert again.is_valid(), again.errors
    assert again.context == {
        "system_prompt": "Write a {style} about {topic}.",
        "model": "anthropic/claude-sonnet-4-5",
        "temperature": 0.7,
        "style": "blog",
        "max_length": 1200,
    }


def test_editing_shows_stored_values_and_leaves_untouched_defaults_out() -> None:
    stored = {"system_prompt": "Short.", "temperature": 0.3}
    form = ContextForm(schema=WRITER, context=stored)
    assert form["system_prompt"].value() == "Short."
    assert form["max_length"].value() == 1200  # the default, shown
    again = ContextForm(submitted(form), schema=WRITER, context=stored)
    assert again.is_valid(), again.errors
    assert again.context == stored


def test_a_changed_value_that_was_not_stored_is_saved() -> None:
    data = submitted(ContextForm(schema=WRITER, context={}))
    data["ctx-max_length"] = "99"
    form = ContextForm(data, schema=WRITER, context={})
    assert form.is_valid(), form.errors
    assert form.context == {"max_length": 99}


# -- lists -----------------------------------------------------------------------------------------


def test_an_array_of_strings_is_rows_and_blank_rows_are_ignored() -> None:
    form = ContextForm(
        post({"queries": ["first", "", "  ", "second"]}), schema=RESEARCH, context={}
    )
    assert form["queries"].kind == "list"
    assert [row["value"] for row in form["queries"].rows] == ["first", "", "  ", "second"]
    assert form.is_valid(), form.errors
    assert form.context["queries"] == ["first", "second"]


def test_no_rows_at_all_is_an_empty_list() -> None:
    form = ContextForm(post({}), schema=RESEARCH, context={"queries": ["x"]})
    assert form.is_valid(), form.errors
    assert form.context["queries"] == []


def test_rows_of_integers_are_checked_item_by_item() -> None:
    sizes = schema({"sizes": {"type": "array", "items": {"type": "integer"}}})
    form = ContextForm(post({"sizes": ["1", "x", "3"]}), schema=sizes, context=None)
    assert not form.is_valid()
    assert form.errors["sizes"] == ["Item 2: enter a whole number."]
    good = ContextForm(post({"sizes": ["1", "3"]}), schema=sizes, context=None)
    assert good.is_valid() and good.context == {"sizes": [1, 3]}


@pytest.mark.parametrize(
    ("action", "rows"),
    [
        ("add::queries", ["a", "b", "c", ""]),
        ("remove:1:queries", ["a", "c"]),
        ("up:2:queries", ["a", "c", "b"]),
        ("down:0:queries", ["b", "a", "c"]),
        ("up:0:queries", ["a", "b", "c"]),
        ("down:2:queries", ["a", "b", "c"]),
        ("remove:9:queries", ["a", "b", "c"]),
        ("explode:0:queries", ["a", "b", "c"]),
    ],
)
def test_list_actions_add_remove_and_reorder_rows(action: str, rows: list[str]) -> None:
    data = apply_list_action(post({"queries": ["a", "b", "c"]}), action)
    assert data.getlist("ctx-queries") == rows


def test_an_item_error_from_the_schema_lands_on_the_list_field() -> None:
    limited = schema({"tags": {"type": "array", "items": {"type": "string", "maxLength": 3}}})
    form = ContextForm(post({"tags": ["ok", "too long"]}), schema=limited, context=None)
    assert not form.is_valid()
    assert form.errors["tags"] == ["Item 2: must be at most 3 characters long (got 8)."]


# -- nested objects and lists of objects -----------------------------------------------------------


def test_a_nested_object_is_a_fieldset_with_dotted_field_names() -> None:
    form = ContextForm(schema=RESEARCH, context=None)
    group = next(node for node in form.nodes if node.is_group)
    assert (group.name, group.kind, group.title, group.description) == (
        "sources",
        "object",
        "Sources",
        "Source settings.",
    )
    assert [child.name for child in group.children] == [
        "sources.allowed_domains",
        "sources.include_news",
    ]
    assert form["sources.allowed_domains"].html_name == "ctx-sources.allowed_domains"
    assert form["sources.allowed_domains"].auto_id == "id_ctx-sources-allowed_domains"


def test_a_nested_object_comes_back_nested() -> None:
    data = post({"sources.allowed_domains": ["example.org"], "sources.include_news": "on"})
    form = ContextForm(data, schema=RESEARCH, context=None)
    assert form.is_valid(), form.errors
    assert form.context["sources"] == {"allowed_domains": ["example.org"], "include_news": True}


def test_a_nested_object_left_at_its_defaults_stays_out_when_editing() -> None:
    form = ContextForm(schema=RESEARCH, context={})
    again = ContextForm(submitted(form), schema=RESEARCH, context={})
    assert again.is_valid(), again.errors
    assert again.context == {}


PEOPLE = schema(
    {
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "age": {"type": "integer", "minimum": 0},
                },
                "required": ["name"],
            },
        }
    }
)


def test_an_array_of_objects_is_one_fieldset_per_item() -> None:
    form = ContextForm(
        schema=PEOPLE, context={"people": [{"name": "Ann", "age": 3}, {"name": "Bo"}]}
    )
    group = form.nodes[0]
    assert (group.kind, group.count) == ("objects", 2)
    assert [item.name for item in group.children] == ["people.0", "people.1"]
    assert form["people.1.name"].value() == "Bo"
    again = ContextForm(
        submitted(form),
        schema=PEOPLE,
        context={"people": [{"name": "Ann", "age": 3}, {"name": "Bo"}]},
    )
    assert again.is_valid(), again.errors
    assert again.context == {"people": [{"name": "Ann", "age": 3}, {"name": "Bo"}]}


def test_items_of_an_array_of_objects_can_be_added_and_removed() -> None:
    data = post(
        {"people.__count": "2", "people.0.name": "Ann", "people.1.name": "Bo", "people.1.age": "4"}
    )
    removed = apply_list_action(data, "remove:0:people")
    assert removed["ctx-people.__count"] == "1"
    assert removed["ctx-people.0.name"] == "Bo" and removed["ctx-people.0.age"] == "4"
    form = ContextForm(apply_list_action(removed, "add::people"), schema=PEOPLE, context={})
    assert form.nodes[0].count == 2
    assert not form.is_valid()  # the new item's name is required
    assert form.errors["people.1.name"] == ["This field is required."]


def test_an_error_inside_an_item_lands_on_that_items_field() -> None:
    data = post({"people.__count": "1", "people.0.name": "Ann", "people.0.age": "-1"})
    form = ContextForm(data, schema=PEOPLE, context={})
    assert not form.is_valid()
    assert form.errors["people.0.age"] == ["Must be at least 0 (got -1)."]


def test_a_free_form_object_is_edited_as_json() -> None:
    headers = schema({"headers": {"type": "object", "additionalProperties": {"type": "string"}}})
    form = ContextForm(post({"headers": '{"X-Team": "blue"}'}), schema=headers, context=None)
    assert form["headers"].kind == "json"
    assert form.is_valid(), form.errors
    assert form.context == {"headers": {"X-Team": "blue"}}
    broken = ContextForm(post({"headers": "{nope"}), schema=headers, context=None)
    assert not broken.is_valid()
    assert broken.errors["headers"] == ["Enter a valid JSON."]


# -- values the schema does not know ---------------------------------------------------------------


def test_values_not_in_the_schema_are_kept_read_only_and_carried_through() -> None:
    stored = {"temperature": 0.2, "legacy_flag": {"on": True}}
    form = ContextForm(schema=WRITER, context=stored)
    bound = form["legacy_flag"]
    assert bound.kind == "unknown"
    assert bound.field.disabled
    assert '"on": true' in bound.unknown_json
    data = submitted(form)
    data["ctx-legacy_flag"] = '"tampered"'  # disabled: what the browser sends is ignored
    again = ContextForm(data, schema=WRITER, context=stored)
    assert again.is_valid(), again.errors
    assert again.context == stored


def test_a_value_not_in_the_schema_is_dropped_only_when_asked() -> None:
    stored = {"legacy": 1}
    data = submitted(ContextForm(schema=WRITER, context=stored))
    data.setlist("_drop", ["legacy"])
    form = ContextForm(data, schema=WRITER, context=stored)
    assert form["legacy"].drop_checked
    assert form.is_valid(), form.errors
    assert form.context == {}


def test_a_nested_value_not_in_the_schema_is_kept_too() -> None:
    stored = {"sources": {"allowed_domains": ["a.org"], "old_ranker": "v1"}}
    form = ContextForm(schema=RESEARCH, context=stored)
    assert form["sources.old_ranker"].kind == "unknown"
    again = ContextForm(submitted(form), schema=RESEARCH, context=stored)
    again.is_valid()
    assert again.context["sources"]["old_ranker"] == "v1"
    # the schema forbids extra keys: the error says so next to the value, which the user may drop
    assert again.errors["sources.old_ranker"] == ["Not a field of this graph's schema."]


# -- errors from elsewhere -------------------------------------------------------------------------


def test_errors_keyed_by_dotted_path_are_put_next_to_their_field() -> None:
    form = ContextForm(
        submitted(ContextForm(schema=RESEARCH, context=None)), schema=RESEARCH, context=None
    )
    assert form.is_valid(), form.errors
    form.add_schema_errors(
        ValidationError(
            {
                "sources.allowed_domains": ["Not allowed."],
                "queries.1": ["Must not be empty."],
                "elsewhere": ["Unknown thing."],
                "__all__": ["The whole thing is off."],
            }
        )
    )
    assert form.errors["sources.allowed_domains"] == ["Not allowed."]
    assert form.errors["queries"] == ["Item 2: must not be empty."]
    assert form.non_field_errors() == ["elsewhere: Unknown thing.", "The whole thing is off."]


def test_field_for_path_finds_the_closest_field() -> None:
    form = ContextForm(schema=RESEARCH, context=None)
    assert form.field_for_path("sources.allowed_domains.0") == ("sources.allowed_domains", ["0"])
    assert form.field_for_path("deadline_days") == ("deadline_days", [])
    assert form.field_for_path("__all__") == (None, [])


# -- the demo graphs, through the registry ------------------------------------------------------


def test_the_demo_graphs_build_their_forms(demo_registry) -> None:
    from graphs.schemas import graph_context_schema

    writer = ContextForm(schema=graph_context_schema(demo_registry.get("writer")), context=None)
    assert {b.name: b.kind for b in writer.leaves()} == {
        "system_prompt": "prompt",
        "model": "model",
        "temperature": "number",
        "style": "choice",
        "max_length": "integer",
    }
    researcher = ContextForm(
        schema=graph_context_schema(demo_registry.get("researcher")), context=None
    )
    kinds = {b.name: b.kind for b in researcher.leaves()}
    assert kinds["sources.allowed_domains"] == "list"
    assert kinds["sources.include_news"] == "boolean"
    assert kinds["reviewer_model"] == "model"
    assert kinds["deadline_days"] == "integer"
    round_trip = ContextForm(submitted(researcher), schema=researcher.schema, context=None)
    assert round_trip.is_valid(), round_trip.errors
    assert round_trip.context["sources"] == {
        "allowed_domains": ["wikipedia.org", "arxiv.org"],
        "include_news": False,
    }


def test_known_prompt_variables_are_the_inputs_and_context_fields(demo_registry) -> None:
    from graphs.forms import known_prompt_variables

    known = known_prompt_variables(demo_registry.get("writer"))
    assert known is not None and {"topic", "style"} <= known


# -- read-only display and labels --------------------------------------------------------------------


def test_describe_context_labels_values_and_marks_defaults_and_strangers() -> None:
    rows = describe_context(RESEARCH, {"queries": ["x"], "legacy": 1})
    by_path = {row.path: row for row in rows}
    assert by_path["queries"].value == ["x"] and not by_path["queries"].is_default
    assert by_path["cite_sources"].value is True and by_path["cite_sources"].is_default
    assert by_path["sources"].kind == "group"
    assert by_path["sources.include_news"].label == "Include news"
    assert by_path["legacy"].in_schema is False


def test_field_labels_name_nested_fields_with_their_group() -> None:
    labels = field_labels(RESEARCH)
    assert labels["sources"] == "Sources"
    assert labels["sources.allowed_domains"] == "Sources › Allowed domains"


# -- the model list is a setting ------------------------------------------------------------------


def test_the_model_picker_offers_the_studio_models_setting(settings) -> None:
    settings.STUDIO_MODELS = {"Local": ["ollama/llama3.1"]}
    form = ContextForm(schema=WRITER, context={"model": "ollama/llama3.1"})
    assert form["model"].model_groups == [
        {
            "label": "Local",
            "options": [
                {"value": "ollama/llama3.1", "label": "llama3.1 (Local)", "selected": True}
            ],
        }
    ]
    # the default's model is not listed any more: it shows as "Other" and still saves
    assert ContextForm(schema=WRITER, context=None)["model"].model_other_selected


def test_a_malformed_studio_models_setting_fails_loudly(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.STUDIO_MODELS = ["openai/gpt-4o"]
    with pytest.raises(ImproperlyConfigured, match="STUDIO_MODELS"):
        _ = ContextForm(schema=WRITER, context=None)["model"].model_groups
