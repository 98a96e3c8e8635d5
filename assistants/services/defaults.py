"""Each registered graph's default assistant (LangGraph creates one per graph at start-up)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from assistants.actors import Actor
from assistants.models import Assistant
from assistants.services.rows import insert_assistant
from graphs.registry import Registry, default_assistant_id, get_registry

logger = logging.getLogger(__name__)

__all__ = ["default_assistants_sync"]


def default_assistants_sync(*, registry: Registry | None = None) -> list[Assistant]:
    """Create each registered graph's default assistant if it does not exist yet.

    Safe when several processes start at once: an insert that loses the race hits the primary
    key and is skipped, so each default assistant is created exactly once.
    """
    registry = registry or get_registry()
    created: list[Assistant] = []
    actor = Actor.system_actor()
    for spec in registry.specs():
        pk = default_assistant_id(spec.graph_id)
        if Assistant.objects.filter(pk=pk).exists():
            continue
        fields = {
            "graph_id": spec.graph_id,
            "name": spec.default_name,
            "description": spec.description,
            "metadata": {"created_by": "system"},
            "config": {},
            "context": {},
        }
        try:
            with transaction.atomic():
                created.append(
                    insert_assistant(pk=pk, fields=fields, actor=actor, note="Default assistant")
                )
        except IntegrityError:
            logger.debug("Default assistant of %s was created by another process", spec.graph_id)
    return created
