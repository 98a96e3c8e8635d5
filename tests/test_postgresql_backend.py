"""The studio's PostgreSQL backend (studio/postgresql/base.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from assistants.models import Assistant
from tests.factories import make_assistant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MOMENTS = [
    "2026-12-04 15:36:15.358186+00",
    "2026-12-04 15:36:15+00",  # no fraction
    "2026-12-04 15:36:15.3+00",  # a short one
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2024-02-29 12:00:00.000001-07:30",  # an offset, shown in the session's UTC
]


def _loader(cursor):
    return cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text


def _read(cursor, literal: str) -> datetime:
    cursor.execute("SELECT %s::timestamptz", [literal])
    return cursor.fetchone()[0]


def test_timestamps_are_read_by_psycopg_as_django_would_read_them():
    with connection.cursor() as cursor:
        assert not issubclass(_loader(cursor), BaseTzLoader)  # not Django's Python loader
        fast = {literal: _read(cursor, literal) for literal in MOMENTS}
        djangos = connection.connection.adapters.get_loader(1184, 0)  # the connection keeps it
        assert issubclass(djangos, BaseTzLoader)
        cursor.cursor.adapters.register_loader("timestamptz", djangos)
        expected = {literal: _read(cursor, literal) for literal in MOMENTS}

    for literal in MOMENTS:
        assert fast[literal] == expected[literal]
        assert fast[literal].tzinfo is UTC  # the very object Django's loader sets
        assert fast[literal].isoformat() == expected[literal].isoformat()
    assert fast["2024-02-29 12:00:00.000001-07:30"] == datetime(
        2024, 2, 29, 19, 30, 0, 1, tzinfo=UTC
    )


def test_model_timestamps_come_back_aware_in_utc():
    assistant = make_assistant("writer")
    loaded = Assistant.objects.get(pk=assistant.pk)

    assert loaded.created_at == assistant.created_at
    assert loaded.created_at.tzinfo is UTC


def test_a_session_in_another_time_zone_keeps_djangos_loader():
    # psycopg would give that zone's tzinfo where Django's loader gives UTC's: Django's decides.
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'America/New_York'")
        try:
            with connection.cursor() as other:
                assert issubclass(_loader(other), BaseTzLoader)
                assert _read(other, MOMENTS[0]).tzinfo is UTC
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")


def test_another_django_time_zone_keeps_djangos_loader():
    # DATABASES TIME_ZONE (a database that stores local times) changes the connection's zone.
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.__dict__["timezone"] = timezone(timedelta(hours=2))  # a cached_property
    try:
        with connection.cursor() as cursor:
            assert issubclass(_loader(cursor), BaseTzLoader)
    finally:
        del wrapper.__dict__["timezone"]
    with connection.cursor() as cursor:
        assert not issubclass(_loader(cursor), BaseTzLoader)
