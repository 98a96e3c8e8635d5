"""POST /assistants/search and POST /assistants/count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assistants.models import Assistant
from tests.api.conftest import stamp

pytestmark = pytest.mark.django_db

A = "00000000-0000-0000-0000-00000000000a"
B = "00000000-0000-0000-0000-00000000000b"
C = "00000000-0000-0000-0000-00000000000c"


@pytest.fixture
def three(make_assistant, no_default_assistants):
    """Three assistants created a minute apart: A (oldest), B, C (newest)."""
    base = timezone.now() - timedelta(hours=1)
    made = [
        make_assistant(
            assistant_id=A,
            name="Demo Agent",
            metadata={"team": "x", "nested": {"a": 1, "b": 2}, "tags": ["red", "blue"]},
        ),
        make_assistant(
            assistant_id=B, name="beta", graph_id="factory", metadata={"team": "x", "n": 1}
        ),
        make_assistant(assistant_id=C, name="Alpha", metadata={"team": "y", "flag": True}),
    ]
    for minutes, assistant in enumerate(made):
        Assistant.objects.filter(pk=assistant.pk).update(
            created_at=base + timedelta(minutes=minutes),
            updated_at=base + timedelta(minutes=10 - minutes),
        )
    return {str(a.pk): Assistant.objects.get(pk=a.pk) for a in made}


def ids(response) -> list[str]:
    return [item["assistant_id"] for item in response.json()]


def test_search_returns_whole_assistants_newest_first_with_the_true_total(api, three):
    response = api.post("/assistants/search", {"limit": 2})

    c, b = three[C], three[B]
    assert response.status_code == 200
    assert response.json() == [
        {
            "assistant_id": C,
            "graph_id": "tiny",
            "config": {},
            "context": {},
            "metadata": {"team": "y", "flag": True},
            "name": "Alpha",
            "created_at": stamp(c.created_at),
            "updated_at": stamp(c.updated_at),
            "version": 1,
            "description": None,
        },
        {
            "assistant_id": B,
            "graph_id": "factory",
            "config": {},
            "context": {},
            "metadata": {"team": "x", "n": 1},
            "name": "beta",
            "created_at": stamp(b.created_at),
            "updated_at": stamp(b.updated_at),
            "version": 1,
            "description": None,
        },
    ]
    assert (response["X-Pagination-Total"], response["X-Pagination-Next"]) == ("3", "2")


def test_search_last_page_has_no_next_header(api, three):
    response = api.post("/assistants/search", {"limit": 2, "offset": 2})

    assert ids(response) == [A]
    assert response["X-Pagination-Total"] == "3"
    assert "X-Pagination-Next" not in response


def test_search_past_the_end_is_an_empty_page(api, three):
    response = api.post("/assistants/search", {"offset": 10})

    assert response.json() == []
    assert response["X-Pagination-Total"] == "3"


def test_search_with_an_empty_body_uses_the_defaults(api, three):
    response = api.generic("POST", "/assistants/search", "", content_type="application/json")

    assert ids(response) == [C, B, A]


def test_search_filters_by_graph_id(api, three):
    assert ids(api.post("/assistants/search", {"graph_id": "factory"})) == [B]


def test_search_with_an_unregistered_graph_id_is_a_404(api, three):
    response = api.post("/assistants/search", {"graph_id": "nope"})

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Graph 'nope' not found. Expected one of: ['broken', 'factory', 'tiny']"
    }


def test_search_filters_by_case_insensitive_name_substring(api, three):
    assert ids(api.post("/assistants/search", {"name": "DEMO"})) == [A]
    assert ids(api.post("/assistants/search", {"name": "a"})) == [C, B, A]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"team": "x"}, [B, A]),
        ({"nested": {"a": 1}}, [A]),
        ({"nested": {"a": 2}}, []),
        ({"tags": ["blue"]}, [A]),
        ({"tags": ["blue", "green"]}, []),
        ({"flag": True}, [C]),
        ({"flag": 1}, []),
        ({"n": 1.0}, [B]),
        ({"team": "x", "n": 1}, [B]),
        ({"missing": None}, []),
        ({}, [C, B, A]),
    ],
)
def test_search_filters_metadata_by_containment(api, three, metadata, expected):
    response = api.post("/assistants/search", {"metadata": metadata})

    assert ids(response) == expected
    assert response["X-Pagination-Total"] == str(len(expected))


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "expected"),
    [
        ("name", "asc", [C, B, A]),
        ("name", "desc", [A, B, C]),
        ("name", None, [A, B, C]),
        ("created_at", "asc", [A, B, C]),
        ("updated_at", "desc", [A, B, C]),
        ("updated_at", "ASC", [C, B, A]),
        ("assistant_id", "asc", [A, B, C]),
        ("graph_id", "asc", [B, A, C]),
    ],
)
def test_search_sorts(api, three, sort_by, sort_order, expected):
    body = {"sort_by": sort_by}
    if sort_order:
        body["sort_order"] = sort_order

    assert ids(api.post("/assistants/search", body)) == expected


def test_search_with_select_returns_only_those_fields_in_wire_order(api, three):
    response = api.post(
        "/assistants/search",
        {"select": ["name", "assistant_id", "version"], "sort_by": "name", "sort_order": "asc"},
    )

    assert response.json() == [
        {"assistant_id": C, "name": "Alpha", "version": 1},
        {"assistant_id": B, "name": "beta", "version": 1},
        {"assistant_id": A, "name": "Demo Agent", "version": 1},
    ]


def test_search_lists_only_assistants_of_registered_graphs(api, three):
    Assistant.objects.filter(pk=A).update(graph_id="retired")

    response = api.post("/assistants/search", {})

    assert ids(response) == [C, B]
    assert response["X-Pagination-Total"] == "2"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"limit": 0},
            [{"loc": ["limit"], "msg": "Ensure this value is greater than or equal to 1."}],
        ),
        (
            {"limit": 1001},
            [{"loc": ["limit"], "msg": "Ensure this value is less than or equal to 1000."}],
        ),
        ({"limit": "10"}, [{"loc": ["limit"], "msg": "Must be an integer."}]),
        ({"limit": 1.5}, [{"loc": ["limit"], "msg": "Must be an integer."}]),
        ({"limit": True}, [{"loc": ["limit"], "msg": "Must be an integer."}]),
        (
            {"offset": -1},
            [{"loc": ["offset"], "msg": "Ensure this value is greater than or equal to 0."}],
        ),
        ({"sort_by": "version"}, [{"loc": ["sort_by"], "msg": '"version" is not a valid choice.'}]),
        ({"sort_order": "up"}, [{"loc": ["sort_order"], "msg": '"up" is not a valid choice.'}]),
        ({"select": ["nope"]}, [{"loc": ["select", 0], "msg": '"nope" is not a valid choice.'}]),
        (
            {"select": "name"},
            [{"loc": ["select"], "msg": 'Expected a list of items but got type "str".'}],
        ),
        ({"metadata": ["x"]}, [{"loc": ["metadata"], "msg": "Must be an object."}]),
        ({"name": 3}, [{"loc": ["name"], "msg": "Must be a string."}]),
        ({"page": 2}, [{"loc": ["page"], "msg": "Unknown field."}]),
    ],
)
def test_search_with_an_invalid_body_is_a_422(api, three, body, errors):
    response = api.post("/assistants/search", body)

    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_search_accepts_a_large_offset_without_overflowing(api, three):
    response = api.post("/assistants/search", {"offset": 2**62})

    assert (response.status_code, response.json()) == (200, [])


# -- count -----------------------------------------------------------------------------------------


def test_count_answers_a_bare_integer(api, three):
    response = api.post("/assistants/count", {})

    assert response.status_code == 200
    assert response.content == b"3"
    assert response.json() == 3


def test_count_applies_the_search_filters(api, three):
    assert api.post("/assistants/count", {"metadata": {"team": "x"}}).json() == 2
    assert api.post("/assistants/count", {"graph_id": "tiny", "name": "alp"}).json() == 1


def test_count_with_an_unregistered_graph_id_is_a_404(api, three):
    assert api.post("/assistants/count", {"graph_id": "nope"}).status_code == 404


def test_count_refuses_search_only_fields(api, three):
    response = api.post("/assistants/count", {"limit": 5})

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Invalid request: limit: Unknown field.",
        "errors": [{"loc": ["limit"], "msg": "Unknown field."}],
    }


def test_count_includes_the_default_assistants(api):
    assert api.post("/assistants/count", {"metadata": {"created_by": "system"}}).json() == 3
