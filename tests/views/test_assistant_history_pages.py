from __future__ import annotations

import pytest
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.views.browse import HISTORY_PAGE_SIZE

pytestmark = pytest.mark.django_db


def history_of(html: str) -> str:
    start = html.index('<section id="versions"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def long_history(db):
    actor = Actor.system_actor()
    assistant, _ = services.assistant_create(actor=actor, graph_id="writer", name="Long")
    for index in range(HISTORY_PAGE_SIZE + 4):  # v2..v30, all drafts; v1 stays live
        services.version_save(actor=actor, assistant_id=assistant.pk, note=f"save {index + 2}")
    return assistant


def test_the_history_shows_one_page_of_versions_with_a_link_to_older_ones(
    client, viewer, long_history
):
    client.force_login(viewer)
    url = reverse("assistants:assistant-detail", args=[long_history.pk])
    html = client.get(url).content.decode()
    first = history_of(html)
    assert "save 30" in first and "save 6" in first and "save 5" not in first
    assert f'href="{url}?history=2"' in html and "Older versions" in html
    # the published card still shows the live v1, which is not on the first page
    published_card = html[html.index('<section id="published"') :]
    published_card = published_card[: published_card.index("</section>")]
    assert '<span class="badge badge--live">v1</span>' in published_card
    assert "Saved by system" in published_card
    older = history_of(client.get(url, {"history": "2"}).content.decode())
    assert "save 5" in older and "save 2" in older and "save 30" not in older
    assert "Newer versions" in older and "Older versions" not in older


def test_a_history_page_is_an_htmx_partial_too(client, viewer, long_history):
    client.force_login(viewer)
    url = reverse("assistants:assistant-detail", args=[long_history.pk])
    response = client.get(url, {"history": "2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="versions")
    body = response.content.decode().lstrip()
    assert body.startswith('<section id="versions"')
    assert "save 5" in body


@pytest.mark.parametrize("bad", ["0", "-1", "x", "999999999"])
def test_a_bad_history_page_number_shows_the_first_page(client, viewer, long_history, bad):
    client.force_login(viewer)
    url = reverse("assistants:assistant-detail", args=[long_history.pk])
    response = client.get(url, {"history": bad})
    assert response.status_code == 200
    assert "save 30" in history_of(response.content.decode())
