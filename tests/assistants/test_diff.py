"""Structured and word-level diffs of configurations (assistants.diff)."""

from __future__ import annotations

from types import SimpleNamespace

from assistants.diff import (
    diff_configs,
    diff_versions,
    diff_words,
    flatten,
    render_inline,
    render_side_by_side,
)


def test_flatten_walks_objects_and_keeps_lists_and_empty_objects_whole() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}, "f": [{"x": 1}]}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": {},
        "f": [{"x": 1}],
    }


def test_diff_configs_reports_added_removed_changed_and_unchanged_by_path() -> None:
    old = {
        "model": "a",
        "temperature": 0.5,
        "sources": {"news": False, "domains": ["x"]},
        "gone": 1,
    }
    new = {
        "model": "b",
        "temperature": 0.5,
        "sources": {"news": True, "domains": ["x"]},
        "fresh": 2,
    }
    result = [
        (c.path, c.kind, c.old, c.new) for c in diff_configs(old, new, labels={"model": "Model"})
    ]
    assert result == [
        ("model", "changed", "a", "b"),
        ("temperature", "unchanged", 0.5, 0.5),
        ("sources.news", "changed", False, True),
        ("sources.domains", "unchanged", ["x"], ["x"]),
        ("gone", "removed", 1, None),
        ("fresh", "added", None, 2),
    ]
    assert diff_configs(old, new, labels={"model": "Model"})[0].display_label == "Model"


def test_integers_and_equal_floats_are_the_same_but_true_is_not_one() -> None:
    kinds = {c.path: c.kind for c in diff_configs({"a": 1, "b": True}, {"a": 1.0, "b": 1})}
    assert kinds == {"a": "unchanged", "b": "changed"}


def test_diff_words_marks_deleted_and_inserted_words() -> None:
    assert diff_words("Write a blog post", "Write a short tweet") == [
        ("equal", "Write a "),
        ("delete", "blog post"),
        ("insert", "short tweet"),
    ]


def test_render_inline_escapes_every_piece() -> None:
    html = render_inline("Say <b>hi</b>", "Say <script>alert(1)</script>")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;" in html and "&gt;" in html and "alert(1)" in html
    assert html.startswith("Say ") and "<del>" in html and "<ins>" in html


def test_side_by_side_pairs_lines_and_marks_words() -> None:
    rows = render_side_by_side("one\ntwo words\nthree", "one\ntwo more words\nthree\nfour")
    assert [kind for _, _, kind in rows] == ["equal", "changed", "equal", "added"]
    assert rows[1][1] == "two <ins>more </ins>words"
    assert rows[3] == ("", "<ins>four</ins>", "added")


def test_long_or_multi_word_text_gets_a_word_diff_ids_do_not() -> None:
    prompt, model = diff_configs(
        {"p": "You are a friendly writer.", "m": "openai/gpt-4o"},
        {"p": "You are a careful writer.", "m": "openai/gpt-4o-mini"},
    )
    assert prompt.is_text and not model.is_text
    assert "<del>friendly</del><ins>careful</ins>" in prompt.inline


def test_diff_versions_compares_name_description_context_and_other_config() -> None:
    a = SimpleNamespace(
        name="A",
        description="",
        context={"t": 1},
        config={"configurable": {"t": 1}, "tags": ["x"]},
        metadata={},
    )
    b = SimpleNamespace(
        name="B",
        description="",
        context={"t": 2},
        config={"configurable": {"t": 2}, "tags": ["y"]},
        metadata={},
    )
    changes = {
        c.path: (c.kind, c.display_label) for c in diff_versions(a, b, labels={"t": "Temperature"})
    }
    assert changes == {
        "name": ("changed", "Name"),
        "description": ("unchanged", "Description"),
        "context.t": ("changed", "Temperature"),
        "config.tags": ("changed", "config.tags"),
    }


def test_diffing_two_huge_prompts_stays_fast_and_still_marks_the_change():
    import time

    from assistants.diff import diff_words, render_side_by_side

    old = "\n".join(f"Line {i} says word{i} and more words here." for i in range(20_000))
    new = old.replace("Line 10000 says", "Line 10000 now says")
    started = time.perf_counter()
    pieces = diff_words(old, new)
    rows = render_side_by_side(old, new)
    assert time.perf_counter() - started < 20  # the word-level matcher took minutes on this input
    assert [op for op, _ in pieces].count("insert") == 1
    assert any("now" in text for op, text in pieces if op == "insert")
    assert sum(1 for *_, kind in rows if kind == "changed") == 1
