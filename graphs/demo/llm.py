"""Chat models for the demo graphs: a real provider when its API key is set, an offline one otherwise.

With a key (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ...), :func:`chat_model` asks LangChain's
``init_chat_model("provider:model")`` for the real model. Without one, it returns
:class:`OfflineChatModel`: a deterministic stand-in that writes the reply the graph prepared,
shaped by the simple instructions of the system prompt (tone, length, format), varied by the
temperature and the model, and signed with the model that answered. So the studio shows real
differences between versions without any network. ``STUDIO_DEMO_FAKE_LLM=1`` forces it.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

_KEY_VARS = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "azure_openai": "AZURE_OPENAI_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "together": "TOGETHER_API_KEY",
}


def split_model_id(model_id: str) -> tuple[str, str]:
    """``"anthropic/claude-sonnet-4-5"`` -> ``("anthropic", "claude-sonnet-4-5")``."""
    for sep in ("/", ":"):
        provider, found, name = model_id.partition(sep)
        if found and provider and name:
            return provider.strip().lower(), name.strip()
    return "", model_id.strip()


def provider_key_var(provider: str) -> str:
    return _KEY_VARS.get(provider, f"{provider.upper()}_API_KEY")


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def chat_model(
    model_id: str, *, temperature: float, offline_reply: str | None = None
) -> BaseChatModel:
    """The chat model for ``model_id`` ("provider/name" or "provider:name").

    The real provider (``init_chat_model``) when its API key variable is set, else the offline
    model, which answers ``offline_reply`` shaped by the system prompt. A provider that is set up
    but fails (unknown provider, missing integration package) raises: the run shows that error
    rather than quietly answering offline.
    """
    provider, name = split_model_id(model_id)
    forced_offline = os.environ.get("STUDIO_DEMO_FAKE_LLM", "") in ("1", "true", "yes")
    if provider and os.environ.get(provider_key_var(provider)) and not forced_offline:
        return _init_chat_model(provider, name, temperature)
    return OfflineChatModel(
        model_name=f"{provider}/{name}" if provider else name,
        temperature=temperature,
        reply=offline_reply,
        token_delay=_env_float("STUDIO_OFFLINE_TOKEN_DELAY", 0.0),
    )


def _init_chat_model(provider: str, name: str, temperature: float) -> BaseChatModel:
    timeout = _env_float("STUDIO_MODEL_TIMEOUT", 60.0)
    retries = int(_env_float("STUDIO_MODEL_MAX_RETRIES", 2))
    try:
        from langchain.chat_models import init_chat_model
    except ImportError:  # the langchain package is optional: OpenAI-compatible providers still work
        if provider != "openai":
            raise
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=name, temperature=temperature, timeout=timeout, max_retries=retries)
    return init_chat_model(
        f"{provider}:{name}", temperature=temperature, timeout=timeout, max_retries=retries
    )


def format_prompt(template: str, **values: object) -> str:
    """``str.format`` that leaves unknown ``{placeholders}`` and stray braces as they are.

    Prompts are edited by people in the studio; a typo must not crash a run.
    """

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError):
        return template


# -- the offline model -------------------------------------------------------------------------

_TONES: dict[str, tuple[tuple[str, ...], str]] = {
    "enthusiastic": (("enthusiastic", "excited", "energetic", "upbeat"), "This is exciting!"),
    "playful": (("playful", "funny", "humorous", "witty"), "Fun fact: curiosity is contagious."),
    "formal": (("formal", "professional", "academic"), "The following sets out the essentials."),
    "casual": (("casual", "relaxed", "chatty"), "No pressure, just the basics."),
    "friendly": (("friendly", "warm", "kind"), "Happy exploring!"),
}
_SYNONYMS = {
    "small": "tiny",
    "start": "begin",
    "closer": "careful",
    "matters": "counts",
    "saves": "spares",
    "ideas": "possibilities",
    "steady": "patient",
    "share": "pass on",
    "curious": "inquisitive",
    "explains": "shows",
    "main": "central",
    "worth": "deserving",
    "learn": "discover",
}
_CONCISE = ("mini", "haiku", "flash", "lite", "small", "nano")
_ELABORATE = ("opus", "pro", "large", "gpt-5", "o3")


class OfflineChatModel(GenericFakeChatModel):
    """A deterministic chat model that follows simple instructions in the system prompt.

    It writes ``reply`` (the answer the graph prepared; an echo of the last message if none),
    then applies what the system prompt asks for: a tone ("friendly", "formal", ...), a length
    ("in one sentence", "under 50 words", "at most 280 characters", "short", "detailed"), a
    format ("bullet points", "all caps", "no title"). Lines such as "For a tweet: ..." apply only
    when the prompt asks to write that kind of text. The temperature varies the wording (0 keeps
    it), the model's size its length, and the reply ends by naming the model. Without a system
    prompt it answers ``reply`` as it is. Tokens stream word by word (``token_delay`` apart).
    """

    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))
    model_name: str = "offline"
    temperature: float = 0.7
    reply: str | None = None
    token_delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "studio-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "temperature": self.temperature}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "offline"
        params["ls_model_name"] = self.model_name
        return params

    # -- composing ---------------------------------------------------------------------------

    def compose(self, messages: Sequence[BaseMessage]) -> str:
        system = "\n".join(str(m.text) for m in messages if m.type == "system")
        last = next((str(m.text) for m in reversed(messages) if m.type != "system"), "")
        base = self.reply if self.reply is not None else (last or "Hello.")
        if not system.strip():
            return base
        rules = _applicable(system).lower()
        seed = hashlib.sha256(f"{self.model_name}|{self.temperature}|{system}|{last}".encode())
        rng = random.Random(seed.hexdigest())
        paragraphs = [p for p in base.split("\n\n") if p.strip()]
        paragraphs = self._shape_by_model(paragraphs)
        paragraphs = _with_tone(paragraphs, rules)
        paragraphs = [_vary(p, self.temperature, rng) for p in paragraphs]
        text = _with_format("\n\n".join(paragraphs), rules)
        text = _with_length(text, rules)
        return f"{text}\n\n— {self.model_name} (offline, temperature {self.temperature:g})"

    def _shape_by_model(self, paragraphs: list[str]) -> list[str]:
        name = self.model_name.lower()
        if any(word in name for word in _CONCISE) and len(paragraphs) > 3:
            titles = [p for p in paragraphs[:1] if p.startswith("#")]
            body = [p for p in paragraphs if not p.startswith("#")]
            return [*titles, body[0], body[-1]] if len(body) > 1 else paragraphs
        if any(word in name for word in _ELABORATE):
            return [*paragraphs, "Key takeaway: start with one concrete step and review it."]
        return paragraphs

    # -- LangChain hooks ---------------------------------------------------------------------

    def _usage(self, messages: Sequence[BaseMessage], text: str) -> UsageMetadata:
        prompt = sum(len(str(m.text).split()) for m in messages)
        answer = len(text.split())
        return {"input_tokens": prompt, "output_tokens": answer, "total_tokens": prompt + answer}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self.compose(messages)
        message = AIMessage(
            content=text,
            usage_metadata=self._usage(messages, text),
            response_metadata={"model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self.compose(messages)
        for piece in re.findall(r"\s*\S+", text) or [text]:
            if self.token_delay:
                time.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=self._usage(messages, text),
                response_metadata={"model_name": self.model_name},
                chunk_position="last",
            )
        )


def _applicable(system: str) -> str:
    """The instructions that apply: "For a tweet: ..." only counts when a tweet is asked for."""
    asked = set(re.findall(r"\bwrite an? (\w+)", system, flags=re.IGNORECASE))
    asked = {word.lower() for word in asked}
    kept = []
    for line in system.splitlines():
        match = re.match(r"\s*for an? (\w+)\s*:", line, flags=re.IGNORECASE)
        if match and asked and match.group(1).lower() not in asked:
            continue
        kept.append(line)
    return "\n".join(kept)


def _with_tone(paragraphs: list[str], rules: str) -> list[str]:
    for words, line in _TONES.values():
        if any(re.search(rf"\b{word}\b", rules) for word in words):
            # After the first sentence of the first paragraph that is not a title.
            for index, paragraph in enumerate(paragraphs):
                if not paragraph.startswith("#"):
                    head, sep, tail = paragraph.partition(". ")
                    paragraphs[index] = (
                        f"{head}. {line} {tail}" if sep else f"{paragraph} {line}"
                    ).strip()
                    break
            break
    return paragraphs


def _vary(paragraph: str, temperature: float, rng: random.Random) -> str:
    """Swap some words for synonyms; more of them the higher the temperature (none at 0)."""
    chance = max(0.0, min(temperature, 2.0)) / 2

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.lower() in _SYNONYMS and rng.random() < chance:
            new = _SYNONYMS[word.lower()]
            return new.capitalize() if word[0].isupper() else new
        return word

    if paragraph.startswith("#"):
        return paragraph
    return re.sub(r"[A-Za-z]+", swap, paragraph)


def _sentences(text: str) -> list[str]:
    flat = " ".join(
        line.lstrip("#").strip() for line in text.splitlines() if line.strip() and line[0] != "#"
    )
    return [s for s in re.split(r"(?<=[.!?])\s+", flat) if s]


def _with_format(text: str, rules: str) -> str:
    if re.search(r"\bno (title|headings?)\b|\bwithout a title\b", rules):
        text = "\n\n".join(p for p in text.split("\n\n") if not p.startswith("#"))
    if re.search(r"\bbullet|\bbulleted\b|\bas a list\b", rules):
        titles = [p for p in text.split("\n\n") if p.startswith("# ")][:1]
        text = "\n\n".join([*titles, "\n".join(f"- {s}" for s in _sentences(text))])
    if re.search(r"\ball caps\b|\buppercase\b|\bshout", rules):
        text = text.upper()
    return text


def _with_length(text: str, rules: str) -> str:
    if re.search(r"\b(in )?(one|a single) sentence\b", rules):
        return (_sentences(text) or [text])[0]
    words = re.search(r"\b(?:under|at most|no more than|max(?:imum)?|up to) (\d+) words\b", rules)
    if words:
        found = list(re.finditer(r"\S+", text))
        limit = int(words.group(1))
        return text if len(found) <= limit else text[: found[limit - 1].end()] + "…"
    chars = re.search(r"\b(?:under|at most|no more than|up to) (\d+) characters\b", rules)
    if chars and len(text) > int(chars.group(1)):
        return text[: max(int(chars.group(1)) - 1, 0)].rstrip() + "…"
    if re.search(r"\b(be|keep it|make it|very) (short|brief|concise)\b|\bshort answer\b", rules):
        return "\n\n".join(text.split("\n\n")[:2])
    if re.search(r"\b(detailed|in depth|in detail)\b|\b(be|make it) long\b", rules):
        return f"{text}\n\nIn more detail: each step above deserves its own small experiment."
    return text


__all__ = [
    "OfflineChatModel",
    "chat_model",
    "format_prompt",
    "provider_key_var",
    "split_model_id",
]
