from __future__ import annotations

from typing import Any

import pytest

from assistants import services


@pytest.fixture
def blog(system_actor):
    """A writer assistant with one published version."""
    assistant, _ = services.assistant_create(
        actor=system_actor,
        graph_id="writer",
        name="Blog writer",
        metadata={"team": "marketing"},
        config={"tags": ["demo"], "recursion_limit": 10},
        context={"system_prompt": "Write about {topic}.", "temperature": 0.5},
    )
    # the config's configurable cannot be given together with context, so tags come via config
    return assistant


def versions_snapshot(assistant_id: Any) -> list[dict[str, Any]]:
    from assistants.models import AssistantVersion

    return list(
        AssistantVersion.objects.filter(assistant_id=assistant_id).order_by("version").values()
    )
