from __future__ import annotations

import pydantic
import pytest

from graphs.demo import researcher, writer
from graphs.demo.llm import format_prompt, split_model_id
from graphs.registry import Registry
from graphs.schemas import graph_drawing, graph_schemas
from graphs.validation import validate_context

pytestmark = pytest.mark.usefixtures("offline")


# -- writer -------------------------------------------------------------------------------------


def test_writer_is_a_compiled_graph_named_after_its_id(demo_registry: Registry) -> None:
    spec = demo_registry.get("writer")
    assert spec.kind == "compiled"
    assert spec.error is None
    assert spec.default_name == "writer"


def test_writer_context_schema_has_its_fields_bounds_and_hints(demo_registry: Registry) -> None:
    schemas = graph_schemas(demo_registry.get("writer"))
    context = schemas["context_schema"]
    props = context["properties"]
    assert context["title"] == "WriterContext"
    assert context["description"]
    assert list(props) == ["system_prompt", "model", "temperature", "style", "max_length"]
    assert props["system_prompt"]["langgraph_type"] == "prompt"
    assert props["system_prompt"]["langgraph_nodes"] == ["write"]
    assert "{topic}" in props["system_prompt"]["default"]
    assert "{style}" in props["system_prompt"]["default"]
    assert "\n" in props["system_prompt"]["default"]
    assert props["model"]["x-template-kind"] == "llm"
    assert props["model"]["default"] == "anthropic/claude-sonnet-4-5"
    assert (props["temperature"]["minimum"], props["temperature"]["maximum"]) == (0, 2)
    assert props["temperature"]["default"] == 0.7
    assert props["style"]["enum"] == ["blog", "tweet"]
    assert props["style"]["default"] == "blog"
    assert (props["max_length"]["minimum"], props["max_length"]["maximum"]) == (1, 20000)
    assert props["max_length"]["default"] == 1200
    assert "required" not in context
    assert schemas["config_schema"] == context
    assert schemas["input_schema"]["required"] == ["topic"]


def test_writer_writes_a_blog_post_offline() -> None:
    result = writer.graph.invoke({"topic": "sourdough bread"}, context={"style": "blog"})
    assert result["topic"] == "sourdough bread"
    assert result["draft"].startswith("# Sourdough bread")
    assert "sourdough bread" in result["draft"]


def test_writer_writes_a_short_tweet_offline() -> None:
    result = writer.graph.invoke({"topic": "tide pools"}, context={"style": "tweet"})
    assert len(result["draft"]) <= 280
    assert result["draft"].startswith("Tide pools")
    assert "#TidePools" in result["draft"]


def test_writer_respects_max_length() -> None:
    result = writer.graph.invoke({"topic": "gardening"}, context={"max_length": 40})
    assert len(result["draft"]) <= 40
    assert result["draft"].endswith("…")


def test_writer_runs_without_any_context() -> None:
    assert writer.graph.invoke({"topic": "maps"})["draft"].startswith("# Maps")


def test_writer_drawing_shows_its_nodes(demo_registry: Registry) -> None:
    ids = [node["id"] for node in graph_drawing(demo_registry.get("writer"))["nodes"]]
    assert ids == ["__start__", "write", "polish", "__end__"]


# -- researcher ---------------------------------------------------------------------------------


def test_researcher_is_a_factory_named_after_its_id(demo_registry: Registry) -> None:
    spec = demo_registry.get("researcher")
    assert spec.kind == "factory"
    assert spec.error is None
    assert spec.default_name == "researcher"


