"""End to end in Chromium, as a new publisher would: add a test input expecting a word, turn on
"Require passing checks to publish", save a draft without the word, Compare with live, try to
publish (refused, live unchanged), save a draft with the word, compare, publish (live now that
draft); then an API PATCH is answered 409 and creates no version.

On PostgreSQL the comparison's runs execute in a real ``db_worker`` process sharing the test
database; on SQLite in the web process (the immediate task backend), as in test_try_it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from tests.browser.conftest import CHROMIUM
from tests.browser.test_try_it import run_tasks  # noqa: F401 - fixture: the worker

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writer(db: None) -> Assistant:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(),
        graph_id="writer",
        name="Social writer",
        context={"style": "blog", "temperature": 0},
    )
    return assistant


def save_draft(page: Any, base: str, assistant: Assistant, style: str, temperature: str) -> None:
    page.goto(base + reverse("assistants:assistant-edit", args=[assistant.pk]))
    page.get_by_label("Style").select_option(style)
    page.get_by_label("Temperature").fill(temperature)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#messages")).to_contain_text("Saved draft")


def compare_with_live(page: Any, base: str, assistant: Assistant, expected: str) -> None:
    page.goto(base + reverse("assistants:assistant-detail", args=[assistant.pk]))
    page.get_by_role("button", name="Compare with live", exact=True).click()
    live = page.locator("#comparison-live")
    expect(live.get_by_role("progressbar")).to_be_visible()
    expect(live).to_contain_text(expected, timeout=90_000)


def open_publish_dialog(page: Any, base: str, assistant: Assistant, number: int) -> Any:
    page.goto(base + reverse("assistants:assistant-detail", args=[assistant.pk]))
    page.get_by_role("link", name=f"Publish v{number}…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"v{number}:")
    return dialog


def test_a_publisher_gates_publishing_on_passing_checks(
    new_page: Any,
    sign_in: Any,
    live_server: Any,
    make_user: Any,
    writer: Assistant,
    run_tasks: None,  # noqa: F811
) -> None:
    make_user("pat", "publisher")
    base = live_server.url
    page = new_page()
    sign_in(page, "pat")
    page.goto(base + reverse("assistants:assistant-detail", args=[writer.pk]))

    page.get_by_role("link", name="Test inputs", exact=True).click()
    page.get_by_role("link", name="Add test input").click()
    page.get_by_label("Name").fill("tide pools tweet")
    page.get_by_label("Topic").fill("tide pools")
    page.get_by_label("contain", exact=False).first.fill("in one breath")
    page.get_by_role("button", name="Add test input").click()
    expect(page.locator("#test-inputs")).to_contain_text("tide pools tweet")

    page.goto(base + reverse("assistants:assistant-detail", args=[writer.pk]))
    page.get_by_label("Require passing checks to publish").check()
    page.get_by_role("button", name="Save setting").click()
    expect(page.locator("#messages")).to_contain_text("Publishing now requires passing checks.")

    # A draft without the word: compared, then refused.
    save_draft(page, base, writer, "blog", "0.2")
    compare_with_live(page, base, writer, "v2: 0 of 1 checks pass — fails the gate")
    expect(page.locator("#comparison-live")).to_contain_text("fail")
    # The draft card and the dialog say why before the click; Publish cannot be pressed.
    dialog = open_publish_dialog(page, base, writer, 2)
    expect(page.locator("#draft")).to_contain_text(
        "Publishing requires passing checks: 0 of 1 checks pass."
    )
    expect(dialog).to_contain_text("publishing v2 is refused: 0 of 1 checks pass.")
    expect(dialog.get_by_role("button", name="Publish v2")).to_be_disabled()
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    assert Assistant.objects.get(pk=writer.pk).version == 1

    # A draft with the word: compared, published.
    save_draft(page, base, writer, "tweet", "0.2")
    compare_with_live(page, base, writer, "v3: 1 of 1 checks pass — passes the gate")
    expect(page.locator("#comparison-live")).to_contain_text("pass")
    open_publish_dialog(page, base, writer, 3).get_by_role("button", name="Publish v3").click()
    expect(page.locator("#messages")).to_contain_text("v3 of “Social writer” is live")
    assert Assistant.objects.get(pk=writer.pk).version == 3
    # The checks section follows the publish: no draft is left to compare.
    expect(page.locator("#checks")).not_to_contain_text("Run the draft")
    expect(page.locator("#checks").get_by_role("button", name="Compare with live")).to_have_count(0)

    # An integration's PATCH publishes a new version in LangGraph's protocol: refused, nothing written.
    _, key = services.api_key_create(actor=Actor.system_actor(), name="integration")
    request = urllib.request.Request(
        f"{base}/assistants/{writer.pk}",
        data=json.dumps({"context": {"style": "blog"}}).encode(),
        headers={"Content-Type": "application/json", "X-Api-Key": key},
        method="PATCH",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310 - the live test server
    assert caught.value.code == 409
    assert "requires passing checks" in json.loads(caught.value.read())["detail"]
    assert AssistantVersion.objects.filter(assistant=writer).count() == 3
    assert Assistant.objects.get(pk=writer.pk).version == 3


def same_line(a: Any, b: Any) -> bool:
    """Two elements whose vertical centres are within a few pixels of each other."""
    box_a, box_b = a.bounding_box(), b.bounding_box()
    return abs((box_a["y"] + box_a["height"] / 2) - (box_b["y"] + box_b["height"] / 2)) < 8


def test_the_checks_forms_history_and_word_diff_are_laid_out_on_one_line(
    new_page: Any,
    sign_in: Any,
    live_server: Any,
    make_user: Any,
    writer: Assistant,
    run_tasks: None,  # noqa: F811
) -> None:
    from tests.gate.conftest import add_tide_input

    make_user("pat", "publisher")
    system = Actor.system_actor()
    add_tide_input(writer, gate=True)
    services.version_save(
        actor=system, assistant_id=writer.pk, context={"style": "blog", "temperature": 0.2}
    )
    page = new_page()
    sign_in(page, "pat")
    page.goto(live_server.url + reverse("assistants:assistant-detail", args=[writer.pk]))
    checks = page.locator("#checks")
    select = checks.get_by_label("Runs per input")
    button = checks.get_by_role("button", name="Compare with live")
    expect(button).to_be_visible()
    assert same_line(select, button) and select.bounding_box()["width"] < 200
    gate = checks.get_by_label("Require passing checks to publish")
    assert same_line(gate, checks.get_by_text("Require passing checks to publish"))
    # The live row's highlight fills its actions cell too.
    live_row = page.locator("#versions tr.is-live")
    colours = live_row.locator("td").evaluate_all(
        "cells => cells.map(c => [getComputedStyle(c).backgroundColor, c.offsetHeight])"
    )
    assert len({c[0] for c in colours}) == 1 and len({c[1] for c in colours}) == 1

    button.click()
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("v2: 0 of 1 checks pass — fails the gate", timeout=90_000)
    table = page.locator(".comparison-table").bounding_box()
    form = page.locator("#comparison-live form.compare-with-live").bounding_box()
    assert form["y"] >= table["y"] + table["height"] + 8
    replaced = page.locator(".diff-inline del + ins")
    if replaced.count():  # the fake model words a warmer post differently
        margin = replaced.first.evaluate("el => parseFloat(getComputedStyle(el).marginLeft)")
        assert margin > 0

    page.goto(live_server.url + reverse("assistants:testinput-create", args=[writer.pk]))
    valid_json = page.get_by_label("The output is valid JSON")
    assert same_line(valid_json, page.get_by_text("The output is valid JSON"))
