"""End to end in Chromium: an editor changes a prompt, tries the unsaved edit, watches the output
appear, sees it differ from the live version's output, and saves the draft.

On PostgreSQL the runs execute in a real ``db_worker`` process sharing the test database (with a
slow offline model, so the output streams in); on SQLite (an in-memory test database no other
process can open) they execute in the web process through the immediate task backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, Run
from tests.browser.conftest import CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_PROMPT = "You are a calm writer.\nWrite a {style} about {topic}."
NEW_PROMPT = "Be enthusiastic!\nWrite a {style} about {topic}."


@pytest.fixture
def run_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("STUDIO_DEMO_FAKE_LLM", "1")
    if connection.vendor != "postgresql":
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
        yield
        return
    from tests.runs.conftest import Worker

    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    monkeypatch.setenv("STUDIO_OFFLINE_TOKEN_DELAY", "0.05")
    worker = Worker(url, tmp_path / "worker.log").start()
    yield
    worker.stop()


@pytest.fixture
def writer(db: None) -> Assistant:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(),
        graph_id="writer",
        name="Tweet writer",
        context={"system_prompt": LIVE_PROMPT, "style": "tweet", "temperature": 0},
    )
    return assistant


def run_and_read_output(page: Any) -> str:
    page.get_by_label("Topic").fill("tide pools")
    page.get_by_role("button", name="Run").click()
    live = page.locator("#run-live")
    expect(live).to_be_visible()
    expect(live.locator(".run-status")).to_have_text("Succeeded", timeout=60_000)
    return str(live.locator("#run-output").inner_text())


def test_an_editor_tries_an_unsaved_edit_compares_it_with_live_and_saves_it(
    new_page: Any,
    sign_in: Any,
    live_server: Any,
    make_user: Any,
    writer: Assistant,
    run_tasks: None,
) -> None:
    make_user("eddie", "editor")
    page = new_page()
    sign_in(page, "eddie")
    page.goto(live_server.url + reverse("assistants:assistant-edit", args=[writer.pk]))
    page.get_by_label("System Prompt").fill(NEW_PROMPT)

    page.get_by_role("button", name="Try it").click()
    panel = page.locator("#try-panel")
    expect(panel.get_by_label("Version")).to_have_value("unsaved")
    unsaved_output = run_and_read_output(panel)
    assert "This is exciting!" in unsaved_output

    other = page.context.new_page()
    other.goto(live_server.url + reverse("assistants:assistant-detail", args=[writer.pk]))
    other.get_by_role("link", name="Try it").click()
    expect(other.get_by_label("Version")).to_have_value(str(writer.version))
    live_output = run_and_read_output(other)
    assert live_output != unsaved_output
    assert "This is exciting!" not in live_output

    # The edit is still in the first tab: save it as a draft.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#messages")).to_contain_text("Saved draft v2")
    assert writer.versions.get(version=2).context["system_prompt"] == NEW_PROMPT
    runs = Run.objects.order_by("created_at")
    assert [(r.version, r.status) for r in runs] == [(None, "succeeded"), (1, "succeeded")]


def test_without_javascript_the_edit_can_be_tried_in_a_new_tab_and_the_run_page_reloaded(
    new_page: Any,
    sign_in: Any,
    live_server: Any,
    make_user: Any,
    writer: Assistant,
    run_tasks: None,
) -> None:
    make_user("eddie", "editor")
    page = new_page(java_script_enabled=False)
    sign_in(page, "eddie")
    page.goto(live_server.url + reverse("assistants:assistant-edit", args=[writer.pk]))
    page.get_by_label("System Prompt").fill(NEW_PROMPT)
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Try it").click()
    tab = popup.value
    expect(tab.get_by_label("Version")).to_have_value("unsaved")
    tab.get_by_label("Topic").fill("tide pools")
    tab.get_by_role("button", name="Run").click()
    expect(tab.get_by_role("heading", name="Run of “Tweet writer”")).to_be_visible()
    for _ in range(60):  # no JavaScript: reloading shows the progress
        if tab.locator(".run-status").inner_text() == "Succeeded":
            break
        tab.wait_for_timeout(500)
        tab.reload()
    expect(tab.locator(".run-status")).to_have_text("Succeeded")
    expect(tab.locator("#run-output")).to_contain_text("This is exciting!")
    assert writer.versions.count() == 1  # trying saved nothing