def test_researcher_context_schema_has_nested_list_optional_and_hinted_fields(
    demo_registry: Registry,
) -> None:
    context = graph_schemas(demo_registry.get("researcher"))["context_schema"]
    props = context["properties"]
    assert context["title"] == "ResearchContext"
    assert context["additionalProperties"] is False
    assert list(props) == [
        "queries",
        "sources",
        "summary_prompt",
        "reviewer_model",
        "max_sources",
        "deadline_days",
        "cite_sources",
    ]
    assert props["queries"]["type"] == "array"
    assert len(props["queries"]["default"]) == 2
    assert props["sources"]["$ref"] == "#/$defs/SourceSettings"
    nested = context["$defs"]["SourceSettings"]["properties"]
    assert nested["allowed_domains"]["type"] == "array"
    assert nested["include_news"]["type"] == "boolean"
    assert props["summary_prompt"]["langgraph_type"] == "prompt"
    assert props["reviewer_model"]["x-template-kind"] == "llm"
    assert props["reviewer_model"]["default"] == "openai/gpt-4o-mini"
    assert (props["max_sources"]["minimum"], props["max_sources"]["maximum"]) == (1, 50)
    assert props["max_sources"]["default"] == 5
    assert props["deadline_days"]["default"] is None
    assert {"type": "null"} in props["deadline_days"]["anyOf"]
    assert props["cite_sources"]["default"] is True


def test_researcher_runs_offline_with_a_context() -> None:
    graph = researcher.make_graph({})
    result = graph.invoke(
        {"question": "coral reefs"},
        context={
            "queries": ["bleaching"],
            "sources": {"allowed_domains": ["noaa.gov"], "include_news": True},
            "max_sources": 3,
            "deadline_days": 2,
        },
    )
    assert result["queries"] == ["coral reefs", "coral reefs bleaching"]
    assert len(result["sources"]) == 3
    assert {source["url"].split("/")[2] for source in result["sources"]} <= {
        "noaa.gov",
        "news.example.com",
    }
    assert result["summary"].startswith("Research summary: coral reefs")
    assert "Due in 2 days." in result["summary"]
    assert "Sources:\n[1] coral reefs (noaa.gov)" in result["summary"]


def test_researcher_can_leave_out_the_sources_list() -> None:
    result = researcher.make_graph({}).invoke({"question": "tea"}, context={"cite_sources": False})
    assert "Sources:" not in result["summary"]


def test_researcher_rejects_unknown_context_fields_when_run() -> None:
    with pytest.raises(pydantic.ValidationError):
        researcher.make_graph({}).invoke({"question": "tea"}, context={"colour": "green"})


def test_researcher_search_step_is_a_subgraph(demo_registry: Registry) -> None:
    spec = demo_registry.get("researcher")
    ids = {node["id"] for node in graph_drawing(spec, xray=True)["nodes"]}
    assert {"plan", "search:gather", "search:rank", "summarize"} <= ids


def test_demo_contexts_are_judged_by_the_shared_validator(demo_registry: Registry) -> None:
    validate_context(demo_registry.get("writer"), {"style": "tweet", "temperature": 0})
    validate_context(
        demo_registry.get("researcher"),
        {"sources": {"allowed_domains": []}, "deadline_days": None},
    )


# -- the offline model helpers ------------------------------------------------------------------


def test_model_ids_split_into_provider_and_name() -> None:
    assert split_model_id("anthropic/claude-sonnet-4-5") == ("anthropic", "claude-sonnet-4-5")
    assert split_model_id("openai:gpt-4o") == ("openai", "gpt-4o")
    assert split_model_id("gpt-4o") == ("", "gpt-4o")


def test_prompt_formatting_survives_unknown_placeholders_and_stray_braces() -> None:
    assert format_prompt("Write {style} on {topic}.", topic="x", style="blog") == "Write blog on x."
    assert format_prompt("Use {tone} about {topic}", topic="x") == "Use {tone} about x"
    assert format_prompt("JSON: {", topic="x") == "JSON: {"


def test_without_a_provider_key_the_demo_model_is_the_offline_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from graphs.demo.llm import chat_model

    monkeypatch.delenv("STUDIO_DEMO_FAKE_LLM", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    model = chat_model("anthropic/claude-sonnet-4-5", temperature=0.2, offline_reply="hello")
    assert isinstance(model, GenericFakeChatModel)
    assert model.invoke("hi").content == "hello"
