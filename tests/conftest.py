"""The one fixture world every test folder shares.

- settings: ``graphs_file`` (which langgraph.json the registry reads; a folder overrides this
  fixture to pick its graphs) and ``no_default_assistants``;
- people: ``make_user``, ``viewer``/``editor``/``publisher`` (one user per role), ``superuser``
  and their actors;
- data: ``blog`` (three versions), ``blog_v1`` (one version), ``make_assistant``, ``keys``;
- clients: ``client_for(user)`` and ``viewer_client``/``editor_client``/``publisher_client``/
  ``nobody_client``/``anonymous_client``/``superuser_client`` for pages, ``client_as(principal)``
  for the permission tables (a role or an API key).

The values behind them live in ``tests/factories.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests import factories
from tests.factories import PASSWORD, Keys


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Each test starts as a freshly started process would: registry and start-up sync reset."""
    from assistants import counts, startup
    from assistants.api.auth import forget_keys
    from graphs.registry import reset_registry

    reset_registry()
    startup.reset()
    counts.clear()
    forget_keys()
    yield
    reset_registry()
    startup.reset()
    counts.clear()
    forget_keys()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks / JSONB); set DATABASE_URL=postgres://..."
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# -- settings ----------------------------------------------------------------------------------


@pytest.fixture
def graphs_file() -> Path | None:
    """The langgraph.json of the test (None: the settings' own, the demo graphs).

    A folder's conftest overrides this fixture to return ``factories.TEST_GRAPHS``,
    ``factories.WRITER_GRAPHS`` or ``factories.DEMO_GRAPHS``.
    """
    return None


@pytest.fixture(autouse=True)
def _graphs_file_setting(settings, graphs_file: Path | None) -> None:
    if graphs_file is not None:
        settings.STUDIO_GRAPHS_FILE = graphs_file


@pytest.fixture
def no_default_assistants(settings) -> None:
    """Keep the table to what the test creates (no per-graph default assistants)."""
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False


# -- people ------------------------------------------------------------------------------------


@pytest.fixture
def make_user(django_user_model, db) -> Callable[..., Any]:
    """``make_user("name", "editor", ...)``: a user in the given roles (groups)."""

    def make(username: str, *roles: str, password: str = PASSWORD, **extra: Any) -> Any:
        user = django_user_model.objects.create_user(username=username, password=password, **extra)
        for role in roles:
            user.groups.add(factories.role(role))
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user("vera", "viewer")


@pytest.fixture
def editor(make_user):
    return make_user("eddie", "editor")


@pytest.fixture
def publisher(make_user):
    return make_user("pat", "publisher")


@pytest.fixture
def superuser(django_user_model, db) -> Any:
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def system_actor():
    from assistants.actors import Actor

    return Actor.system_actor()


@pytest.fixture
def publisher_actor(publisher):
    from assistants.actors import Actor

    return Actor(user=publisher)


@pytest.fixture
def editor_actor(editor):
    from assistants.actors import Actor

    return Actor(user=editor)


# -- data --------------------------------------------------------------------------------------


@pytest.fixture
def blog(db) -> Any:
    """The Blog writer: v1, v2 (published), v3 (the draft)."""
    return factories.make_blog()


@pytest.fixture
def blog_v1(db) -> Any:
    """A writer with one published version, ``metadata`` and ``config``."""
    return factories.make_blog_v1()


@pytest.fixture
def make_assistant(db) -> Callable[..., Any]:
    """``make_assistant("tiny", name=...)``: create an assistant through the service."""
    return factories.make_assistant


@pytest.fixture
def keys(db) -> Keys:
    """Raw API keys: ``write``, ``read`` (read-only), ``revoked`` and ``unknown``."""
    return factories.make_keys()


# -- clients -----------------------------------------------------------------------------------


@pytest.fixture
def client_for(db) -> Callable[[Any], Client]:
    """``client_for(user)``: a page client signed in as ``user`` (None: anonymous)."""

    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def viewer_client(client_for, viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def editor_client(client_for, editor) -> Client:
    return client_for(editor)


@pytest.fixture
def publisher_client(client_for, publisher) -> Client:
    return client_for(publisher)


@pytest.fixture
def nobody_client(client_for, make_user) -> Client:
    """Signed in, but in no role."""
    return client_for(make_user("nora"))


@pytest.fixture
def anonymous_client(db) -> Client:
    return Client()


@pytest.fixture
def superuser_client(client_for, superuser) -> Client:
    return client_for(superuser)


SESSION_ROLES: dict[str, tuple[str, ...]] = {
    "norole": (),
    "viewer": ("viewer",),
    "editor": ("editor",),
    "publisher": ("publisher",),
}
KEY_PRINCIPALS = {
    "read_key": "read",
    "write_key": "write",
    "revoked_key": "revoked",
    "unknown_key": "unknown",
}


@pytest.fixture
def client_as(db, make_user, keys) -> Callable[..., Client]:
    """``client_as("editor")``: a client for a principal of the permission tables.

    Session principals are users signed in with a role (``norole``: signed in, in no group);
    key principals send ``X-Api-Key`` and have no session; ``viewer_and_write_key`` is a signed-in
    viewer whose browser also sends a read-write key (a key must not add page rights).
    """
    users: dict[str, Any] = {}

    def user(role: str) -> Any:
        if role not in users:
            users[role] = make_user(f"{role}-user", *SESSION_ROLES[role])
        return users[role]

    def make(principal: str, **client_kwargs: Any) -> Client:
        headers: dict[str, str] = {}
        session_role: str | None = None
        if principal in SESSION_ROLES:
            session_role = principal
        elif principal in KEY_PRINCIPALS:
            headers["X-Api-Key"] = getattr(keys, KEY_PRINCIPALS[principal])
        elif principal == "viewer_and_write_key":
            session_role = "viewer"
            headers["X-Api-Key"] = keys.write
        elif principal != "anonymous":
            raise ValueError(f"Unknown principal {principal!r}")
        client = Client(headers=headers, **client_kwargs)
        if session_role is not None:
            client.force_login(user(session_role))
        return client

    return make
