"""POST /assistants/{id}/versions and POST /assistants/{id}/latest."""

from __future__ import annotations

import pytest

from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from assistants.services import version_save
from tests.api.conftest import TINY_DEFAULT, stamp

pytestmark = pytest.mark.django_db

ID = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def history(make_assistant):
    """Version 1 (blog, team x), 2 (tweet, team y, renamed), 3 (draft: not published)."""
    make_assistant(
        assistant_id=ID,
        name="Blog",
        description="v1",
        metadata={"team": "x"},
        config={"tags": ["t"]},
        context={"style": "blog"},
    )
    system = Actor.system_actor()
    version_save(
        actor=system,
        assistant_id=ID,
        context={"style": "tweet"},
        metadata={"team": "y"},
        merge_metadata=True,
        name="Tweets",
        description="v2",
        publish=True,
    )
    version_save(actor=system, assistant_id=ID, metadata={"draft": True}, merge_metadata=True)
    return {v.version: v for v in AssistantVersion.objects.filter(assistant_id=ID)}


def test_versions_lists_every_version_newest_first_as_whole_objects(api, history):
    response = api.post(f"/assistants/{ID}/versions", {})

    assert response.status_code == 200
    assert response.json() == [
        {
            "assistant_id": ID,
            "version": 3,
            "graph_id": "tiny",
            "config": {"tags": ["t"], "configurable": {"style": "tweet"}},
            "context": {"style": "tweet"},
            "metadata": {"team": "y", "draft": True},
            "created_at": stamp(history[3].created_at),
            "name": "Tweets",
            "description": "v2",
        },
        {
            "assistant_id": ID,
            "version": 2,
            "graph_id": "tiny",
            "config": {"tags": ["t"], "configurable": {"style": "tweet"}},
            "context": {"style": "tweet"},
            "metadata": {"team": "y"},
            "created_at": stamp(history[2].created_at),
            "name": "Tweets",
            "description": "v2",
        },
        {
            "assistant_id": ID,
            "version": 1,
            "graph_id": "tiny",
            "config": {"tags": ["t"], "configurable": {"style": "blog"}},
            "context": {"style": "blog"},
            "metadata": {"team": "x"},
            "created_at": stamp(history[1].created_at),
            "name": "Blog",
            "description": "v1",
        },
    ]
    assert list(response.json()[0]) == [
        "assistant_id",
        "version",
        "graph_id",
        "config",
        "context",
        "metadata",
        "created_at",
        "name",
        "description",
    ]


def test_versions_paginates_with_limit_and_offset(api, history):
    response = api.post(f"/assistants/{ID}/versions", {"limit": 1, "offset": 1})

    assert [v["version"] for v in response.json()] == [2]


def test_versions_filters_on_each_versions_own_metadata(api, history):
    response = api.post(f"/assistants/{ID}/versions", {"metadata": {"team": "y"}})

    assert [v["version"] for v in response.json()] == [3, 2]


def test_versions_with_a_filter_matching_nothing_is_an_empty_list(api, history):
    response = api.post(f"/assistants/{ID}/versions", {"metadata": {"team": "z"}})

    assert (response.status_code, response.json()) == (200, [])


def test_versions_of_an_unknown_assistant_is_a_404(api):
    response = api.post("/assistants/33333333-3333-3333-3333-333333333333/versions", {})

    assert response.status_code == 404
    assert response.json() == {"detail": "Assistant 33333333-3333-3333-3333-333333333333 not found"}


def test_versions_accepts_a_graph_id(api):
    response = api.post("/assistants/tiny/versions", {})

    assert [(v["assistant_id"], v["version"]) for v in response.json()] == [(TINY_DEFAULT, 1)]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"limit": 0},
            [{"loc": ["limit"], "msg": "Ensure this value is greater than or equal to 1."}],
        ),
        ({"offset": "1"}, [{"loc": ["offset"], "msg": "Must be an integer."}]),
        ({"metadata": 1}, [{"loc": ["metadata"], "msg": "Must be an object."}]),
        ({"select": ["name"]}, [{"loc": ["select"], "msg": "Unknown field."}]),
    ],
)
def test_versions_with_an_invalid_body_is_a_422(api, history, body, errors):
    response = api.post(f"/assistants/{ID}/versions", body)

    assert response.status_code == 422
    assert response.json()["errors"] == errors


# -- latest ----------------------------------------------------------------------------------------


def test_set_latest_restores_every_field_of_that_version_without_a_new_version(api, history):
    response = api.post(f"/assistants/{ID}/latest", {"version": 1})

    stored = Assistant.objects.get(pk=ID)
    assert response.status_code == 200
    assert response.json() == {
        "assistant_id": ID,
        "graph_id": "tiny",
        "config": {"tags": ["t"], "configurable": {"style": "blog"}},
        "context": {"style": "blog"},
        "metadata": {"team": "x"},
        "name": "Blog",
        "created_at": stamp(stored.created_at),
        "updated_at": stamp(stored.updated_at),
        "version": 1,
        "description": "v1",
    }
    assert AssistantVersion.objects.filter(assistant_id=ID).count() == 3


def test_a_patch_after_set_latest_gets_the_next_free_version_number(api, history):
    api.post(f"/assistants/{ID}/latest", {"version": 1})

    response = api.patch(f"/assistants/{ID}", {})

    assert response.json()["version"] == 4
    assert response.json()["context"] == {"style": "blog"}


def test_set_latest_can_publish_a_draft(api, history):
    response = api.post(f"/assistants/{ID}/latest", {"version": 3})

    assert (response.json()["version"], response.json()["metadata"]) == (
        3,
        {"team": "y", "draft": True},
    )


def test_set_latest_to_an_unknown_version_is_a_404(api, history):
    response = api.post(f"/assistants/{ID}/latest", {"version": 99})

    assert response.status_code == 404
    assert response.json() == {"detail": f"Version 99 not found for assistant {ID}"}


def test_set_latest_of_an_unknown_assistant_is_a_404(api):
    response = api.post("/assistants/33333333-3333-3333-3333-333333333333/latest", {"version": 1})

    assert response.status_code == 404
    assert response.json() == {"detail": "Assistant 33333333-3333-3333-3333-333333333333 not found"}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"loc": ["version"], "msg": "This field is required."}]),
        ({"version": "1"}, [{"loc": ["version"], "msg": "Must be an integer."}]),
        (
            {"version": 2**40},
            [{"loc": ["version"], "msg": "Ensure this value is less than or equal to 2147483647."}],
        ),
    ],
)
def test_set_latest_with_an_invalid_body_is_a_422(api, history, body, errors):
    response = api.post(f"/assistants/{ID}/latest", body)

    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_set_latest_with_the_version_as_a_query_parameter_is_refused(api, history):
    response = api.post(f"/assistants/{ID}/latest?version=2", {})

    assert response.status_code == 422
