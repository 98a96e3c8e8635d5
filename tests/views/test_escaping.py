"""User text is shown, never run: a prompt holding a script tag stays text on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assistants import services
from assistants.actors import Actor

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def evil(db):
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(
        actor=actor, graph_id="writer", name=f"Evil {EVIL}", context={"system_prompt": "Be nice."}
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        note=EVIL,
        context={"system_prompt": f"Be nice. {EVIL} Then stop."},
    )
    return assistant


@pytest.mark.parametrize(
    "name",
    [
        "assistant-detail",
        "assistant-edit",
        "version-compare",
        "version-detail",
        "assistant-list",
        "version-publish-confirm",
    ],
)
def test_a_script_in_a_prompt_or_a_name_is_escaped(publisher_client, evil, name) -> None:
    args = {
        "assistant-list": [],
        "version-detail": [evil.pk, 2],
        "version-publish-confirm": [evil.pk, 2],
    }.get(name, [evil.pk])
    query = "?a=1&b=2" if name == "version-compare" else ""
    html = publisher_client.get(reverse(f"assistants:{name}", args=args) + query).content.decode()
    assert EVIL not in html
    assert "alert(1)" in html
    assert ESCAPED in html or "&lt;script&gt;" in html


def test_the_word_diff_escapes_inserted_markup(publisher_client, evil) -> None:
    html = publisher_client.get(
        reverse("assistants:version-compare", args=[evil.pk]) + "?a=1&b=2"
    ).content.decode()
    inline = html.split('<div class="diff-inline">')[1].split("</div>")[0]
    assert "<ins>" in inline and EVIL not in inline and "&lt;script&gt;" in inline


def test_the_validate_endpoint_escapes_what_it_echoes(publisher_client) -> None:
    response = publisher_client.post(
        reverse("assistants:field-validate", args=["writer"]),
        {"ctx-system_prompt": f"{EVIL} {{topic}}", "_field": "system_prompt"},
    )
    assert EVIL not in response.content.decode()
