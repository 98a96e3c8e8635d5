"""The domain errors the services raise; the API and the pages turn each into one 4xx answer."""

from __future__ import annotations

import uuid

__all__ = [
    "CONFIG_CONTEXT_MESSAGE",
    "ActorChanged",
    "AssistantExists",
    "AssistantNotFound",
    "ConfigContextConflict",
    "GraphUnavailable",
    "ServiceError",
    "VersionConflict",
    "VersionNotFound",
]

CONFIG_CONTEXT_MESSAGE = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was "
    "introduced in LangGraph 0.6.0 and is the long term planned replacement for configurable."
)


class ServiceError(Exception):
    """Base class of the domain errors the API and pages turn into 4xx responses."""


class ActorChanged(Exception):
    """The actor's API key, taken unread from memory, is not what it was when it was last read
    (revoked, deleted, renamed, its scope changed): the write wrote nothing. The caller checks the
    key again (not a ``ServiceError``: it is never an answer by itself)."""


class AssistantNotFound(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str) -> None:
        self.assistant_id = assistant_id
        super().__init__(f"Assistant {assistant_id} not found")


class VersionNotFound(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str, version: int | None) -> None:
        self.assistant_id = assistant_id
        self.version = version
        super().__init__(f"Version {version} not found for assistant {assistant_id}")


class AssistantExists(ServiceError):
    def __init__(self, assistant_id: uuid.UUID | str) -> None:
        self.assistant_id = assistant_id
        super().__init__(f"Assistant {assistant_id} already exists")


class VersionConflict(ServiceError):
    """The save was based on an older version than the assistant's newest one."""

    def __init__(self, assistant_id: uuid.UUID, base_version: int, latest_version: int) -> None:
        self.assistant_id = assistant_id
        self.base_version = base_version
        self.latest_version = latest_version
        super().__init__(
            f"Assistant {assistant_id} has moved on: your change is based on version "
            f"{base_version}, but version {latest_version} has been saved since."
        )


class ConfigContextConflict(ServiceError):
    def __init__(self) -> None:
        super().__init__(CONFIG_CONTEXT_MESSAGE)


class GraphUnavailable(ServiceError):
    """The graph is registered but fails to load, so a configuration cannot be checked."""
