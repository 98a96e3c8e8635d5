"""With a provider key, the real ``langchain-openai`` client answers, over HTTP, from a local
OpenAI-compatible server; provider errors (no key, rate limit, timeout) end the run with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistants.actors import Actor
from assistants.models import Run
from assistants.services.runs import run_create
from assistants.tasks import execute_run
from graphs.registry import get_registry
from graphs.runner import run_graph
from tests.runs.openai_server import OpenAIServer


@pytest.fixture
def openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    monkeypatch.delenv("STUDIO_DEMO_FAKE_LLM", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("STUDIO_MODEL_MAX_RETRIES", "0")
    yield server
    server.stop()


def run(graph_id: str, graph_input: Any, context: dict[str, Any]) -> tuple[Any, list[Any]]:
    events: list[dict[str, Any]] = []
    spec = get_registry().get(graph_id)
    outcome = run_graph(spec, graph_input=graph_input, context=context, emit=events.append)
    return outcome, events


WRITER = {"model": "openai/gpt-4o-mini", "temperature": 0.3, "style": "tweet"}


def test_the_writer_gets_its_answer_from_the_provider_over_http(
    openai_server: OpenAIServer,
) -> None:
    outcome, events = run("writer", {"topic": "tide pools"}, WRITER)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.output_text == "Real answer from gpt-4o-mini to: Topic: tide pools"
    [request] = openai_server.requests
    body = request["body"]
    assert request["authorization"] == "Bearer sk-test-key"
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.3
    assert body["stream"] is True  # LangGraph's "messages" mode streams the tokens
    assert body["messages"][0]["role"] == "system"
    assert "Write a tweet about tide pools." in body["messages"][0]["content"]
    start = next(e for e in events if e["type"] == "model_start")
    assert (start["provider"], start["model"]) == ("openai", "gpt-4o-mini")
    tokens = [e["text"] for e in events if e["type"] == "token"]
    assert len(tokens) > 1 and "".join(tokens) == outcome.output_text
    end = next(e for e in events if e["type"] == "model_end")
    assert end["latency_ms"] >= 0
    if end["usage"]:  # reported when the client asks for usage in the stream
        assert end["usage"]["total_tokens"] > 0


def test_a_rate_limit_ends_the_run_with_the_providers_message(openai_server: OpenAIServer) -> None:
    openai_server.mode = "rate_limit"
    outcome, events = run("writer", {"topic": "tide pools"}, WRITER)
    assert outcome.status == "failed"
    assert outcome.error_node == "write"
    assert outcome.error == (
        "OpenAIRateLimitError: Error code: 429 - Rate limit reached for gpt-4o-mini. "
        "Try again in 20s."
    )
    assert any(e["type"] == "model_error" and "Rate limit" in e["error"] for e in events)


def test_a_provider_timeout_ends_the_run_with_a_timeout_error(
    openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_MODEL_TIMEOUT", "0.5")
    openai_server.mode, openai_server.delay = "slow", 3.0
    outcome, _ = run("writer", {"topic": "tide pools"}, WRITER)
    assert outcome.status == "failed"
    assert "Timeout" in outcome.error and "timed out" in outcome.error.lower(), outcome.error


def test_without_a_key_a_graph_using_init_chat_model_fails_with_the_providers_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("langchain.chat_models", reason="the fixture graph uses init_chat_model")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    outcome, _ = run("direct", {"topic": "tides"}, {})
    assert outcome.status == "failed"
    assert outcome.error_node == "answer"
    assert "api_key" in outcome.error


@pytest.mark.django_db
def test_a_queued_run_is_answered_by_the_provider(
    openai_server: OpenAIServer, make_assistant: Any
) -> None:
    pytest.importorskip("langchain.chat_models", reason="the fixture graph uses init_chat_model")
    assistant = make_assistant("direct", name="Direct")
    run_row = run_create(
        actor=Actor.system_actor(),
        assistant_id=assistant.pk,
        graph_input={"topic": "tides"},
        version=1,
    )
    assert execute_run.call(str(run_row.pk)) == Run.SUCCEEDED
    run_row.refresh_from_db()
    assert run_row.output_text == "Real answer from gpt-4o-mini to: tides"
    assert run_row.events.filter(kind="model_start").get().data["model"] == "gpt-4o-mini"
