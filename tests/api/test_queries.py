"""Query counts stay fixed however many rows a response holds (no N+1)."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.django_db

ID = "77777777-7777-7777-7777-777777777777"


@pytest.fixture
def warm(api):
    """The first request creates the default assistants and touches the key: do it beforehand."""
    api.get("/assistants/tiny")
    return api


@pytest.fixture
def many(make_assistant):
    def make(count: int) -> None:
        for index in range(count):
            make_assistant(
                assistant_id=uuid.uuid4(), name=f"bot {index}", metadata={"team": "x", "i": index}
            )

    return make


@pytest.fixture(params=[True, False], ids=["fast", "view"])
def fast(request, settings):
    """Both ways of answering a read: the fast path (assistants/api/fastpath/) joins the key's
    query with the first query of the read, so it costs one query less than the view."""
    settings.STUDIO_API_FAST_READS = request.param
    return request.param


@pytest.mark.parametrize("count", [10, 100])
def test_a_full_search_page_costs_three_queries_whatever_its_size(
    warm, many, django_assert_num_queries, count, fast
):
    many(count)

    # the key, the page and the count (for X-Pagination-Total)
    with django_assert_num_queries(2 if fast else 3):
        response = warm.post("/assistants/search", {"metadata": {"team": "x"}, "limit": count})

    assert len(response.json()) == count
    assert response["X-Pagination-Total"] == str(count)


def test_a_search_page_that_is_not_full_needs_no_count_query(
    warm, many, django_assert_num_queries, fast
):
    many(30)

    with django_assert_num_queries(1 if fast else 2):
        response = warm.post(
            "/assistants/search", {"metadata": {"team": "x"}, "limit": 20, "offset": 20}
        )

    assert len(response.json()) == 10
    assert (response["X-Pagination-Total"], "X-Pagination-Next" in response) == ("30", False)


def test_a_search_past_the_end_still_reports_the_true_total(
    warm, many, django_assert_num_queries, fast
):
    many(3)

    with django_assert_num_queries(2 if fast else 3):
        response = warm.post("/assistants/search", {"metadata": {"team": "x"}, "offset": 50})

    assert (response.json(), response["X-Pagination-Total"]) == ([], "3")


def test_count_costs_two_queries(warm, many, django_assert_num_queries):
    many(20)

    with django_assert_num_queries(2):
        assert warm.post("/assistants/count", {"metadata": {"team": "x"}}).json() == 20


def test_get_costs_one_query(warm, make_assistant, django_assert_num_queries):
    make_assistant(assistant_id=ID)

    # the key and the assistant, joined (assistants/api/fastpath/)
    with django_assert_num_queries(1):
        assert warm.get(f"/assistants/{ID}").status_code == 200


def test_without_the_fast_path_get_costs_two_queries(
    warm, make_assistant, django_assert_num_queries, settings
):
    settings.STUDIO_API_FAST_READS = False
    make_assistant(assistant_id=ID)

    with django_assert_num_queries(2):
        assert warm.get(f"/assistants/{ID}").status_code == 200


def test_versions_cost_two_queries_for_fifty_versions(
    warm, make_assistant, django_assert_num_queries, fast
):
    make_assistant(assistant_id=ID)
    for _ in range(49):
        warm.patch(f"/assistants/{ID}", {})

    with django_assert_num_queries(1 if fast else 2):
        response = warm.post(f"/assistants/{ID}/versions", {"limit": 50})

    assert [v["version"] for v in response.json()] == list(range(50, 0, -1))


def test_writes_cost_a_fixed_number_of_queries(warm, make_assistant, django_assert_max_num_queries):
    make_assistant(assistant_id=ID)

    with django_assert_max_num_queries(9):
        warm.post("/assistants", {"graph_id": "tiny", "context": {"style": "tweet"}})
    with django_assert_max_num_queries(9):
        warm.patch(f"/assistants/{ID}", {"metadata": {"a": 1}})
    with django_assert_max_num_queries(8):
        warm.post(f"/assistants/{ID}/latest", {"version": 1})


def test_schemas_of_a_compiled_graph_cost_two_queries(warm, django_assert_num_queries):
    warm.get("/assistants/tiny/schemas")

    with django_assert_num_queries(2):
        assert warm.get("/assistants/tiny/schemas").status_code == 200
