"""``create_api_key`` and ``seed_assistants``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from assistants.models import ApiKey, Assistant, AssistantVersion, AuditEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_create_api_key_prints_the_raw_key_last_and_says_it_is_shown_once(api_client_for):
    lines = run("create_api_key", "zapier")

    key = ApiKey.objects.get(name="zapier")
    raw = lines[-1]
    assert lines[:-1] == [
        f"Created read-write API key 'zapier' (prefix {key.prefix}).",
        "This key is shown only once; store it now. Revoke it in the admin.",
    ]
    assert raw.startswith(key.prefix)
    assert ApiKey.digest_for(raw) == key.digest
    assert key.scope == ApiKey.SCOPE_WRITE
    assert api_client_for(raw).post("/assistants", {"graph_id": "tiny"}).status_code == 200
    assert AuditEntry.objects.filter(action="api_key.created", payload__name="zapier").exists()


def test_create_api_key_read_only_makes_a_key_that_cannot_write(api_client_for):
    raw = run("create_api_key", "dashboard", "--read-only")[-1]

    client = api_client_for(raw)
    assert ApiKey.objects.get(name="dashboard").scope == ApiKey.SCOPE_READ
    assert client.post("/assistants/search", {}).status_code == 200
    assert client.post("/assistants", {"graph_id": "tiny"}).status_code == 403


def test_seed_assistants_loads_published_assistants_that_search_finds(api, no_default_assistants):
    run("seed_assistants", "250", "--batch-size", "100")

    assert Assistant.objects.count() == 250
    assert AssistantVersion.objects.count() == 250
    assert not Assistant.objects.filter(published_version__isnull=True).exists()
    response = api.post("/assistants/search", {"metadata": {"team": "team-7"}, "limit": 20})
    assert response["X-Pagination-Total"] == "3"  # indexes 7, 107, 207
    assert {a["metadata"]["index"] for a in response.json()} == {7, 107, 207}
    assert (
        api.post(f"/assistants/{response.json()[0]['assistant_id']}/versions", {}).json()[0][
            "version"
        ]
        == 1
    )


def test_seed_assistants_continues_the_numbering(no_default_assistants):
    run("seed_assistants", "3")
    run("seed_assistants", "2")

    assert sorted(a.metadata["index"] for a in Assistant.objects.all()) == [0, 1, 2, 3, 4]
