"""The assistants list (home page): search, filters, status, last change, pages, query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from tests.views.conftest import HTMX, make_writer

pytestmark = pytest.mark.django_db

URL = reverse("assistants:assistant-list")


def test_the_list_shows_name_graph_status_and_last_change(viewer_client, blog, editor) -> None:
    services.version_save(
        actor=Actor(user=editor),
        assistant_id=blog.pk,
        base_version=3,
        note="Shorter",
        context={"max_length": 500},
    )
    response = viewer_client.get(URL)
    assert response.status_code == 200
    assert response.templates[0].name == "assistants/assistant_list.html"
    html = response.content.decode()
    assert "<html" in html
    assert "Blog writer" in html and ">writer</code>" in html
    assert "v2 live" in html and "draft v4" in html
    assert "by eddie" in html and "“Shorter”" in html


def test_the_search_finds_by_name(viewer_client, blog) -> None:
    make_writer("Tweet writer")
    html = viewer_client.get(URL, {"q": "tweet"}).content.decode()
    assert "Tweet writer" in html and "Blog writer" not in html


def test_the_graph_filter_and_the_status_filter(viewer_client, blog) -> None:
    make_writer("Tweet writer")
    services.assistant_create(
        actor=Actor.system_actor(), graph_id="researcher", name="Deep research"
    )
    by_graph = viewer_client.get(URL, {"graph": "researcher"}).content.decode()
    assert "Deep research" in by_graph and "Blog writer" not in by_graph
    drafts = viewer_client.get(URL, {"status": "draft"}).content.decode()
    assert "Blog writer" in drafts and "Tweet writer" not in drafts
    published = viewer_client.get(URL, {"status": "published"}).content.decode()
    assert "Tweet writer" in published and "Blog writer" not in published


def test_an_unknown_filter_value_is_ignored_rather_than_an_error(viewer_client, blog) -> None:
    response = viewer_client.get(URL, {"graph": "nope", "status": "weird"})
    assert response.status_code == 200
    assert "Blog writer" in response.content.decode()


def test_the_list_is_paginated_and_pages_keep_the_filters(viewer_client) -> None:
    for number in range(25):
        make_writer(f"Writer {number:02d}")
    first = viewer_client.get(URL, {"q": "writer"}).content.decode()
    assert "Page 1 of 2" in first
    assert "?q=writer&amp;page=2" in first
    second = viewer_client.get(URL, {"q": "writer", "page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert second.count('class="strong" href="/assistant/') == 5


def test_empty_states_invite_to_create_or_to_clear_the_filters(
    editor_client, viewer_client
) -> None:
    empty = editor_client.get(URL).content.decode()
    assert "No assistants yet" in empty and "Create the first one" in empty
    assert "Create the first one" not in viewer_client.get(URL).content.decode()
    filtered = editor_client.get(URL, {"q": "zzz"}).content.decode()
    assert "No assistant matches" in filtered and "clear the filters" in filtered


def test_the_new_assistant_button_is_only_for_those_who_may_create(
    viewer_client, editor_client, blog
) -> None:
    assert "New assistant" not in viewer_client.get(URL).content.decode()
    assert "New assistant" in editor_client.get(URL).content.decode()


def test_an_htmx_request_gets_only_the_results(viewer_client, blog) -> None:
    response = viewer_client.get(URL, {"q": "blog"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "Blog writer" in html
    assert "HX-Request" in response["Vary"]


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_assistants(
    viewer_client, django_assert_max_num_queries
) -> None:
    for number in range(5):
        make_writer(f"Writer {number}")
    few = _count_queries(viewer_client)
    for number in range(5, 30):
        make_writer(f"Writer {number}")
    many = _count_queries(viewer_client)
    assert few == many
    with django_assert_max_num_queries(few):
        viewer_client.get(URL)


@pytest.mark.parametrize("params", [{}, {"q": "writer 1"}, {"status": "draft"}, {"page": "2"}])
def test_both_ways_of_reading_a_page_give_the_same_rows(viewer_client, monkeypatch, params) -> None:
    """Few matches join first, many walk the versions in time order: same page either way."""
    from assistants import selectors

    actor = Actor.system_actor()
    for number in range(25):
        writer = make_writer(f"Writer {number:02d}")
        if number % 3 == 0:  # a newer draft: last change is newer than the published version
            services.version_save(actor=actor, assistant_id=writer.pk, context={"max_length": 9})

    def names(threshold: int) -> list[str]:
        monkeypatch.setattr(selectors, "FILTER_FIRST_BELOW", threshold)
        html = viewer_client.get(URL, params).content.decode()
        return [part.split("<")[0] for part in html.split('class="strong" href="/assistant/')[1:]]

    join_first, walk_versions = names(10**9), names(0)
    assert join_first == walk_versions and join_first
    rows = selectors.assistant_list(status=params.get("status", ""))
    assert rows.count() == len(list(rows))  # the join-free count matches the rows


@pytest.mark.django_db(transaction=True)  # as served: counts are not kept inside a transaction
def test_a_list_count_is_kept_until_an_assistant_changes(viewer_client) -> None:
    """Counted once (a very long list would count 100,000 rows on every view), yet exact."""
    for number in range(3):
        make_writer(f"Writer {number}")
    assert "3 assistants" in viewer_client.get(URL).content.decode()  # signed in, counted

    writer = make_writer("Writer 4")
    counted = _count_queries(viewer_client)
    assert _count_queries(viewer_client) == counted - 1  # the count was kept
    html = viewer_client.get(URL).content.decode()
    assert "4 assistants" in html and "Writer 4" in html

    assert "Writer 4" not in viewer_client.get(URL, {"status": "draft"}).content.decode()
    services.version_save(
        actor=Actor.system_actor(), assistant_id=writer.pk, context={"max_length": 9}
    )
    drafts = viewer_client.get(URL, {"status": "draft"}).content.decode()
    assert "1 assistant" in drafts and "Writer 4" in drafts
