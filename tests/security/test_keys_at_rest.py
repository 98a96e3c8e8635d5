"""API keys at rest: only a SHA-256 digest is stored, the raw key is shown once, revocation is instant.

"Stored" is checked the hard way: every cell of every table in the database is read back with
plain SQL and searched for the key (and for its secret part, past the stored prefix).
"""

from __future__ import annotations

import hashlib
import json
import logging
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, AuditEntry

pytestmark = pytest.mark.django_db


def _text(value: Any) -> str:
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).decode("utf-8", errors="ignore")
    return str(value)


def cells_containing(needle: str, tables: list[str] | None = None) -> list[tuple[str, str]]:
    """(table, cell) for each cell of ``tables`` (default: all) that contains ``needle``."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in tables or connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - names from introspection
            for row in cursor.fetchall():
                found += [
                    (table, _text(cell))
                    for cell in row
                    if cell is not None and needle in _text(cell)
                ]
    return found


def secret_part(raw: str, key: ApiKey) -> str:
    """What of the key is not the (deliberately stored) prefix."""
    assert raw.startswith(key.prefix)
    return raw[len(key.prefix) :]


def _json_call(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_a_key_is_stored_as_its_sha256_digest_and_nothing_else(db) -> None:
    key, raw = services.api_key_create(actor=Actor.system_actor(), name="ci")

    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert len(raw) >= 40 and raw.startswith("sk-studio-")
    assert len(stored.prefix) < len(raw) - 32  # the prefix leaves at least 32 secret characters
    for model in (ApiKey, AuditEntry):
        table = model._meta.db_table
        assert cells_containing(raw, [table]) == []
        assert cells_containing(secret_part(raw, stored), [table]) == []


def test_after_keys_are_used_revoked_and_audited_no_table_holds_one(blog, keys) -> None:
    write, read = (
        Client(headers={"X-Api-Key": keys.write}),
        Client(headers={"X-Api-Key": keys.read}),
    )
    made = _json_call(write, "post", "/assistants", {"graph_id": "writer", "name": "Via the API"})
    assert made.status_code == 200
    assert (
        _json_call(write, "patch", f"/assistants/{blog.pk}", {"name": "Renamed"}).status_code == 200
    )
    assert _json_call(read, "post", "/assistants/search", {}).status_code == 200
    assert (
        _json_call(write, "delete", f"/assistants/{made.json()['assistant_id']}").status_code == 204
    )
    services.api_key_revoke(
        actor=Actor.system_actor(), keys=ApiKey.objects.filter(name="integration")
    )
    assert AuditEntry.objects.filter(actor_api_key__isnull=False).count() >= 3  # the key's actions

    for raw in (keys.write, keys.read, keys.revoked):
        key = ApiKey.objects.get(digest=ApiKey.digest_for(raw))
        assert cells_containing(raw) == []
        assert cells_containing(secret_part(raw, key)) == []


def test_a_key_never_reaches_the_logs(blog, keys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client(headers={"X-Api-Key": keys.write})

    _json_call(client, "patch", f"/assistants/{blog.pk}", {"name": "Logged?"})
    _json_call(client, "get", "/assistants/not-a-uuid-or-graph")
    _json_call(Client(headers={"X-Api-Key": keys.revoked}), "get", f"/assistants/{blog.pk}")

    for raw in (keys.write, keys.revoked):
        assert raw not in caplog.text


@pytest.mark.parametrize(("flags", "scope"), [([], "write"), (["--read-only"], "read")])
def test_create_api_key_prints_the_key_exactly_once(db, flags, scope) -> None:
    out, err = StringIO(), StringIO()

    call_command("create_api_key", "deploy bot", *flags, stdout=out, stderr=err)

    lines = out.getvalue().splitlines()
    raw = lines[-1]
    key = ApiKey.objects.get()
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert (key.name, key.scope) == ("deploy bot", scope)
    assert out.getvalue().count(raw) == 1
    assert out.getvalue().count(secret_part(raw, key)) == 1
    assert raw not in err.getvalue()
    assert cells_containing(raw) == []


def test_the_admin_never_shows_a_key_or_its_digest(superuser_client: Client, keys) -> None:
    revoked = ApiKey.objects.get(digest=ApiKey.digest_for(keys.revoked))
    write = ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))
    entries = AuditEntry.objects.filter(action__startswith="api_key.")
    pages = [
        reverse("admin:assistants_apikey_changelist"),
        reverse("admin:assistants_apikey_changelist") + "?q=sk-studio",
        reverse("admin:assistants_apikey_change", args=[write.pk]),
        reverse("admin:assistants_apikey_change", args=[revoked.pk]),
        reverse("admin:assistants_apikey_history", args=[write.pk]),
        reverse("admin:assistants_auditentry_changelist"),
        *[reverse("admin:assistants_auditentry_change", args=[e.pk]) for e in entries],
    ]
    assert len(pages) >= 10

    for url in pages:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for raw in (keys.read, keys.write, keys.revoked):
            key = ApiKey.objects.get(digest=ApiKey.digest_for(raw))
            assert raw not in html and secret_part(raw, key) not in html, url
            assert key.digest not in html, url


def test_the_admin_cannot_make_or_edit_a_key(superuser_client: Client, keys) -> None:
    """A key made in the admin could not be shown once; a key edited there could change scope."""
    write = ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))

    assert superuser_client.get(reverse("admin:assistants_apikey_add")).status_code == 403
    change = superuser_client.get(reverse("admin:assistants_apikey_change", args=[write.pk]))
    assert 'name="scope"' not in change.content.decode()
    assert 'name="digest"' not in change.content.decode()


def test_a_revoked_key_stops_working_on_the_next_request(blog, keys) -> None:
    client = Client(headers={"X-Api-Key": keys.write})
    assert client.get(f"/assistants/{blog.pk}").status_code == 200

    services.api_key_revoke(
        actor=Actor.system_actor(), keys=[ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))]
    )
    response = client.get(f"/assistants/{blog.pk}")

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "This API key has been revoked."},
    )


def test_a_key_revoked_in_the_admin_stops_working_at_once(
    superuser_client: Client, blog, keys
) -> None:
    integration = Client(headers={"X-Api-Key": keys.write})
    assert integration.get(f"/assistants/{blog.pk}").status_code == 200
    key = ApiKey.objects.get(digest=ApiKey.digest_for(keys.write))

    superuser_client.post(
        reverse("admin:assistants_apikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [str(key.pk)]},
    )

    assert _json_call(integration, "get", f"/assistants/{blog.pk}").status_code == 401
    patched = _json_call(integration, "patch", f"/assistants/{blog.pk}", {"name": "Too late"})
    assert patched.status_code == 401
    assert AuditEntry.objects.filter(action="api_key.revoked", payload__prefix=key.prefix).exists()


def test_a_key_differing_in_one_character_is_refused(blog, keys) -> None:
    last = keys.write[-1]
    wrong = keys.write[:-1] + ("A" if last != "A" else "B")

    response = Client(headers={"X-Api-Key": wrong}).get(f"/assistants/{blog.pk}")

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid API key."})
