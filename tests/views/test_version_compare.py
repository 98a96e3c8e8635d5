"""Comparing two versions: changed fields highlighted, unchanged ones folded, word-level diffs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db


def url(assistant) -> str:
    return reverse("assistants:version-compare", args=[assistant.pk])


def test_by_default_the_live_version_is_compared_with_the_newest(viewer_client, blog) -> None:
    response = viewer_client.get(url(blog))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="2" selected>v2 (live)</option>' in html
    assert '<option value="3" selected>v3 (draft)</option>' in html
    assert "3 changed fields" in html  # prompt, model, temperature


def test_changed_fields_are_highlighted_and_unchanged_ones_folded(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog), {"a": 1, "b": 3}).content.decode()
    changed = html.split("changed fields</h2>")[1].split('<details class="card unchanged">')[0]
    assert "System Prompt" in changed and "Model" in changed and "Temperature" in changed
    unchanged = html.split('<details class="card unchanged">')[1].split("</details>")[0]
    assert "unchanged field" in unchanged and "Name" in unchanged and "Description" in unchanged


def test_a_prompt_gets_a_word_level_inline_and_side_by_side_diff(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog), {"a": 1, "b": 2}).content.decode()
    inline = html.split('<div class="diff-inline">')[1].split("</div>")[0]
    assert "You are <del>a thoughtful</del><ins>an expert</ins> blog writer." in inline
    assert (
        "<ins>\nEnd with a takeaway.</ins>" in inline or "<ins>End with a takeaway.</ins>" in inline
    )
    table = html.split('<table class="sbs__table">')[1].split("</table>")[0]
    assert '<tr class="sbs__row sbs__row--changed">' in table
    assert (
        '<tr class="sbs__row sbs__row--added"><td></td><td><ins>End with a takeaway.</ins></td></tr>'
        in table
    )


def test_short_values_show_old_and_new(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog), {"a": 2, "b": 3}).content.decode()
    model = html.split(">Model</h3>")[1].split("</article>")[0]
    assert "anthropic/claude-sonnet-4-5" in model and "openai/gpt-4o" in model


def test_the_same_version_twice_has_no_differences(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog), {"a": 2, "b": "v2"}).content.decode()
    assert "No differences" in html


def test_a_version_that_does_not_exist_is_a_loud_404(viewer_client, blog) -> None:
    assert viewer_client.get(url(blog), {"a": 1, "b": 99}).status_code == 404
    assert viewer_client.get(url(blog), {"a": "x"}).status_code == 404


def test_an_htmx_request_gets_the_comparison_only(viewer_client, blog) -> None:
    response = viewer_client.get(url(blog), {"a": 1, "b": 3}, **HTMX)
    html = response.content.decode().lstrip()
    assert response.status_code == 200
    assert html.startswith('<section id="comparison"') and "<html" not in html


def test_a_huge_punctuation_prompt_is_compared_coarsely_and_completely(viewer_client, db) -> None:
    """200 lines of 1,400 punctuation marks took 34 s to compare; the diff's work is bounded now."""
    import random

    from django.utils.html import escape

    from assistants import services
    from assistants.actors import Actor
    from tests.views.conftest import make_writer

    rnd = random.Random(5)
    marks = "!#$%&()*+,-./:;<=>?@[]^_{|}~"

    def prompt() -> str:
        return "\n".join("".join(rnd.choice(marks) for _ in range(1400)) for _ in range(200))

    old, new = prompt(), prompt()
    assistant = make_writer(system_prompt=old)
    services.version_save(
        actor=Actor.system_actor(), assistant_id=assistant.pk, context={"system_prompt": new}
    )
    response = viewer_client.get(url(assistant), {"a": 1, "b": 2})
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('<table class="sbs__table">')[1].split("</table>")[0]
    assert table.count('<tr class="sbs__row sbs__row--changed">') == 200
    last_old, last_new = old.split("\n")[-1], new.split("\n")[-1]
    assert f"<td><del>{escape(last_old)}</del></td><td><ins>{escape(last_new)}</ins></td>" in table


def test_a_prompt_whose_variables_changed_says_so_beside_its_diff(viewer_client, db) -> None:
    from assistants import services
    from assistants.actors import Actor
    from tests.views.conftest import make_writer

    assistant = make_writer(system_prompt="Write a {style} post about {topic}.")
    services.version_save(
        actor=Actor.system_actor(),
        assistant_id=assistant.pk,
        context={"system_prompt": "Write a post about {topic} for {audience}."},
    )
    html = viewer_client.get(url(assistant), {"a": 1, "b": 2}).content.decode()
    card = html.split(">System Prompt</h3>")[1].split("</article>")[0]
    assert "Variables changed:" in card
    assert '<ins><code class="var">{audience}</code></ins>' in card
    assert '<del><code class="var">{style}</code></del>' in card
    assert "does not fill in <code>{audience}</code>" in card
