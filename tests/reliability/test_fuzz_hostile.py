"""Hostile bodies, generated: odd Unicode in every JSON field, deep and wide JSON, chunked bodies.

Each run sends hypothesis-generated bodies to every endpoint that takes one, then checks the
database is still whole: search, get, the pages and ``export_assistants`` all work. The rules:
never a 5xx; a 200 stores exactly what was sent (nothing silently dropped); a refusal stores
nothing. ``STUDIO_FUZZ_HOSTILE_EXAMPLES`` sets the examples per test (default 60: about a minute
on both databases, the gunicorn start included).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from tests.reliability.test_chunked_bodies import send, send_chunked

pytestmark = [pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("STUDIO_FUZZ_HOSTILE_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: Valid but unusual text: stored and returned exactly.
ODD = [
    "\u202e",  # right-to-left override
    "\u200f\u200e",  # right-to-left / left-to-right marks
    "\u2066\u2069",  # isolates
    "\ufffe",
    "\uffff",
    "\ufdd0",  # non-characters
    "\U0010ffff",
    "\ufeff",  # byte order mark
    "e\u0301\u0308\u0308",  # combining marks
    "\U0001f469\u200d\U0001f4bb",  # a joined emoji
    "\ufffd",
    "\\ud83d",  # a backslash and letters, not an escape
    "",
]
#: What no database stores: refused with a 422 wherever it is.
BAD = [
    "\ud83d",  # lone high surrogate
    "\udc00",  # lone low surrogate
    "\ude00\ud83d",  # a pair in the wrong order
    "\x00",  # NUL
]

good_text = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(exclude_characters="\x00"), max_size=12),
    st.builds(
        lambda a, b: a + b,
        st.text(max_size=5).filter(lambda t: "\x00" not in t),
        st.sampled_from(ODD),
    ),
)
bad_text = st.one_of(
    st.sampled_from(BAD),
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=12),  # surrogates, NUL
    st.builds(lambda a, b, c: a + b + c, good_text, st.sampled_from(BAD), good_text),
)
# Mostly good strings, so that a fair share of bodies is valid and the "stored exactly" rule
# is exercised as much as the refusals.
hostile_text = st.one_of(*[good_text] * 6, bad_text)
scalars = st.one_of(
    hostile_text, st.integers(-(2**53), 2**53), st.booleans(), st.none(), st.floats(-1e9, 1e9)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(hostile_text, json_values, max_size=5)


def _valid_text(value: Any) -> bool:
    """True when every string and key of ``value`` is storable (no NUL, no lone surrogate)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\\u0000" not in json.dumps(value)


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()  # ASCII: surrogates and NUL travel as \u escapes


# -- the database must stay readable -------------------------------------------------------------


def check_database_whole(api: APIClient, pages: Client, tmp_path: Path) -> None:
    found = api.post("/assistants/search", {"limit": 1000}, format="json")
    assert found.status_code == 200, found.content[:300]
    assert api.post("/assistants/count", {}, format="json").status_code == 200
    for row in found.json():
        assert api.get(f"/assistants/{row['assistant_id']}").status_code == 200
        versions = api.post(f"/assistants/{row['assistant_id']}/versions", {}, format="json")
        assert versions.status_code == 200
    for assistant in Assistant.objects.order_by("created_at")[:20]:
        url = reverse("assistants:assistant-detail", args=[assistant.pk])
        assert pages.get(url).status_code == 200, url
    assert pages.get(reverse("assistants:assistant-list")).status_code == 200
    target = tmp_path / "export.json"
    call_command("export_assistants", "--output", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert len(document["assistants"]) == Assistant.objects.count()


@pytest.fixture(autouse=True)
def _only_what_the_test_makes(settings) -> None:
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False


@pytest.fixture
def api(db) -> APIClient:
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="fuzz-hostile")
    return APIClient(HTTP_X_API_KEY=raw)


@pytest.fixture
def pages(db, make_user) -> Client:
    client = Client()
    client.force_login(make_user("fuzzy", "editor"))
    return client


@pytest.fixture
def blog(db) -> Assistant:
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="writer", name="Blog", metadata={"team": "blue"}
    )
    return assistant


def _post(api: APIClient, method: str, path: str, raw: bytes):
    return api.generic(method, path, raw, content_type="application/json")


# -- every JSON field of every body --------------------------------------------------------------


def test_odd_unicode_in_every_field_of_a_create_is_stored_exactly_or_refused(api, pages, tmp_path):
    seen = {"200": 0, "422": 0}

    @FUZZ
    @given(
        name=hostile_text.filter(bool),  # an empty name means "Untitled"
        description=hostile_text,
        metadata=json_objects,
        config=st.fixed_dictionaries({}, optional={"tags": st.lists(hostile_text, max_size=3)}),
        prompt=hostile_text,
    )
    def create(name, description, metadata, config, prompt) -> None:
        body = {
            "graph_id": "writer",
            "name": name,
            "description": description,
            "metadata": metadata,
            "config": config,
            "context": {"system_prompt": prompt},
        }
        before = AssistantVersion.objects.count()
        response = _post(api, "POST", "/assistants", _encode(body))
        assert response.status_code < 500, response.content[:300]
        if response.status_code == 200:
            seen["200"] += 1
            assert _valid_text(body), body
            got = api.get(f"/assistants/{response.json()['assistant_id']}").json()
            assert got["name"] == name and got["description"] == description
            assert got["context"]["system_prompt"] == prompt
            for key, value in metadata.items():
                if key not in {"thread_id", "assistant_id", "run_id", "cron_id"}:
                    assert got["metadata"][key] == value
        else:
            assert response.status_code == 422, response.content[:300]
            seen["422"] += 1
            assert AssistantVersion.objects.count() == before

    create()
    print(f"fuzz create: {seen}")
    assert seen["200"] and seen["422"], "the examples should both pass and fail"
    check_database_whole(api, pages, tmp_path)


