"""The chat models the model picker offers, grouped under a provider's name.

The list is the setting ``STUDIO_MODELS`` (``{"Group label": ["provider/model-name", ...]}``,
provider names as LangChain's ``init_chat_model`` spells them); :data:`DEFAULT_MODELS` is its
default. A model that is not listed can still be entered with "Other…". This module holds data
only, so settings can import it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MODELS"]

DEFAULT_MODELS: dict[str, list[str]] = {
    "Anthropic": [
        "anthropic/claude-opus-4-1",
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-haiku-4-5",
        "anthropic/claude-3-5-haiku-latest",
    ],
    "OpenAI": [
        "openai/gpt-5",
        "openai/gpt-5-mini",
        "openai/gpt-4.1",
        "openai/gpt-4.1-mini",
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
        "openai/o3",
        "openai/o4-mini",
    ],
    "Google": [
        "google_genai/gemini-2.5-pro",
        "google_genai/gemini-2.5-flash",
        "google_genai/gemini-2.5-flash-lite",
    ],
    "Mistral": [
        "mistralai/mistral-large-latest",
        "mistralai/mistral-medium-latest",
        "mistralai/mistral-small-latest",
    ],
}
