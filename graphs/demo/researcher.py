"""Demo graph "researcher": plans searches, gathers sources and writes a cited summary.

Registered as a factory (``make_graph``), so LangGraph builds it per assistant. Its context is a
Pydantic model with nested settings, lists, bounds, an optional field and ``extra="forbid"``: the
richer shapes the studio's forms and validator must handle. The search step is a subgraph, so the
drawing can be expanded with ``xray``. Runs offline: sources are made up from the queries and the
summary comes from a fake chat model unless the reviewer model's provider key is set.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote_plus

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from graphs.demo.llm import chat_model, format_prompt

DEFAULT_SUMMARY_PROMPT = """\
You are a careful research assistant.
Summarise what the sources below say about: {question}
Keep to the sources; say so when they disagree or are thin.

Sources:
{sources}"""


class SourceSettings(BaseModel):
    """Where sources may come from."""

    model_config = ConfigDict(extra="forbid")

    allowed_domains: list[str] = Field(
        default=["wikipedia.org", "arxiv.org"],
        description="Only sources from these domains are used.",
    )
    include_news: bool = Field(default=False, description="Also search news sites.")


class ResearchContext(BaseModel):
    """How the researcher searches, which sources it trusts and how it reports."""

    model_config = ConfigDict(extra="forbid")

    queries: list[str] = Field(
        default=["latest developments", "open questions"],
        description="Searches to run for every question, besides the question itself.",
    )
    sources: SourceSettings = Field(default=SourceSettings(), description="Source settings.")
    summary_prompt: str = Field(
        default=DEFAULT_SUMMARY_PROMPT,
        description="Instructions for the summary. Placeholders: {question}, {sources}.",
        json_schema_extra={"langgraph_type": "prompt", "langgraph_nodes": ["summarize"]},
    )
    reviewer_model: Annotated[str, {"__template_metadata__": {"kind": "llm"}}] = Field(
        default="openai/gpt-4o-mini",
        description="The chat model that writes the summary, as provider/model-name.",
    )
    max_sources: int = Field(default=5, ge=1, le=50, description="At most this many sources.")
    deadline_days: int | None = Field(
        default=None, ge=1, description="Days until the research is due; empty for no deadline."
    )
    cite_sources: bool = Field(default=True, description="List the sources under the summary.")


class ResearchInput(TypedDict):
    question: str


class Source(TypedDict):
    title: str
    url: str


class SearchState(TypedDict, total=False):
    queries: list[str]
    sources: list[Source]


class ResearchState(TypedDict, total=False):
    question: str
    queries: list[str]
    sources: list[Source]
    summary: str


def _context(runtime: Runtime[ResearchContext]) -> ResearchContext:
    return runtime.context if runtime.context is not None else ResearchContext()


def plan(state: ResearchState, runtime: Runtime[ResearchContext]) -> dict[str, Any]:
    question = state["question"].strip()
    extra = [f"{question} {query}".strip() for query in _context(runtime).queries]
    return {"queries": [question, *extra]}


def gather(state: SearchState, runtime: Runtime[ResearchContext]) -> dict[str, Any]:
    settings = _context(runtime).sources
    domains = list(settings.allowed_domains) or ["example.org"]
    if settings.include_news:
        domains.append("news.example.com")
    found: list[Source] = [
        {"title": f"{query} ({domain})", "url": f"https://{domain}/search?q={quote_plus(query)}"}
        for query in state.get("queries", [])
        for domain in domains
    ]
    return {"sources": found}


def rank(state: SearchState, runtime: Runtime[ResearchContext]) -> dict[str, Any]:
    """Drop duplicate URLs and keep the first ``max_sources``."""
    unique = {source["url"]: source for source in state.get("sources", [])}
    return {"sources": list(unique.values())[: _context(runtime).max_sources]}


def _search_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    search = StateGraph(SearchState, context_schema=ResearchContext)
    search.add_node("gather", gather)
    search.add_node("rank", rank)
    search.add_edge(START, "gather")
    search.add_edge("gather", "rank")
    search.add_edge("rank", END)
    return search.compile()


def offline_summary(question: str, sources: list[Source], ctx: ResearchContext) -> str:
    """What the offline model answers: a deterministic summary of the made-up sources."""
    lines = [
        f"Research summary: {question}",
        "",
        f"{len(sources)} sources were reviewed. They agree on the main points and "
        "point to open questions worth a closer look.",
    ]
    if ctx.deadline_days is not None:
        lines += ["", f"Due in {ctx.deadline_days} days."]
    return "\n".join(lines)


def summarize(state: ResearchState, runtime: Runtime[ResearchContext]) -> dict[str, Any]:
    ctx = _context(runtime)
    question = state["question"]
    sources = state.get("sources", [])
    listing = "\n".join(f"[{i}] {s['title']} - {s['url']}" for i, s in enumerate(sources, 1))
    prompt = format_prompt(ctx.summary_prompt, question=question, sources=listing)
    model = chat_model(
        ctx.reviewer_model,
        temperature=0,
        offline_reply=offline_summary(question, sources, ctx),
    )
    summary = str(model.invoke([SystemMessage(prompt), HumanMessage(question)]).text)
    if ctx.cite_sources and sources:
        summary += "\n\nSources:\n" + listing
    return {"summary": summary}


def make_graph(config: dict[str, Any]) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the researcher graph. ``config`` is the assistant's RunnableConfig (unused: the
    graph's behaviour comes from its context, but LangGraph passes it to one-argument factories)."""
    builder = StateGraph(ResearchState, context_schema=ResearchContext, input_schema=ResearchInput)
    builder.add_node("plan", plan)
    builder.add_node("search", _search_graph())
    builder.add_node("summarize", summarize)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "search")
    builder.add_edge("search", "summarize")
    builder.add_edge("summarize", END)
    return builder.compile()
