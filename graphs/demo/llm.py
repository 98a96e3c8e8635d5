"""Chat models for the demo graphs: a real provider when its API key is set, a fake one otherwise.

The fake model answers with a text the caller prepares from its inputs, so the demos run offline,
deterministically and without any provider package installed. Set ``STUDIO_DEMO_FAKE_LLM=1`` to
use the fake model even when a provider key is present.
"""

from __future__ import annotations

import logging
import os

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

logger = logging.getLogger(__name__)

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


def chat_model(model_id: str, *, temperature: float, offline_reply: str) -> BaseChatModel:
    """The chat model for ``model_id`` ("provider/name").

    Uses the real provider (through ``langchain.chat_models.init_chat_model``) only when its API
    key variable is set and the integration is installed; otherwise a fake model that answers
    ``offline_reply``.
    """
    provider, name = split_model_id(model_id)
    wants_real = (
        provider
        and os.environ.get(provider_key_var(provider))
        and os.environ.get("STUDIO_DEMO_FAKE_LLM", "") not in ("1", "true", "yes")
    )
    if wants_real:
        try:
            from langchain.chat_models import init_chat_model  # type: ignore[import-not-found]

            return init_chat_model(name, model_provider=provider, temperature=temperature)
        except Exception as exc:  # package missing or provider unknown: stay offline
            logger.warning("Using the offline model instead of %s: %s", model_id, exc)
    return GenericFakeChatModel(messages=iter([AIMessage(content=offline_reply)]))


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
