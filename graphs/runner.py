"""Run a registered graph on one input and report what happens, event by event.

The runner knows graphs, inputs, contexts and configs, nothing about assistants or the database.
:func:`run_graph` streams the graph (``graph.stream(..., stream_mode=["updates", "messages",
"values"], subgraphs=True)``) in a thread of its own and hands every event to ``emit`` in the
calling thread, so the caller may write them to a database as they come. Events are plain JSON
dicts with a ``type``:

``step``         a node finished: ``node``, ``path`` (subgraph nodes are ``["search", "gather"]``),
                 ``update`` (what it wrote), ``elapsed_ms``
``model_start``  a chat model was called: ``call``, ``node``, ``model``, ``provider``,
                 ``temperature``, ``messages`` (the messages actually sent, rendered)
``token``        streamed model text: ``call``, ``node``, ``text``
``model_end``    the call finished: ``call``, ``text``, ``usage`` (or None), ``latency_ms``
``model_error``  the call failed: ``call``, ``error``

The caller's ``tick`` runs at least every ``TICK_SECONDS``; returning a reason (e.g.
``"cancelled"``) stops the run. A run that passes ``timeout`` seconds stops as ``timed_out``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import queue
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from pydantic import BaseModel

from graphs.registry import GraphLoadError, GraphSpec

__all__ = ["RunOutcome", "run_graph", "to_jsonable"]

TICK_SECONDS = 0.2
#: The parts of an assistant's config that LangGraph's RunnableConfig understands.
CONFIG_KEYS = ("tags", "metadata", "recursion_limit", "configurable", "run_name", "max_concurrency")

Status = Literal["succeeded", "failed", "cancelled", "timed_out"]
Emit = Callable[[dict[str, Any]], None]


@dataclass
class RunOutcome:
    status: Status
    output: Any = None
    output_text: str | None = None
    error: str = ""
    error_node: str = ""
    traceback: str = ""
    usage: dict[str, int] = field(default_factory=dict)


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of a graph value: messages, models and dataclasses become dicts."""
    if depth > 50:
        return repr(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, BaseMessage):
        data: dict[str, Any] = {"role": value.type, "content": to_jsonable(value.content, depth)}
        if getattr(value, "tool_calls", None):
            data["tool_calls"] = to_jsonable(value.tool_calls, depth + 1)  # type: ignore[attr-defined]
        return data
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump(mode="json"), depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value), depth + 1)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v, depth + 1) for v in value]
    return str(value)


def _node_path(metadata: Mapping[str, Any] | None) -> list[str]:
    namespace = str((metadata or {}).get("langgraph_checkpoint_ns") or "")
    path = [part.split(":", 1)[0] for part in namespace.split("|") if part]
    node = (metadata or {}).get("langgraph_node")
    if node and (not path or path[-1] != node):
        path.append(str(node))
    return path


class _Recorder(BaseCallbackHandler):
    """LangChain callbacks: model calls (prompt, model, usage, latency) and the failing node."""

    raise_error = False
    run_inline = True  # it only puts on a queue: keep the events in the order they happen

    def __init__(self, put: Callable[[dict[str, Any]], None]) -> None:
        self.put = put
        self.started: dict[uuid.UUID, float] = {}
        self.chains: dict[uuid.UUID, str] = {}
        self.failed_node: str = ""

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: uuid.UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        path = _node_path(metadata)
        if path:
            self.chains[run_id] = " › ".join(path)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: uuid.UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.started[run_id] = time.monotonic()
        meta = metadata or {}
        params = kwargs.get("invocation_params") or {}
        model = meta.get("ls_model_name") or params.get("model") or params.get("model_name") or ""
        self.put(
            {
                "type": "model_start",
                "call": str(run_id),
                "node": " › ".join(_node_path(meta)),
                "model": str(model),
                "provider": str(meta.get("ls_provider") or ""),
                "temperature": to_jsonable(meta.get("ls_temperature", params.get("temperature"))),
                "messages": [
                    {"role": m.type, "content": str(m.text)} for batch in messages for m in batch
                ],
            }
        )

    def on_llm_end(self, response: LLMResult, *, run_id: uuid.UUID, **kwargs: Any) -> None:
        generation = response.generations[0][0] if response.generations else None
        usage: Any = None
        if isinstance(generation, ChatGeneration):
            usage = getattr(generation.message, "usage_metadata", None)
        if not usage and response.llm_output:
            usage = response.llm_output.get("token_usage") or response.llm_output.get("usage")
        self.put(
            {
                "type": "model_end",
                "call": str(run_id),
                "text": generation.text if generation else "",
                "usage": _usage(usage),
                "latency_ms": self._latency(run_id),
            }
        )

    def on_llm_error(self, error: BaseException, *, run_id: uuid.UUID, **kwargs: Any) -> None:
        self.put(
            {
                "type": "model_error",
                "call": str(run_id),
                "error": _describe(error),
                "latency_ms": self._latency(run_id),
            }
        )

    def on_chain_error(self, error: BaseException, *, run_id: uuid.UUID, **kwargs: Any) -> None:
        # The innermost node fails first; its parents report the same error afterwards.
        node = self.chains.get(run_id, "")
        if node and not self.failed_node:
            self.failed_node = node

    def _latency(self, run_id: uuid.UUID) -> int | None:
        start = self.started.pop(run_id, None)
        return round((time.monotonic() - start) * 1000) if start is not None else None


