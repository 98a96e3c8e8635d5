"""End to end in Chromium: edit a draft, compare, publish, read it from the API, restore, form
errors, the edit conflict, list rows, and the whole flow with JavaScript off."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant
from tests.browser.conftest import CHROMIUM
from tests.factories import PROMPT_V1, PROMPT_V3

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps) to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def detail_url(live_server, assistant: Assistant) -> str:
    return f"{live_server.url}/assistant/{assistant.pk}/"


def open_blog(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Blog writer", exact=True).click()
    expect(page.get_by_role("heading", name="Blog writer", level=1)).to_be_visible()


def test_an_editor_saves_a_draft_compares_it_and_may_not_publish(
    new_page, sign_in, live_server, blog, editor
) -> None:
    page = new_page()
    sign_in(page, "eddie")
    open_blog(page, live_server)
    page.get_by_role("link", name="Edit draft").click()

    prompt = page.get_by_label("System Prompt")
    prompt.fill("You are a witty blog writer.\nWrite a {style} post about {topic} for {audience}.")
    # live validation lists the variables and warns about the one the graph does not fill in
    expect(page.locator("#feedback-system_prompt .var--unknown")).to_have_text("{audience}")
    page.get_by_label("Model", exact=True).select_option("__other__")
    other = page.get_by_label("Other model id")
    expect(other).to_be_visible()
    other.fill("ollama/llama3.1")
    page.get_by_label("Note").fill("Wittier, local model")
    expect(page.locator("#changes")).to_contain_text("ollama/llama3.1")  # the live summary
    page.get_by_role("button", name="Save draft", exact=True).click()

    expect(page.locator("#messages")).to_contain_text("Saved draft v4")
    blog.refresh_from_db()
    v4 = blog.versions.get(version=4)
    assert v4.context["model"] == "ollama/llama3.1"
    assert v4.context["system_prompt"].startswith("You are a witty blog writer.\n")
    assert (blog.version, v4.note, v4.author) == (2, "Wittier, local model", "user:eddie")

    page.get_by_role("link", name="Compare draft").click()
    inline = page.locator(".diff-inline").first
    expect(inline.locator("ins").first).to_be_visible()
    assert "witty" in " ".join(inline.locator("ins").all_inner_texts())
    assert "expert" in " ".join(inline.locator("del").all_inner_texts())

    page.goto(detail_url(live_server, blog))
    expect(page.get_by_role("link", name=re.compile("^Publish"))).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        f"{detail_url(live_server, blog)}v4/publish/", headers={"X-CSRFToken": token}
    )
    assert refused.status == 403
    assert Assistant.objects.get(pk=blog.pk).version == 2


def test_a_publisher_publishes_and_the_api_serves_the_new_context(
    new_page, sign_in, live_server, blog, publisher
) -> None:
    page = new_page()
    sign_in(page, "pat")
    open_blog(page, live_server)
    page.get_by_role("link", name="Publish v3…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("v2 is live; publish v3?")
    dialog.get_by_role("button", name="Publish v3").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("is live (it replaces v2)")
    expect(page.locator("#versions tr.is-live")).to_contain_text("v3")
    expect(page.locator("#published")).to_contain_text("openai/gpt-4o")  # refreshed by the event
    expect(page.locator("#publications")).to_contain_text("v3 went live, replacing v2")

    _, raw_key = services.api_key_create(actor=Actor.system_actor(), name="browser test")
    request = urllib.request.Request(
        f"{live_server.url}/assistants/{blog.pk}", headers={"X-Api-Key": raw_key}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["version"] == 3
    assert body["context"] == {
        "system_prompt": PROMPT_V3,
        "model": "openai/gpt-4o",
        "temperature": 0.5,
    }


def test_a_restore_brings_the_old_prompt_back_as_a_new_version(
    new_page, sign_in, live_server, blog, editor
) -> None:
    page = new_page()
    sign_in(page, "eddie")
    open_blog(page, live_server)
    page.get_by_role("link", name="Restore v1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Restore v1?")
    dialog.get_by_role("button", name="Restore v1 as a draft").click()
    expect(page.locator("#messages")).to_contain_text("Restored v1 as draft v4")
    expect(page.locator("#versions")).to_contain_text("restored from v1")
    expect(page.locator("#draft")).to_contain_text("v4")
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number) == (2, 4)
    assert blog.versions.get(version=4).context["system_prompt"] == PROMPT_V1


def test_a_form_error_appears_next_to_its_field(
    new_page, sign_in, live_server, blog, editor
) -> None:
    page = new_page()
    sign_in(page, "eddie")
    page.goto(f"{detail_url(live_server, blog)}edit/")
    page.get_by_label("Temperature").fill("5")
    field = page.locator("#field-temperature")
    expect(field.locator(".errors")).to_have_text("Must be at most 2 (got 5).")  # as you type
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.locator("#edit-form .alert--error")).to_contain_text(
        "Some values need your attention"
    )
    expect(page.locator("#field-temperature .errors")).to_have_text("Must be at most 2 (got 5).")
    expect(page.get_by_label("Temperature")).to_have_value("5")
    assert Assistant.objects.get(pk=blog.pk).latest_version_number == 3


def test_two_editors_at_once_the_second_sees_the_conflict_and_keeps_their_input(
    new_page, sign_in, live_server, blog, editor, publisher
) -> None:
    first, second = new_page(), new_page()
    sign_in(first, "pat")
    sign_in(second, "eddie")
    for page in (first, second):
        page.goto(f"{detail_url(live_server, blog)}edit/")
    first.get_by_label("System Prompt").fill("Prompt from Pat about {topic}.")
    first.get_by_role("button", name="Save draft", exact=True).click()
    expect(first.locator("#messages")).to_contain_text("Saved draft v4")

    second.get_by_label("System Prompt").fill("Prompt from Eddie about {topic}.")
    second.get_by_label("Note").fill("Eddie's take")
    second.get_by_role("button", name="Save draft", exact=True).click()
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("Someone saved v4 while you were editing")
    expect(conflict.locator("del")).to_contain_text(["Pat"])
    expect(conflict.locator("ins")).to_contain_text(["Eddie"])
    expect(second.get_by_label("System Prompt")).to_have_value("Prompt from Eddie about {topic}.")
    expect(second.get_by_label("Note")).to_have_value("Eddie's take")
    blog.refresh_from_db()
    assert blog.latest_version_number == 4
    assert blog.versions.get(version=4).context["system_prompt"] == "Prompt from Pat about {topic}."

    second.get_by_role("button", name="Save draft", exact=True).click()  # knowingly, on top of v4
    expect(second.locator("#messages")).to_contain_text("Saved draft v5")
    assert Assistant.objects.get(pk=blog.pk).versions.get(version=5).context["system_prompt"] == (
        "Prompt from Eddie about {topic}."
    )


def test_list_rows_are_added_moved_and_removed_in_place(
    new_page, sign_in, live_server, editor
) -> None:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(),
        graph_id="researcher",
        name="Research",
        context={"queries": ["alpha", "beta"]},
    )
    page = new_page()
    sign_in(page, "eddie")
    page.goto(f"{live_server.url}/assistant/{assistant.pk}/edit/")
    queries = page.locator("#field-queries")
    queries.get_by_role("button", name="Add item").click()
    expect(queries.locator("input")).to_have_count(3)
    expect(page.locator("#id_ctx-queries_2")).to_be_focused()
    page.locator("#id_ctx-queries_2").fill("gamma")
    queries.get_by_role("button", name="Move item 3 up").click()
    expect(page.locator("#id_ctx-queries_1")).to_have_value("gamma")
    queries.get_by_role("button", name="Remove item 1").click()
    expect(queries.locator("input")).to_have_count(2)
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Saved draft v2")
    assert assistant.versions.get(version=2).context["queries"] == ["gamma", "beta"]


def test_the_whole_flow_works_with_javascript_off(
    new_page, sign_in, live_server, blog, publisher
) -> None:
    page = new_page(java_script_enabled=False)
    sign_in(page, "pat")
    page.goto(f"{detail_url(live_server, blog)}edit/")
    page.get_by_label("Temperature").fill("1.5")
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Saved draft v4")
    page.get_by_role("link", name="Publish v4…").click()
    expect(page.get_by_role("heading", name="v2 is live; publish v4?")).to_be_visible()
    page.get_by_role("button", name="Publish v4").click()
    expect(page.locator("#messages")).to_contain_text("v4 of “Blog writer” is live")
    blog.refresh_from_db()
    assert (blog.version, blog.context["temperature"]) == (4, 1.5)
