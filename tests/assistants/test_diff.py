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


def test_an_empty_object_that_gains_or_loses_keys_shows_only_its_keys() -> None:
    """A version with no context against one with a prompt: the prompt is added, no "context {}"
    row is removed (an empty object is still a change of its own when nothing replaces it)."""
    gained = diff_configs({"context": {}}, {"context": {"system_prompt": "Hi"}})
    assert [(c.path, c.kind) for c in gained] == [("context.system_prompt", "added")]
    lost = diff_configs({"context": {"system_prompt": "Hi"}}, {"context": {}})
    assert [(c.path, c.kind) for c in lost] == [("context.system_prompt", "removed")]
    emptied = diff_configs({"tags": {}}, {})
    assert [(c.path, c.kind) for c in emptied] == [("tags", "removed")]


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


# -- bounded work: past the budget, coarser marks over the very same texts ----------------------

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _punctuation_lines(seed: int, lines: int = 200, width: int = 1400) -> str:
    import random

    rnd = random.Random(seed)
    return "\n".join("".join(rnd.choice(PUNCTUATION) for _ in range(width)) for _ in range(lines))


def _text(cell: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?(?:del|ins)>", "", cell))


def test_a_side_by_side_past_its_budget_marks_whole_lines_and_keeps_both_texts() -> None:
    from django.utils.html import escape

    from assistants.diff import DiffBudget

    old, new = _punctuation_lines(1), _punctuation_lines(2)
    budget = DiffBudget()
    rows = render_side_by_side(old, new, budget=budget)
    assert budget.coarse > 0  # the budget ran out: later lines were not matched word by word
    assert len(rows) == 200 and {kind for *_, kind in rows} == {"changed"}
    assert [_text(left) for left, _, _ in rows] == old.split("\n")
    assert [_text(right) for _, right, _ in rows] == new.split("\n")
    first_left, _, _ = rows[0]
    assert first_left.count("<del>") > 1  # the first line still got a word-level diff
    last_left, last_right, _ = rows[-1]
    assert last_left == f"<del>{escape(old.split(chr(10))[-1])}</del>"
    assert last_right == f"<ins>{escape(new.split(chr(10))[-1])}</ins>"


def test_the_changes_of_one_diff_share_one_budget() -> None:
    from django.utils.html import escape

    first, second = _punctuation_lines(3, lines=1), _punctuation_lines(4, lines=1)
    changes = diff_configs({"a": first, "b": first}, {"a": second, "b": second})
    assert changes[0].inline.count("<del>") > 1  # word level
    # The first field spent the budget: the second is compared whole, still correctly.
    assert changes[1].inline == f"<del>{escape(first)}</del><ins>{escape(second)}</ins>"
    assert changes[0].budget is changes[1].budget and changes[1].budget.coarse > 0


def test_a_very_long_text_gets_one_row_per_block_with_every_line_in_it() -> None:
    from assistants.diff import MAX_SIDE_BY_SIDE_ROWS

    old_lines = [f"line {i}" for i in range(MAX_SIDE_BY_SIDE_ROWS * 2)]
    new_lines = [*old_lines]
    new_lines[100] = "line one hundred"
    rows = render_side_by_side("\n".join(old_lines), "\n".join(new_lines))
    assert [kind for *_, kind in rows] == ["equal", "changed", "equal"]
    assert "\n".join(_text(left) for left, _, _ in rows) == "\n".join(old_lines)
    assert "\n".join(_text(right) for _, right, _ in rows) == "\n".join(new_lines)
    assert rows[1][1] == "line <ins>one hundred</ins>"
