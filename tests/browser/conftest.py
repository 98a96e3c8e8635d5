"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

A failing test leaves a screenshot of each of its pages in ``test-results/``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import PASSWORD, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = ROOT / "test-results"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module; Playwright stops afterwards, so its event loop does not
    linger into other tests (asyncio.run would refuse to start there)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _live_settings(no_default_assistants) -> None:
    """Only the rows each test makes (no per-graph default assistants)."""


@pytest.fixture(autouse=True)
def _roles(transactional_db) -> None:
    """The viewer/editor/publisher groups, as migration assistants/0002 creates them.

    Live-server tests run in transactions that end with a flush, which empties the tables the
    migration filled; Playwright's greenlets also hide Django's saved copy of them (serialized
    rollback), so the roles are put back here before each test.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    create_permissions(apps.get_app_config("assistants"), verbosity=0)
    roles = importlib.import_module("assistants.migrations.0002_roles_and_metadata_index").ROLES
    for role, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="assistants", codename__in=codenames)
        )


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts (separate cookies); screenshots them on failure."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    for page in pages:
        # Let late HTMX requests (debounced validation) finish before the database is flushed.
        with contextlib.suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=3_000)
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, page in enumerate(pages, 1):
            # The page may be gone already; the test's own error matters more than this one.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(RESULTS / f"{name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(live_server) -> Callable[[Any, str], None]:
    def do(page: Any, username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return do
