"""End to end in Chromium: an integration's API update passes over an editor's draft; the editor
is told on the assistant page, rebases the draft (a conflict settled with HTMX) and gets a new
draft on top of what is live."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant
from tests.browser.conftest import CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps) to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINE = "You are an expert blog writer.\nWrite a {style} post about {topic}.\nAdd a title."
THEIRS = "You are a concise blog writer.\nWrite a {style} post about {topic}."


@pytest.fixture
def drafted(db) -> Assistant:
    """v1 live; v2 an editor's draft (a new prompt and model)."""
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(
        actor=actor,
        graph_id="writer",
        name="Blog writer",
        context={"system_prompt": "Write about {topic}.", "model": "anthropic/claude-sonnet-4-5"},
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        base_version=1,
        note="Expert tone",
        context={"system_prompt": MINE, "model": "openai/gpt-4o"},
    )
    return assistant


def api_patch(live_server, assistant: Assistant, body: dict) -> dict:
    _, raw_key = services.api_key_create(actor=Actor.system_actor(), name="integration")
    request = urllib.request.Request(
        f"{live_server.url}/assistants/{assistant.pk}",
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"X-Api-Key": raw_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_an_editor_rebases_a_draft_that_an_api_update_passed_over(
    new_page, sign_in, live_server, drafted, editor
) -> None:
    body = {"context": {"system_prompt": THEIRS, "model": "anthropic/claude-sonnet-4-5"}}
    assert api_patch(live_server, drafted, body)["version"] == 3

    page = new_page()
    sign_in(page, "eddie")
    page.goto(f"{live_server.url}/assistant/{drafted.pk}/")
    notice = page.locator("#passed-over")
    expect(notice).to_contain_text("A newer live version was published over the draft v2.")
    notice.get_by_role("link", name="Rebase draft v2 onto v3…").click()

    expect(page.locator("#conflicts")).to_contain_text("1 field changed on both sides")
    expect(page.locator("#merged")).to_contain_text("from draft v2")  # the model
    page.get_by_role("button", name="Save as a new draft").click()  # no choice made yet
    expect(page.locator("#conflicts .errors")).to_contain_text("Choose which value to keep.")
    assert Assistant.objects.get(pk=drafted.pk).latest_version_number == 3

    page.get_by_label("Keep your draft’s (v2)").check()
    page.get_by_role("button", name="Save as a new draft").click()
    expect(page.locator("#messages")).to_contain_text("Rebased your draft v2 onto v3 as draft v4")
    expect(page.locator("#passed-over")).to_have_count(0)
    assistant = Assistant.objects.get(pk=drafted.pk)
    assert (assistant.version, assistant.latest_version_number) == (3, 4)
    v4 = assistant.versions.get(version=4)
    assert v4.context == {"system_prompt": MINE, "model": "openai/gpt-4o"}
