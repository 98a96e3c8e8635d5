"""The service tests run on the demo graphs (the settings' own langgraph.json).

``blog_v1`` (a writer with one published version), the users and actors come from
``tests/conftest.py``; ``versions_snapshot`` from ``tests/factories.py`` (re-exported here).
"""

from __future__ import annotations

from tests.factories import versions_snapshot

__all__ = ["versions_snapshot"]
