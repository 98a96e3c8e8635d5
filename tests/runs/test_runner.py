"""The runner: real LangGraph execution of the demo and fixture graphs, event by event."""

from __future__ import annotations

from typing import Any

import pytest

from graphs.registry import get_registry
from graphs.runner import run_graph


def run(graph_id: str, graph_input: Any, context: dict[str, Any] | None = None, **kw: Any):
    events: list[dict[str, Any]] = []
    outcome = run_graph(
        get_registry().get(graph_id),
        graph_input=graph_input,
        context=context,
        emit=events.append,
        **kw,
    )
    return outcome, events


def test_the_writer_runs_and_reports_steps_model_call_and_output() -> None:
    outcome, events = run("writer", {"topic": "tide pools"}, {"style": "tweet"})
    assert outcome.status == "succeeded"
    assert outcome.output["topic"] == "tide pools"
    assert outcome.output_text == outcome.output["draft"]
    assert outcome.output_text.startswith("Tide pools")
    assert [e["node"] for e in events if e["type"] == "step"] == ["write", "polish"]
    start = next(e for e in events if e["type"] == "model_start")
    assert start["node"] == "write"
    assert start["model"] == "anthropic/claude-sonnet-4-5"
    assert start["temperature"] == 0.7
    assert [m["role"] for m in start["messages"]] == ["system", "human"]
    assert "Write a tweet about tide pools." in start["messages"][0]["content"]
    end = next(e for e in events if e["type"] == "model_end")
    assert end["call"] == start["call"]
    assert (
        end["usage"]["total_tokens"] == end["usage"]["input_tokens"] + end["usage"]["output_tokens"]
    )
    assert end["latency_ms"] >= 0
    assert outcome.usage == end["usage"]
    streamed = "".join(e["text"] for e in events if e["type"] == "token")
    assert streamed == end["text"]


def test_the_offline_model_output_depends_on_prompt_model_and_temperature() -> None:
    base = {"style": "blog", "temperature": 0}
    texts = {
        "default": run("writer", {"topic": "maps"}, base)[0].output_text,
        "prompt": run(
            "writer",
            {"topic": "maps"},
            {**base, "system_prompt": "Be formal. Write a {style} about {topic} in bullet points."},
        )[0].output_text,
        "model": run("writer", {"topic": "maps"}, {**base, "model": "openai/gpt-4o-mini"})[
            0
        ].output_text,
        "temperature": run("writer", {"topic": "maps"}, {**base, "temperature": 1.9})[
            0
        ].output_text,
    }
    assert len(set(texts.values())) == 4
    assert "- " in texts["prompt"] and "The following sets out the essentials." in texts["prompt"]
    assert "openai/gpt-4o-mini" in texts["model"]
    assert "anthropic/claude-sonnet-4-5" in texts["default"]
    # Deterministic: the same inputs give the same text.
    assert run("writer", {"topic": "maps"}, base)[0].output_text == texts["default"]


def test_subgraph_steps_are_reported_with_their_path() -> None:
    outcome, events = run("researcher", {"question": "coral reefs"}, {"max_sources": 2})
    assert outcome.status == "succeeded"
    paths = [e["path"] for e in events if e["type"] == "step"]
    assert paths == [["plan"], ["search", "gather"], ["search", "rank"], ["search"], ["summarize"]]
    assert outcome.output_text.startswith("Research summary: coral reefs")


def test_a_chat_graph_answers_its_messages() -> None:
    outcome, events = run("chat", {"messages": [{"role": "user", "content": "What is a tide?"}]})
    assert outcome.status == "succeeded"
    assert outcome.output["messages"][0] == {"role": "human", "content": "What is a tide?"}
    assert outcome.output["messages"][-1]["role"] == "ai"
    assert outcome.output_text == outcome.output["messages"][-1]["content"]
    assert "openai/gpt-4o-mini" in outcome.output_text


def test_a_failing_node_is_named_with_its_error() -> None:
    outcome, events = run("failing", {"topic": "time travel"})
    assert outcome.status == "failed"
    assert outcome.error_node == "explode"
    assert outcome.error == "ValueError: the flux capacitor is empty"
    assert "Traceback" in outcome.traceback and "fx_failing.py" in outcome.traceback
    assert [e["node"] for e in events if e["type"] == "step"] == ["prepare"]


def test_a_bad_context_fails_the_run_with_the_validation_error() -> None:
    outcome, _ = run("researcher", {"question": "tea"}, {"colour": "green"})
    assert outcome.status == "failed"
    assert "colour" in outcome.error and "Extra inputs are not permitted" in outcome.error


def test_a_graph_that_fails_to_import_fails_the_run_with_its_error() -> None:
    outcome, events = run("broken", {"topic": "x"})
    assert outcome.status == "failed"
    assert "this_module_does_not_exist" in outcome.error
    assert events == []


def test_a_run_past_its_timeout_stops_as_timed_out() -> None:
    outcome, _ = run("slow", {"topic": "x"}, {"seconds": 5}, timeout=0.5)
    assert outcome.status == "timed_out"
    assert outcome.error == "The run took longer than 0.5 seconds and was stopped."


def test_tick_can_cancel_a_run() -> None:
    ticks = iter([None, None, "cancelled"])
    outcome, _ = run("slow", {"topic": "x"}, {"seconds": 5}, tick=lambda: next(ticks, "cancelled"))
    assert outcome.status == "cancelled"


@pytest.mark.parametrize(
    ("prompt", "check"),
    [
        ("Write a {style} about {topic} in one sentence.", lambda t: t.count(".") <= 2),
        ("Write a {style} about {topic}. Use all caps.", lambda t: "MAPS" in t),
        (
            "Write a {style} about {topic}, under 12 words.",
            lambda t: len(t.split("\n\n")[0].split()) <= 12,
        ),
        ("Write a {style} about {topic}. Be enthusiastic!", lambda t: "This is exciting!" in t),
    ],
)
def test_the_offline_model_follows_simple_instructions(prompt: str, check: Any) -> None:
    outcome, _ = run("writer", {"topic": "maps"}, {"system_prompt": prompt, "temperature": 0})
    assert check(outcome.output_text), outcome.output_text


def test_a_graph_with_async_nodes_runs() -> None:
    """Async-only nodes (LangChain's templates use them) need the async stream."""
    outcome, events = run("async", {"note": "wall"}, {"colour": "blue"})

    assert outcome.status == "succeeded", outcome.error
    assert outcome.output == {"note": "wall painted blue"}
    # the answer is written into the key it was given: still the run's text
    assert outcome.output_text == "wall painted blue"
    assert [e["node"] for e in events if e["type"] == "step"] == ["paint"]
