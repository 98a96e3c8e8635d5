"""Fixtures shared by every test folder: users in each role, actors, clean default-assistant state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Each test starts as a freshly started process would: registry and start-up sync reset."""
    from assistants import startup
    from graphs.registry import reset_registry

    reset_registry()
    startup.reset()
    yield
    reset_registry()
    startup.reset()


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
def make_user(django_user_model, db):
    from django.contrib.auth.models import Group

    def make(username: str, *roles: str, password: str = "pw-for-tests-only", **extra):
        user = django_user_model.objects.create_user(username=username, password=password, **extra)
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
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


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
