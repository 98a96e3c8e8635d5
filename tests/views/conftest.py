"""The page tests: the writer graphs (with a broken one), only the rows each test makes.

Users, role clients (``editor_client`` ...), ``blog`` and the form data come from
``tests/conftest.py`` and ``tests/factories.py``; the names below are re-exported for the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import HTMX, PROMPT_V1, PROMPT_V2, PROMPT_V3, WRITER_GRAPHS, make_writer

__all__ = ["FIXTURES", "HTMX", "PROMPT_V1", "PROMPT_V2", "PROMPT_V3", "make_writer"]

FIXTURES = WRITER_GRAPHS.parent


@pytest.fixture
def graphs_file() -> Path:
    return WRITER_GRAPHS


@pytest.fixture(autouse=True)
def _pages(no_default_assistants) -> None:
    """Default assistants would be created on the first request: keep tables as the test made them."""
