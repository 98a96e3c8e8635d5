"""The default assistants are created on a process's first request (assistants/startup.py)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client

from assistants import services
from assistants.models import Assistant


@pytest.mark.django_db(transaction=True)  # as served: autocommit, no test transaction
@pytest.mark.parametrize("path", ["/assistants/search", "/assistants/count"])
def test_on_an_api_request_the_creation_runs_under_the_time_limit(
    keys, settings, monkeypatch, caplog, path
):
    """A locked table cannot hold the first API request past STUDIO_QUERY_TIMEOUT_MS."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep is a PostgreSQL function")
    settings.STUDIO_QUERY_TIMEOUT_MS = 200
    real_sync = services.default_assistants_sync

    def blocked_sync() -> list:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")  # as if waiting on a lock
        return real_sync()

    monkeypatch.setattr(services, "default_assistants_sync", blocked_sync)
    client = Client(HTTP_X_API_KEY=keys.write)
    try:
        started = time.monotonic()
        response = client.post(path, {}, content_type="application/json")
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 1.5  # stopped at 0.2 s, not after the 2 s wait
        assert "Could not create the default assistants" in caplog.text
        assert not Assistant.objects.exists()

        monkeypatch.setattr(services, "default_assistants_sync", real_sync)
        client.post(path, {}, content_type="application/json")  # tried again
    finally:
        Client().get("/accounts/login/")  # a page request takes the limit off the connection

    assert Assistant.objects.filter(metadata__created_by="system").exists()
