"""HTTP validators: ETag on an assistant and its versions, 304 when the client's copy is current."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ID = "88888888-8888-8888-8888-888888888888"


@pytest.fixture
def target(make_assistant):
    return make_assistant(assistant_id=ID, name="Cached", metadata={"team": "a"})


def test_an_assistant_comes_with_an_etag_and_must_be_revalidated(api, target):
    first = api.get(f"/assistants/{ID}")
    second = api.get(f"/assistants/{ID}")

    assert first.status_code == 200
    assert first["Cache-Control"] == "no-cache"
    assert first["ETag"].startswith('"') and first["ETag"].endswith('"')
    assert second["ETag"] == first["ETag"]
    assert first.json()["name"] == "Cached"


def test_a_current_copy_gets_304_without_a_body(api, target):
    etag = api.get(f"/assistants/{ID}")["ETag"]

    response = api.get(f"/assistants/{ID}", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert (response["ETag"], response["Cache-Control"]) == (etag, "no-cache")


@pytest.mark.parametrize("header", ['"other", {etag}', "W/{etag}", "*"])
def test_if_none_match_accepts_lists_weak_tags_and_star(api, target, header):
    etag = api.get(f"/assistants/{ID}")["ETag"]

    response = api.get(f"/assistants/{ID}", HTTP_IF_NONE_MATCH=header.format(etag=etag))

    assert response.status_code == 304


def test_after_a_change_the_old_etag_gets_the_new_assistant(api, target):
    old = api.get(f"/assistants/{ID}")["ETag"]
    api.patch(f"/assistants/{ID}", {"name": "Renamed"})

    response = api.get(f"/assistants/{ID}", HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response["ETag"] != old


def test_an_unknown_assistant_is_still_a_404_whatever_the_etag(api):
    response = api.get(f"/assistants/{ID}", HTTP_IF_NONE_MATCH="*")

    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_versions_come_with_an_etag_and_304_when_unchanged(api, target):
    first = api.post(f"/assistants/{ID}/versions", {"limit": 50})
    etag = first["ETag"]

    same = api.post(f"/assistants/{ID}/versions", {"limit": 50}, HTTP_IF_NONE_MATCH=etag)
    api.patch(f"/assistants/{ID}", {"metadata": {"team": "b"}})
    changed = api.post(f"/assistants/{ID}/versions", {"limit": 50}, HTTP_IF_NONE_MATCH=etag)

    assert first["Cache-Control"] == "no-cache"
    assert [v["version"] for v in first.json()] == [1]
    assert (same.status_code, same.content) == (304, b"")
    assert changed.status_code == 200
    assert [v["version"] for v in changed.json()] == [2, 1]


def test_the_etag_depends_on_the_request_body_of_versions(api, target):
    api.patch(f"/assistants/{ID}", {})

    all_versions = api.post(f"/assistants/{ID}/versions", {"limit": 50})
    one = api.post(f"/assistants/{ID}/versions", {"limit": 1})

    assert all_versions["ETag"] != one["ETag"]
