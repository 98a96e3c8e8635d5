"""Three-way merge of versions (assistants.merge): pure functions, no database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistants.merge import MISSING, UnresolvedConflicts, merge3, merge_versions

BASE = {"model": "a", "temperature": 0.5, "prompt": "Hello", "style": "blog"}


def outcomes(merge) -> dict[str, str]:
    return {f.path: f.outcome for f in merge.fields}


def test_each_field_takes_the_side_that_changed_it() -> None:
    ours = {**BASE, "model": "b"}  # only the draft changed the model
    theirs = {**BASE, "temperature": 0.9}  # only the live version changed the temperature
    merge = merge3(BASE, ours, theirs)
    assert outcomes(merge) == {
        "model": "ours",
        "temperature": "theirs",
        "prompt": "unchanged",
        "style": "unchanged",
    }
    assert merge.conflicts == []
    assert merge.resolve() == {"model": "b", "temperature": 0.9, "prompt": "Hello", "style": "blog"}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    merge = merge3(BASE, {**BASE, "model": "c"}, {**BASE, "model": "c"})
    assert outcomes(merge)["model"] == "both"
    assert merge.resolve()["model"] == "c"


def test_different_changes_to_one_field_are_a_conflict_settled_by_a_choice() -> None:
    merge = merge3(BASE, {**BASE, "prompt": "Mine"}, {**BASE, "prompt": "Theirs"})
    (conflict,) = merge.conflicts
    assert (conflict.path, conflict.base, conflict.ours, conflict.theirs) == (
        "prompt",
        "Hello",
        "Mine",
        "Theirs",
    )
    assert merge.resolve({"prompt": "ours"})["prompt"] == "Mine"
    assert merge.resolve({"prompt": "theirs"})["prompt"] == "Theirs"


def test_resolving_without_a_valid_choice_names_every_open_conflict() -> None:
    ours = {**BASE, "prompt": "Mine", "model": "x"}
    theirs = {**BASE, "prompt": "Theirs", "model": "y"}
    merge = merge3(BASE, ours, theirs)
    with pytest.raises(UnresolvedConflicts) as caught:
        merge.resolve({"prompt": "mine, obviously"})
    assert caught.value.paths == ["model", "prompt"]


def test_removing_a_field_is_a_change_like_any_other() -> None:
    ours = {k: v for k, v in BASE.items() if k != "style"}  # the draft removed the style
    merge = merge3(BASE, ours, {**BASE, "model": "b"})
    assert outcomes(merge)["style"] == "ours"
    assert "style" not in merge.resolve()
    # Removed on one side, changed on the other: a conflict, and "ours" means removed.
    merge = merge3(BASE, ours, {**BASE, "style": "tweet"})
    (conflict,) = merge.conflicts
    assert conflict.ours is MISSING and conflict.ours_unset and not conflict.theirs_unset
    assert "style" not in merge.resolve({"style": "ours"})
    assert merge.resolve({"style": "theirs"})["style"] == "tweet"


def test_a_field_added_on_one_side_is_kept() -> None:
    merge = merge3(BASE, {**BASE, "new": 1}, BASE)
    assert outcomes(merge)["new"] == "ours" and merge.resolve()["new"] == 1


def test_nested_objects_merge_field_by_field() -> None:
    base = {"sources": {"news": False, "domains": ["a"]}}
    ours = {"sources": {"news": True, "domains": ["a"]}}
    theirs = {"sources": {"news": False, "domains": ["a", "b"]}}
    merge = merge3(base, ours, theirs)
    assert outcomes(merge) == {"sources.news": "ours", "sources.domains": "theirs"}
    assert merge.resolve() == {"sources": {"news": True, "domains": ["a", "b"]}}


def test_an_object_replaced_by_a_value_on_one_side_is_one_conflict_on_the_whole_field() -> None:
    base = {"sources": {"news": False}}
    merge = merge3(base, {"sources": "none"}, {"sources": {"news": True}})
    assert outcomes(merge) == {"sources": "conflict"}
    assert merge.resolve({"sources": "theirs"}) == {"sources": {"news": True}}
    assert merge.resolve({"sources": "ours"}) == {"sources": "none"}


def test_lists_are_compared_whole_and_json_types_matter() -> None:
    base = {"tags": ["a"], "flag": 1, "ratio": 1}
    ours = {"tags": ["a", "b"], "flag": True, "ratio": 1.0}
    merge = merge3(base, ours, base)
    assert outcomes(merge) == {"tags": "ours", "flag": "ours", "ratio": "unchanged"}


def test_an_empty_object_kept_on_both_sides_survives_the_merge() -> None:
    merge = merge3({"opts": {}}, {"opts": {}}, {"opts": {}, "x": 1})
    assert merge.resolve() == {"opts": {}, "x": 1}


def version(**fields) -> SimpleNamespace:
    defaults = {"name": "A", "description": None, "context": {}, "metadata": {}, "config": {}}
    return SimpleNamespace(**{**defaults, **fields})


def test_merge_versions_covers_name_description_context_metadata_and_config() -> None:
    base = version(context={"t": 0.5}, config={"configurable": {"t": 0.5}, "tags": ["x"]})
    ours = version(name="Mine", context={"t": 0.7}, config={"configurable": {"t": 0.7}})
    theirs = version(
        description="Now documented",
        context={"t": 0.5},
        metadata={"team": "ops"},
        config={"configurable": {"t": 0.5}, "tags": ["x"], "recursion_limit": 5},
    )
    merge = merge_versions(base, ours, theirs, labels={"t": "Temperature"})
    by_path = {f.path: f for f in merge.fields}
    assert by_path["context.t"].display_label == "Temperature"
    assert by_path["name"].display_label == "Name"
    assert "config.configurable.t" not in by_path  # it mirrors the context
    # The draft dropped config.tags (pages keep the config, but the merge judges what is there).
    assert outcomes(merge) == {
        "name": "ours",
        "description": "theirs",
        "context.t": "ours",
        "metadata.team": "theirs",
        "config.tags": "ours",
        "config.recursion_limit": "theirs",
    }
    assert merge.resolve() == {
        "name": "Mine",
        "description": "Now documented",
        "context": {"t": 0.7},
        "metadata": {"team": "ops"},
        "config": {"recursion_limit": 5},
    }
