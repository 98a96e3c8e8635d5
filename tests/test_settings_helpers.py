from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from studio import settings as studio_settings


def test_env_bool_refuses_a_value_it_does_not_understand(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        studio_settings.env_bool("SOME_FLAG", default=False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert studio_settings.env_bool("SOME_FLAG", default=not expected) is expected


def test_env_int_refuses_a_non_integer(monkeypatch):
    monkeypatch.setenv("SOME_INT", "12a")
    with pytest.raises(ImproperlyConfigured, match="is not an integer"):
        studio_settings.env_int("SOME_INT", 3)


def test_a_postgres_url_becomes_a_psycopg_database():
    db = studio_settings.database_from_url(
        "postgres://me:s%40cret@db.local:6543/studio?sslmode=require"
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "studio",
        "me",
        "s@cret",
        "db.local",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_a_sqlite_url_becomes_a_file_under_the_repo_when_relative():
    db = studio_settings.database_from_url("sqlite:///data/x.sqlite3")
    assert db["NAME"] == Path(studio_settings.BASE_DIR) / "data/x.sqlite3"
    assert studio_settings.database_from_url("sqlite:////tmp/abs.sqlite3")["NAME"] == Path(
        "/tmp/abs.sqlite3"
    )


def test_an_unknown_database_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        studio_settings.database_from_url("mysql://x/y")
