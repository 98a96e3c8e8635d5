"""The graph pages: the registered graphs, and one graph's fields, drawing and assistants."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_the_graph_list_shows_each_graph_its_assistants_and_errors(viewer_client, blog) -> None:
    response = viewer_client.get(reverse("graphs:graph-list"))
    assert response.status_code == 200
    html = response.content.decode()
    writer = html.split("<code>writer</code>")[1].split("</li>")[0]
    assert "1 assistant" in writer and "Writes blog posts and tweets" in writer
    broken = html.split("<code>broken</code>")[1].split("</li>")[0]
    assert "fails to load" in broken and "not_installed_yet" in broken


def test_the_graph_page_shows_fields_drawing_and_assistants(viewer_client, blog) -> None:
    response = viewer_client.get(reverse("graphs:graph-detail", args=["writer"]))
    assert response.status_code == 200
    html = response.content.decode()
    fields = html.split('id="fields-title"')[1].split("</section>")[0]
    for label in ("System Prompt", "Model", "Temperature", "Style", "Max Length"):
        assert label in fields
    assert "prompt (text)" in fields and "chat model" in fields and "min 0 · max 2" in fields
    drawing = html.split("<svg")[1].split("</svg>")[0]
    assert ">write</text>" in drawing and ">polish</text>" in drawing and ">start</text>" in drawing
    assert drawing.count('class="drawing__edge"') == 3
    assert "write → polish" in html
    assert "Blog writer" in html.split('id="assistants"')[1]


def test_the_nested_graph_lists_its_nested_fields(viewer_client) -> None:
    html = viewer_client.get(reverse("graphs:graph-detail", args=["researcher"])).content.decode()
    assert "sources.allowed_domains" in html and "may be empty" in html


def test_a_broken_graph_page_shows_its_error_and_its_assistants(viewer_client) -> None:
    # Stored while the graph still loaded: creating one on a broken graph is refused (424).
    fields = {"graph_id": "broken", "name": "Stuck one", "description": None}
    fields |= {"metadata": {}, "config": {}, "context": {}}
    services.insert_assistant(pk=uuid.uuid4(), fields=fields, actor=Actor.system_actor(), note="")
    response = viewer_client.get(reverse("graphs:graph-detail", args=["broken"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This graph fails to load." in html and "not_installed_yet" in html
    assert "Stuck one" in html


def test_an_unknown_graph_is_a_404(viewer_client) -> None:
    assert viewer_client.get(reverse("graphs:graph-detail", args=["nope"])).status_code == 404


def test_htmx_requests_get_partials(viewer_client, blog) -> None:
    listing = viewer_client.get(reverse("graphs:graph-list"), **HTMX).content.decode().lstrip()
    assert listing.startswith('<section id="graphs"')
    detail = (
        viewer_client.get(reverse("graphs:graph-detail", args=["writer"]), **HTMX)
        .content.decode()
        .lstrip()
    )
    assert detail.startswith('<section id="assistants"')


def test_the_new_assistant_button_follows_the_role(viewer_client, editor_client) -> None:
    url = reverse("graphs:graph-detail", args=["writer"])
    assert "New assistant from this graph" not in viewer_client.get(url).content.decode()
    assert "New assistant from this graph" in editor_client.get(url).content.decode()
