"""A database written by an older version may hold lone surrogates: every read still works.

Before the API refused them, SQLite stored ``"\\ud83d"`` as JSON text, and then search, get,
versions, the assistant's pages and ``export_assistants`` all failed for everyone. The rows are
written here with plain SQL, as the old version left them; reads show U+FFFD in their place.
PostgreSQL never stored them (``jsonb`` refuses a lone surrogate), so these run on SQLite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion, AuditEntry

pytestmark = pytest.mark.django_db

# JSON text as Python's json.dumps wrote it: lone surrogates in a value, a key and a list.
OLD_METADATA = '{"team": "blue \\ud83d", "\\udc00key": ["x\\ud83d", "ok \\ud83d\\ude00"]}'
READ_BACK = {"team": "blue \ufffd", "\ufffdkey": ["x\ufffd", "ok \U0001f600"]}
OLD_CONTEXT = '{"system_prompt": "Write \\ud83d about {topic}."}'


@pytest.fixture
def old_row(db) -> Assistant:
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite ever stored lone surrogates (jsonb refuses them)")
    assistant, _ = services.assistant_create(
        actor=Actor.system_actor(), graph_id="writer", name="Old", metadata={"team": "blue"}
    )
    services.version_save(
        actor=Actor.system_actor(), assistant_id=assistant.pk, context={"temperature": 0.2}
    )
    with connection.cursor() as cursor:
        for table in (Assistant._meta.db_table, AssistantVersion._meta.db_table):
            cursor.execute(
                f"UPDATE {table} SET metadata = %s, context = %s WHERE assistant_id = %s",
                [OLD_METADATA, OLD_CONTEXT, assistant.pk.hex],
            )
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET payload = %s",
            [OLD_METADATA],
        )
    return assistant


@pytest.fixture
def api(db) -> APIClient:
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="reader")
    return APIClient(HTTP_X_API_KEY=raw)


def test_the_api_reads_old_rows_with_replacement_characters(api, old_row):
    got = api.get(f"/assistants/{old_row.pk}")
    assert got.status_code == 200, got.content[:300]
    assert got.json()["metadata"] == READ_BACK
    assert got.json()["context"] == {"system_prompt": "Write \ufffd about {topic}."}

    found = api.post("/assistants/search", {"graph_id": "writer"}, format="json")
    assert found.status_code == 200
    assert [a["metadata"] for a in found.json() if a["assistant_id"] == str(old_row.pk)] == [
        READ_BACK
    ]
    filtered = api.post("/assistants/search", {"metadata": {"team": "blue \ufffd"}}, format="json")
    assert filtered.status_code == 200
    assert api.post("/assistants/count", {}, format="json").status_code == 200

    versions = api.post(f"/assistants/{old_row.pk}/versions", {}, format="json")
    assert versions.status_code == 200
    assert {v["metadata"]["team"] for v in versions.json()} == {"blue \ufffd"}


def test_a_patch_over_an_old_row_stores_valid_text(api, old_row):
    patched = api.patch(f"/assistants/{old_row.pk}", {"name": "Renewed"}, format="json")

    assert patched.status_code == 200, patched.content[:300]
    newest = AssistantVersion.objects.filter(assistant=old_row).order_by("-version").first()
    assert newest is not None and newest.metadata == READ_BACK


def test_the_pages_show_old_rows(old_row, make_user):
    client = Client()
    client.force_login(make_user("olga", "editor"))
    pages = [
        reverse("assistants:assistant-list"),
        reverse("assistants:assistant-detail", args=[old_row.pk]),
        reverse("assistants:assistant-edit", args=[old_row.pk]),
        reverse("assistants:version-detail", args=[old_row.pk, 1]),
        reverse("assistants:version-compare", args=[old_row.pk]),
        reverse("admin:assistants_assistant_change", args=[old_row.pk]),
    ]
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_export_writes_every_old_row(old_row, tmp_path: Path):
    target = tmp_path / "backup.json"

    call_command("export_assistants", "--output", str(target))

    document = json.loads(target.read_text(encoding="utf-8"))
    (item,) = [a for a in document["assistants"] if a["assistant_id"] == str(old_row.pk)]
    assert item["versions"][0]["metadata"] == READ_BACK


@pytest.mark.parametrize("depth", [100, 300, 450])
def test_old_rows_nested_deeper_than_the_limit_still_read(api, old_row, make_user, depth, tmp_path):
    # Older versions stored nesting up to about 475 levels before failing; reads must survive it.
    deep = '{"a": ' * depth + '"x"' + "}" * depth
    with connection.cursor() as cursor:
        for table in (Assistant._meta.db_table, AssistantVersion._meta.db_table):
            cursor.execute(
                f"UPDATE {table} SET metadata = %s, context = %s WHERE assistant_id = %s",
                [deep, '{"system_prompt": ' + deep + "}", old_row.pk.hex],
            )
    assert api.get(f"/assistants/{old_row.pk}").status_code == 200
    assert api.post("/assistants/search", {"metadata": {"a": {"a": {}}}}, format="json").json()
    assert api.post(f"/assistants/{old_row.pk}/versions", {}, format="json").status_code == 200
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for url in [
        reverse("assistants:assistant-detail", args=[old_row.pk]),
        reverse("assistants:assistant-edit", args=[old_row.pk]),
        reverse("assistants:version-detail", args=[old_row.pk, 1]),
        reverse("assistants:version-compare", args=[old_row.pk]) + "?a=1&b=2",
        reverse("admin:assistants_assistant_change", args=[old_row.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    call_command("export_assistants", "--output", str(tmp_path / "deep.json"))
