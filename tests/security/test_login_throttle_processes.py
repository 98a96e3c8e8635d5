"""The sign-in throttle holds across worker processes: counts live in the database.

gunicorn with three workers on 127.0.0.1 (PostgreSQL, as the other multi-process tests): the
failures land on different processes, and the lock still comes at the limit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest
from django.db import connection

from assistants.models import AuditEntry
from assistants.services.security import LOGIN_LOCKED_OUT
from tests.reliability.conftest import _database_url, running_gunicorn

from .conftest import PASSWORD


@pytest.fixture
def server(transactional_db) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process server tests need PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.test_settings",
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        # plain http on 127.0.0.1: the cookies must travel without TLS
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STUDIO_LOGIN_FAILURE_LIMIT": "5",
    }
    try:
        with running_gunicorn(env) as url:
            yield url
    finally:
        connection.close()


def sign_in(url: str, username: str, password: str) -> httpx.Response:
    """A fresh browser: load the sign-in page, post the form (each on a new connection)."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        page = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        return browser.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Referer": f"{url}/accounts/login/"},
        )


def test_failures_spread_over_worker_processes_still_lock_at_the_limit(server, make_user) -> None:
    make_user("alice", "editor", password=PASSWORD)
    statuses = [sign_in(server, "alice", "wrong").status_code for _ in range(12)]
    assert statuses == [200] * 4 + [429] * 8
    locked = sign_in(server, "alice", PASSWORD)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert "sessionid" not in locked.cookies
    assert AuditEntry.objects.filter(action=LOGIN_LOCKED_OUT).count() == 1
