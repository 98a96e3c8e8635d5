"""Security test fixtures: the demo graphs, a database snapshot, and an HTML script audit.

The principals (``client_as("editor")``: nobody, a signed-in user in a role, or an API key),
``blog``, ``keys``, ``superuser`` and the form data come from ``tests/conftest.py`` and
``tests/factories.py``; the form helpers are re-exported here for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry, Publication
from tests.factories import DEMO_GRAPHS, PASSWORD, ROOT, create_form, edit_form

__all__ = ["PASSWORD", "ROOT", "create_form", "edit_form", "db_snapshot", "audit_html"]


@pytest.fixture
def graphs_file() -> Path:
    """The demo graphs, as a developer runs them."""
    return DEMO_GRAPHS


@pytest.fixture(autouse=True)
def _only_the_rows_each_test_makes(no_default_assistants) -> None:
    """No per-graph default assistants: the snapshots compare only what the tests create."""


def db_snapshot() -> dict[str, Any]:
    """Everything a write could change: compare before and after a refused request."""
    return {
        "assistants": sorted(
            Assistant.objects.values_list(
                "assistant_id", "name", "version", "latest_version_number", "published_version_id"
            )
        ),
        "versions": AssistantVersion.objects.count(),
        "publications": Publication.objects.count(),
        "audit": AuditEntry.objects.count(),
        "revoked_keys": ApiKey.objects.filter(revoked_at__isnull=False).count(),
    }


# -- HTML scanning -----------------------------------------------------------------------------------


@dataclass
class ScriptAudit:
    """What in a page could run code: script elements and event-handler attributes."""

    inline_scripts: list[str]  # <script> elements without src (data blocks excluded)
    handlers: list[tuple[str, str, str]]  # (tag, attribute, value) for on*= and hx-on*=
    images: list[dict[str, str | None]]  # every <img>, to spot an injected one


#: ``<script type="application/json">`` (Django's json_script) is data the browser never runs.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def audit_html(html: str) -> ScriptAudit:
    from html.parser import HTMLParser

    audit = ScriptAudit(inline_scripts=[], handlers=[], images=[])

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self._open_script: dict[str, str | None] | None = None
            self._script_text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            for name, value in attrs:
                if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                    audit.handlers.append((tag, name, value or ""))
            if tag == "img":
                audit.images.append(values)
            if tag == "script":
                self._open_script = values
                self._script_text = []

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.handle_starttag(tag, attrs)
            if tag == "script":
                self.handle_endtag(tag)

        def handle_data(self, data: str) -> None:
            if self._open_script is not None:
                self._script_text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "script" and self._open_script is not None:
                attrs, self._open_script = self._open_script, None
                kind = (attrs.get("type") or "").lower()
                if not attrs.get("src") and kind not in DATA_SCRIPT_TYPES:
                    audit.inline_scripts.append("".join(self._script_text))

    parser = Parser()
    parser.feed(html)
    parser.close()
    return audit
