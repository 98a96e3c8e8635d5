"""Demo graph "writer": drafts a blog post or a tweet about a topic, in a configurable style.

One graph, many assistants: a "blog writer" and a "tweet writer" are the same graph with different
contexts (style, prompt, model, length), as in LangGraph's assistants documentation. Runs offline
with a fake chat model unless the chosen provider's API key is set (see ``graphs.demo.llm``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Le
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from graphs.demo.llm import chat_model, format_prompt

DEFAULT_SYSTEM_PROMPT = """\
You are a writer with a clear, friendly voice.
Write a {style} about {topic}.
For a blog: a title, a short introduction, two or three sections and a conclusion.
For a tweet: one idea, under 280 characters, at most one hashtag.
Never invent facts, figures or quotes."""

TWEET_LIMIT = 280


class WriterInput(TypedDict):
    topic: str


class WriterState(TypedDict):
    topic: str
    draft: str


@dataclass(kw_only=True)
class WriterContext:
    """How the writer writes: its instructions, model, creativity, format and length."""

    system_prompt: str = field(
        default=DEFAULT_SYSTEM_PROMPT,
        metadata={
            "description": "Instructions for the writer. Use {topic} and {style} as placeholders.",
            "json_schema_extra": {"langgraph_type": "prompt", "langgraph_nodes": ["write"]},
        },
    )
    model: Annotated[str, {"__template_metadata__": {"kind": "llm"}}] = field(
        default="anthropic/claude-sonnet-4-5",
        metadata={"description": "The chat model that writes, as provider/model-name."},
    )
    temperature: Annotated[float, Ge(0), Le(2)] = field(
        default=0.7,
        metadata={"description": "Higher is more varied, lower is more predictable."},
    )
    style: Literal["blog", "tweet"] = field(
        default="blog", metadata={"description": "What to write."}
    )
    max_length: Annotated[int, Ge(1), Le(20000)] = field(
        default=1200, metadata={"description": "The longest draft allowed, in characters."}
    )


def _context(runtime: Runtime[WriterContext]) -> WriterContext:
    return runtime.context if runtime.context is not None else WriterContext()


def offline_draft(topic: str, style: str) -> str:
    """The text the offline model writes: deterministic, derived from the topic and style."""
    subject = topic.strip() or "writing"
    if style == "tweet":
        tag = re.sub(r"\W+", "", subject.title())[:30] or "Writing"
        return (
            f"{subject[:1].upper()}{subject[1:]} in one breath: start small, stay curious, "
            f"and share what you learn. #{tag}"
        )
    title = subject[:1].upper() + subject[1:]
    return (
        f"# {title}\n\n"
        f"{title} deserves a closer look. This post explains what it is, why it matters "
        f"and how to get started.\n\n"
        f"## What {subject} is\n\n"
        f"At its core, {subject} is about doing one thing well and learning as you go.\n\n"
        f"## Why it matters\n\n"
        f"Understanding {subject} saves time, avoids common mistakes and opens new ideas.\n\n"
        f"## Getting started\n\n"
        f"Pick one small step today, note what you learn, and build from there.\n\n"
        f"In short: {subject} rewards curiosity and steady practice."
    )


def write(state: WriterState, runtime: Runtime[WriterContext]) -> dict[str, str]:
    ctx = _context(runtime)
    topic = state["topic"]
    prompt = format_prompt(ctx.system_prompt, topic=topic, style=ctx.style)
    model = chat_model(
        ctx.model, temperature=ctx.temperature, offline_reply=offline_draft(topic, ctx.style)
    )
    reply = model.invoke([SystemMessage(prompt), HumanMessage(f"Topic: {topic}")])
    return {"draft": str(reply.text)}


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0] if limit > 1 else ""
    return (cut.rstrip() + "…")[:limit]


def polish(state: WriterState, runtime: Runtime[WriterContext]) -> dict[str, str]:
    ctx = _context(runtime)
    draft = re.sub(r"\n{3,}", "\n\n", state.get("draft", "").strip())
    limit = min(ctx.max_length, TWEET_LIMIT) if ctx.style == "tweet" else ctx.max_length
    return {"draft": _shorten(draft, limit)}


builder = StateGraph(WriterState, context_schema=WriterContext, input_schema=WriterInput)
builder.add_node("write", write)
builder.add_node("polish", polish)
builder.add_edge(START, "write")
builder.add_edge("write", "polish")
builder.add_edge("polish", END)

graph = builder.compile()
