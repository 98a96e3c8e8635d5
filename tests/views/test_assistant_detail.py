"""The assistant page: published configuration, the draft, the history with its actions."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from tests.views.conftest import HTMX

pytestmark = pytest.mark.django_db


def url(assistant) -> str:
    return reverse("assistants:assistant-detail", args=[assistant.pk])


def test_the_page_shows_the_published_configuration_the_draft_and_the_history(
    viewer_client, blog
) -> None:
    response = viewer_client.get(url(blog))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "<h1><bdi>Blog writer</bdi></h1>" in html
    published = html.split('id="published"')[1].split("</section>")[0]
    assert "You are an expert blog writer." in published
    assert "anthropic/claude-sonnet-4-5" in published and "0.6" in published
    draft = html.split('id="draft"')[1].split("</section>")[0]
    assert "v3" in draft and "Try GPT-4o" in draft
    assert "<ins>openai/gpt-4o</ins>" in draft  # the draft's changes against what is live
    history = html.split('id="versions"')[1].split("</section>")[0]
    for number, note in ((1, "First draft"), (2, "Developer audience"), (3, "Try GPT-4o")):
        assert f">v{number}</a>" in history and note in history
    assert 'badge--live">live' in history and 'badge--draft">draft' in history


def test_default_values_the_assistant_does_not_set_are_marked(viewer_client, blog) -> None:
    published = (
        viewer_client.get(url(blog))
        .content.decode()
        .split('id="published"')[1]
        .split("</section>")[0]
    )
    max_length_row = published.split("Max Length")[1].split("</div>")[0]
    assert "default" in max_length_row and "1200" in max_length_row


def test_a_viewer_sees_no_buttons_to_change_anything(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog)).content.decode()
    for label in ("Edit draft", "Duplicate", ">Delete<", "Publish v3", ">Restore<", ">Publish<"):
        assert label not in html, label
    assert "Compare" in html  # reading is allowed


def test_an_editor_may_edit_and_restore_but_not_publish_or_delete(editor_client, blog) -> None:
    html = editor_client.get(url(blog)).content.decode()
    assert "Edit draft" in html and ">Restore<" in html and "Duplicate" in html
    assert "Publish v3" not in html and ">Publish<" not in html and ">Delete<" not in html


def test_a_publisher_sees_every_action(publisher_client, blog) -> None:
    html = publisher_client.get(url(blog)).content.decode()
    for label in ("Edit draft", "Publish v3", ">Publish<", ">Restore<", ">Delete<", "Duplicate"):
        assert label in html, label
    assert reverse("assistants:version-publish-confirm", args=[blog.pk, 3]) in html


def test_a_missing_assistant_is_a_404(viewer_client) -> None:
    assert (
        viewer_client.get(reverse("assistants:assistant-detail", args=[uuid.uuid4()])).status_code
        == 404
    )


def test_an_htmx_request_gets_the_region_it_targets(viewer_client, blog) -> None:
    for region in ("summary", "published", "draft", "versions", "publications"):
        response = viewer_client.get(url(blog), HTTP_HX_TARGET=region, **HTMX)
        html = response.content.decode().lstrip()
        assert response.status_code == 200
        assert html.startswith(f'<div id="{region}"') or html.startswith(
            f'<section id="{region}"'
        ), region
        assert "<html" not in html
    fallback = viewer_client.get(url(blog), **HTMX).content.decode().lstrip()
    assert fallback.startswith('<section id="versions"')


def test_regions_listen_to_the_events_that_change_them(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog)).content.decode()
    published = html.split('id="published"')[1].split(">")[0]
    assert 'hx-trigger="version-published from:body"' in published


def test_the_number_of_queries_does_not_grow_with_the_history(viewer_client, blog) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(url(blog)).status_code == 200
        return len(captured.captured_queries)

    actor = Actor.system_actor()
    few = count()  # 3 versions, one of them a draft
    for n in range(27):
        version = services.version_save(
            actor=actor, assistant_id=blog.pk, context={"max_length": 100 + n}
        )
        if n < 26:  # keep the newest as a draft, as before
            services.version_publish(actor=actor, assistant_id=blog.pk, version=version.version)
    blog.refresh_from_db()
    assert (blog.latest_version_number, blog.has_draft) == (30, True)
    many = count()
    assert few == many


def test_a_version_page_shows_that_versions_configuration(viewer_client, blog) -> None:
    response = viewer_client.get(reverse("assistants:version-detail", args=[blog.pk, 1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are a thoughtful blog writer." in html and "First draft" in html
    assert (
        viewer_client.get(reverse("assistants:version-detail", args=[blog.pk, 9])).status_code
        == 404
    )


def test_a_name_with_bidi_controls_cannot_reorder_the_page_around_it(viewer_client, blog):
    """An RTL override in a name stays inside the name: every place shows it in ``<bdi>``."""
    from assistants.models import Assistant

    name = "abc\u202e evil"
    Assistant.objects.filter(pk=blog.pk).update(name=name)

    html = viewer_client.get(
        reverse("assistants:assistant-detail", args=[blog.pk])
    ).content.decode()

    assert f"<h1><bdi>{name}</bdi></h1>" in html
    body = html.split("</title>", 1)[1]
    isolated = body.count(f"<bdi>{name}</bdi>") + body.count(
        f"<del>{name}</del>"
    )  # CSS isolates both
    assert body.count(name) == isolated and body.count(f"<bdi>{name}</bdi>") >= 2  # crumb, h1


def test_pages_name_an_svg_favicon_and_favicon_ico_redirects_to_it(viewer_client, blog) -> None:
    html = viewer_client.get(url(blog)).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    from django.test import Client

    response = Client().get("/favicon.ico")  # signed out too
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert viewer_client.get("/static/favicon.svg").status_code == 200