def _usage(raw: Any) -> dict[str, int] | None:
    """``{input_tokens, output_tokens, total_tokens}`` from LangChain's or OpenAI's shape."""
    if not isinstance(raw, Mapping):
        return None
    names = {
        "input_tokens": ("input_tokens", "prompt_tokens"),
        "output_tokens": ("output_tokens", "completion_tokens"),
        "total_tokens": ("total_tokens",),
    }
    usage = {
        key: int(raw[name])
        for key, options in names.items()
        for name in options
        if isinstance(raw.get(name), int)
    }
    if "total_tokens" not in usage and {"input_tokens", "output_tokens"} <= usage.keys():
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    return usage or None


def _describe(error: BaseException) -> str:
    # LangGraph adds "During task with name ..." to errors raised in nodes; the run names the node.
    lines = [line for line in str(error).splitlines() if not line.startswith("During task with")]
    message = "\n".join(lines).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _main_text(update: Any, given: Mapping[str, Any]) -> str | None:
    """The text a node produced: its newest AI message, else a string field it wrote that is not
    the input's own value (a graph may write its answer into the key it was given, as LangChain's
    template does)."""
    if not isinstance(update, Mapping):
        return None
    found = None
    for key, value in update.items():
        if key == "messages":
            items = value if isinstance(value, list) else [value]
            ai = [m for m in items if isinstance(m, BaseMessage) and m.type == "ai" and m.text]
            if ai:
                found = str(ai[-1].text)
        elif isinstance(value, str) and value.strip() and value != given.get(key):
            found = value
    return found


class _Stream:
    """The graph's stream, produced in a daemon thread and consumed through a queue."""

    def __init__(self, graph: Any, graph_input: Any, context: Any, config: dict[str, Any]) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stop = threading.Event()
        self.recorder = _Recorder(lambda event: self.events.put(("event", event)))
        config = {**config, "callbacks": [self.recorder]}
        self.thread = threading.Thread(
            target=self._produce, args=(graph, graph_input, context, config), daemon=True
        )

    def _produce(self, graph: Any, graph_input: Any, context: Any, config: Any) -> None:
        try:
            asyncio.run(self._consume(graph, graph_input, context, config))
            self.events.put(("done", None))
        except BaseException as exc:  # reported to the consumer, who ends the run with it
            self.events.put(("error", (exc, traceback.format_exc())))

    async def _consume(self, graph: Any, graph_input: Any, context: Any, config: Any) -> None:
        # The async stream runs both kinds of node: async ones (common in LangChain's templates)
        # and sync ones (in an executor). The sync stream cannot call an async-only node.
        async for chunk in graph.astream(
            graph_input,
            config=config,
            context=context,
            stream_mode=["updates", "messages", "values"],
            subgraphs=True,
        ):
            if self.stop.is_set():
                return
            self.events.put(("chunk", chunk))


def run_graph(
    spec: GraphSpec,
    *,
    graph_input: Any,
    context: dict[str, Any] | None,
    config: dict[str, Any] | None = None,
    emit: Emit,
    tick: Callable[[], str | None] = lambda: None,
    timeout: float = 120.0,
) -> RunOutcome:
    """Run ``spec``'s graph on ``graph_input`` with ``context``; see the module docstring."""
    started = time.monotonic()
    run_config = {k: v for k, v in (config or {}).items() if k in CONFIG_KEYS}
    try:
        graph = spec.build(run_config)
    except GraphLoadError as exc:
        return RunOutcome("failed", error=str(exc), traceback=traceback.format_exc())
    stream = _Stream(graph, graph_input, context or None, run_config)
    given = graph_input if isinstance(graph_input, Mapping) else {}
    output: Any = None
    text: str | None = None
    usage: dict[str, int] = {}
    stream.thread.start()
    while True:
        try:
            kind, payload = stream.events.get(timeout=TICK_SECONDS)
        except queue.Empty:
            kind, payload = "idle", None
        if kind == "event":
            if payload["type"] == "model_end":
                for key, value in (payload.get("usage") or {}).items():
                    usage[key] = usage.get(key, 0) + value
            emit(payload)
        elif kind == "chunk":
            namespace, mode, data = payload
            if mode == "values" and not namespace:
                output = data
            elif mode == "updates":
                for node, update in (data or {}).items():
                    path = [part.split(":", 1)[0] for part in namespace] + [node]
                    if not namespace:
                        text = _main_text(update, given) or text
                    emit(
                        {
                            "type": "step",
                            "node": node,
                            "path": path,
                            "update": to_jsonable(update),
                            "elapsed_ms": round((time.monotonic() - started) * 1000),
                        }
                    )
            elif mode == "messages":
                message, metadata = data
                if message.type in ("AIMessageChunk", "ai") and message.text:
                    emit(
                        {
                            "type": "token",
                            "call": str(message.id or "")
                            .removeprefix("lc_run--")
                            .removeprefix("run-"),
                            "node": " › ".join(_node_path(metadata)),
                            "text": str(message.text),
                        }
                    )
        elif kind == "done":
            return RunOutcome(
                "succeeded", output=to_jsonable(output), output_text=text, usage=usage
            )
        elif kind == "error":
            error, trace = payload
            return RunOutcome(
                "failed",
                output=to_jsonable(output),
                error=_describe(error),
                error_node=stream.recorder.failed_node,
                traceback=trace,
                usage=usage,
            )
        if time.monotonic() - started > timeout:
            stream.stop.set()
            return RunOutcome(
                "timed_out",
                error=f"The run took longer than {timeout:g} seconds and was stopped.",
                usage=usage,
            )
        reason = tick()
        if reason:
            stream.stop.set()
            return RunOutcome("cancelled", error=reason, usage=usage)