def test_odd_unicode_in_patches_and_filters_never_breaks_a_read(api, pages, blog, tmp_path):
    @FUZZ
    @given(
        metadata=json_objects,
        name=hostile_text.filter(bool),  # an empty name means "Untitled"
        where=st.sampled_from(["patch", "search", "count", "versions"]),
    )
    def exercise(metadata, name, where) -> None:
        versions_before = AssistantVersion.objects.filter(assistant=blog).count()
        if where == "patch":
            body = {"metadata": metadata, "name": name}
            response = _post(api, "PATCH", f"/assistants/{blog.pk}", _encode(body))
        elif where == "versions":
            body = {"metadata": metadata}
            response = _post(api, "POST", f"/assistants/{blog.pk}/versions", _encode(body))
        else:
            body = {"metadata": metadata, "name": name}
            response = _post(api, "POST", f"/assistants/{where}", _encode(body))
        assert response.status_code < 500, response.content[:300]
        assert response.status_code in (200, 404, 422), response.content[:300]
        if response.status_code == 422:
            assert AssistantVersion.objects.filter(assistant=blog).count() == versions_before
        elif where == "patch":
            assert _valid_text(body)
            assert api.get(f"/assistants/{blog.pk}").json()["name"] == name

    exercise()
    print(
        f"fuzz patches and filters: {AssistantVersion.objects.filter(assistant=blog).count()} versions"
    )
    check_database_whole(api, pages, tmp_path)


def test_raw_bytes_that_are_not_utf8_are_refused(api, blog):
    @FUZZ
    @given(metadata=json_objects)
    def exercise(metadata) -> None:
        # Unescaped surrogates written as UTF-8 bytes: not UTF-8 at all.
        raw = json.dumps({"metadata": metadata}, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
        response = _post(api, "PATCH", f"/assistants/{blog.pk}", raw)
        assert response.status_code in (200, 422), response.content[:300]

    exercise()
    assert api.get(f"/assistants/{blog.pk}").status_code == 200


# -- very deep and very wide JSON ----------------------------------------------------------------


def test_deep_and_wide_json_is_answered_without_server_errors(api, pages, blog, tmp_path):
    @settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
    @given(
        depth=st.integers(1, 3000),
        width=st.integers(0, 20_000),
        shape=st.sampled_from(["[", "{"]),
        where=st.sampled_from(["metadata", "context", "config", "filter"]),
    )
    def exercise(depth, width, shape, where) -> None:
        opened = '{"a": ' if shape == "{" else "["
        closed = "}" if shape == "{" else "]"
        leaf = "[" + ",".join(["0"] * width) + "]"
        nested = opened * depth + leaf + closed * depth
        if where == "filter":
            path, raw = "/assistants/search", '{"metadata": {"x": ' + nested + "}}"
        elif where == "context":
            path, raw = "/assistants", '{"graph_id": "writer", "context": {"x": ' + nested + "}}"
        else:
            path, raw = (
                "/assistants",
                '{"graph_id": "writer", "' + where + '": {"x": ' + nested + "}}",
            )
        response = _post(api, "POST", path, raw.encode())
        assert response.status_code < 500, (depth, width, response.content[:300])
        if depth + 3 > 64:
            assert response.status_code == 422
            assert "nested deeper than 64 levels" in response.json()["detail"]

    exercise()
    check_database_whole(api, pages, tmp_path)


# -- chunked bodies through gunicorn: the same answer as with Content-Length ---------------------


@pytest.mark.slow_server
def test_a_chunked_body_gets_the_same_answer_as_with_a_content_length(
    served_on_either_database,
):
    served = served_on_either_database
    created = send(served, "POST", "/assistants", {"graph_id": "writer", "name": "Chunks"})
    assistant_id = created.json()["assistant_id"]

    @settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
    @given(
        metadata=json_objects,
        chunk_size=st.integers(1, 64),
        path=st.sampled_from(["/assistants/search", "/assistants/count", "versions"]),
    )
    def exercise(metadata, chunk_size, path) -> None:
        where = f"/assistants/{assistant_id}/versions" if path == "versions" else path
        body = _encode({"metadata": metadata})
        chunked = send_chunked(served, "POST", where, body, chunk_size=chunk_size)
        framed = send(served, "POST", where, {"metadata": metadata})
        assert chunked.status < 500 and chunked.status == framed.status, chunked.body[:300]
        assert chunked.json() == framed.json()

    exercise()
    # Writes, chunked: each stored exactly or refused; the assistant stays readable.
    for metadata in ({"k": "\ud83d"}, {"k": "\x00"}, {"k": "\u202e\ufdd0 e\u0301"}):
        patched = send_chunked(
            served, "PATCH", f"/assistants/{assistant_id}", _encode({"metadata": metadata})
        )
        assert patched.status in (200, 422), patched.body[:300]
        got = send(served, "GET", f"/assistants/{assistant_id}")
        assert got.status == 200
        if patched.status == 200:
            assert got.json()["metadata"]["k"] == metadata["k"]
    assert send(served, "POST", "/assistants/search", {"limit": 100}).status == 200
