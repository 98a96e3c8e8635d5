"""``seed_assistants N --versions M`` writes consistent rows that the API and the pages serve.

Runs on SQLite (``bulk_create``) and on PostgreSQL (``COPY``, and ``--orm`` for ``bulk_create``).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from assistants.models import Assistant, AssistantVersion, Publication
from assistants.services import check_context
from tests.api.conftest import FIXTURES

pytestmark = pytest.mark.django_db

N, M = 12, 4


@pytest.fixture(autouse=True)
def _settings(settings) -> None:
    settings.STUDIO_GRAPHS_FILE = FIXTURES / "langgraph.json"
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def seed(*args: str) -> list[str]:
    out = StringIO()
    call_command("seed_assistants", *args, stdout=out)
    return out.getvalue().splitlines()


def check_consistent(count: int, versions: int) -> None:
    assistants = list(Assistant.objects.select_related("published_version"))
    assert len(assistants) == count
    assert AssistantVersion.objects.count() == count * versions
    by_assistant: dict = {}
    for row in AssistantVersion.objects.order_by("assistant_id", "version"):
        by_assistant.setdefault(row.assistant_id, []).append(row)
    for assistant in assistants:
        rows = by_assistant[assistant.pk]
        assert [row.version for row in rows] == list(range(1, versions + 1))
        assert [row.created_at for row in rows] == sorted(row.created_at for row in rows)
        live = assistant.published_version
        assert live is not None and live.assistant_id == assistant.pk
        assert live.version == assistant.version
        assert assistant.latest_version_number == versions
        assert assistant.has_draft == (assistant.version < versions)
        for field in ("graph_id", "name", "description", "metadata", "config", "context"):
            assert getattr(assistant, field) == getattr(live, field), field
        assert assistant.created_at == rows[0].created_at
        assert assistant.updated_at == live.created_at
        assert assistant.metadata["seeded"] is True
        for row in rows:
            check_context(graph_id=row.graph_id, context=row.context)  # valid for the graph
            assert row.config.get("configurable", {}) == row.context
        moves = list(Publication.objects.filter(assistant=assistant).order_by("created_at", "id"))
        assert moves[0].from_version is None and moves[0].to_version == 1
        assert moves[-1].to_version == assistant.version
    # Realistic contexts: filled in, and consecutive versions differ.
    sample = by_assistant[assistants[0].pk]
    assert all(row.context for row in sample)
    if versions > 1:
        assert sample[0].context != sample[1].context


def check_served(versions: int, make_user) -> None:
    from assistants.actors import Actor
    from assistants.services import api_key_create

    _, key = api_key_create(actor=Actor.system_actor(), name="seed-check")
    api = Client(HTTP_X_API_KEY=key)
    found = api.post(
        "/assistants/search",
        {"metadata": {"team": "team-7"}, "limit": 20},
        content_type="application/json",
    )
    assert found.status_code == 200
    assert [row["metadata"]["index"] for row in found.json()] == [7]
    assistant_id = found.json()[0]["assistant_id"]
    stored = Assistant.objects.get(pk=assistant_id)
    got = api.get(f"/assistants/{assistant_id}").json()
    assert (got["version"], got["context"]) == (stored.version, stored.context)
    history = api.post(
        f"/assistants/{assistant_id}/versions", {"limit": 100}, content_type="application/json"
    ).json()
    assert [row["version"] for row in history] == list(range(versions, 0, -1))

    pages = Client()
    pages.force_login(make_user("vera", "viewer"))
    listing = pages.get(reverse("assistants:assistant-list"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"{N} assistants" in html and "Seeded assistant 0" in html
    detail = pages.get(reverse("assistants:assistant-detail", args=[assistant_id]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert f"v{stored.version} live" in html
    history_table = html.split('id="versions"')[1].split("</section>")[0]
    assert history_table.count("Seeded change") == versions - 1
    assert (f"draft v{versions}" in html) == stored.has_draft


def test_seeding_with_versions_writes_consistent_rows_that_are_served(make_user) -> None:
    lines = seed(str(N), "--versions", str(M), "--batch-size", "5", "--drafts", "0.5")

    assert [line.split(":")[0] for line in lines[:-1]] == [
        "5/12 assistants",
        "10/12 assistants",
        "12/12 assistants",
    ]
    assert all("rows/s" in line for line in lines)
    assert lines[-1].startswith(f"Seeded {N} assistants x {M} versions of graph 'tiny'")
    check_consistent(N, M)
    drafts = Assistant.objects.with_draft().count()
    assert 0 < drafts < N  # some have drafts, some do not (seeded, so this is stable)
    assert f"{drafts} with a draft" in lines[-1]
    check_served(M, make_user)


def test_one_version_is_the_default_and_is_published(make_user) -> None:
    seed(str(N))

    check_consistent(N, 1)
    assert not Assistant.objects.with_draft().exists()
    assert Publication.objects.count() == N


def snapshot() -> dict[int, tuple]:
    """Every seeded row by assistant index, without ids and with times relative to creation."""
    result = {}
    for assistant in Assistant.objects.select_related("published_version"):
        start = assistant.created_at
        versions = [
            (
                v.version,
                v.name,
                v.metadata,
                v.config,
                v.context,
                v.note,
                v.author,
                v.created_at - start,
            )
            for v in assistant.versions.order_by("version")
        ]
        moves = [
            (p.from_version, p.to_version, p.actor, p.created_at - start)
            for p in assistant.publications.order_by("created_at", "id")
        ]
        result[assistant.metadata["index"]] = (
            assistant.version,
            assistant.published_version.version,
            assistant.latest_version_number,
            assistant.updated_at - start,
            versions,
            moves,
        )
    return result


@pytest.mark.postgres
def test_copy_and_bulk_create_write_the_same_rows() -> None:
    assert connection.vendor == "postgresql"
    seed("8", "--versions", "3", "--seed", "4", "--drafts", "0.5")
    check_consistent(8, 3)
    by_copy = snapshot()
    for assistant in Assistant.objects.all():
        assistant.delete()

    lines = seed("8", "--versions", "3", "--seed", "4", "--drafts", "0.5", "--orm")

    assert "bulk_create" in lines[-1]
    check_consistent(8, 3)
    assert snapshot() == by_copy


def test_bad_arguments_are_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--versions"):
        seed("1", "--versions", "0")
    with pytest.raises(CommandError, match="--drafts"):
        seed("1", "--drafts", "2")
