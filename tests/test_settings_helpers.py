from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
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


# -- every variable settings.py reads: a bad value stops the start, naming the variable -----------

SETTINGS_FILE = Path(studio_settings.__file__)
ROOT = SETTINGS_FILE.parent.parent

#: (variable, bad value, what the message must say). Every variable studio/settings.py reads
#: needs at least one row (test_every_variable_settings_reads_has_a_bad_value_here checks it).
BAD_VALUES: list[tuple[str, str, str]] = [
    ("DEBUG", "perhaps", "DEBUG='perhaps' is not a boolean"),
    ("SECRET_KEY", "   ", "SECRET_KEY is not set"),
    ("STUDIO_ALLOW_DEV_SECRET", "sure", "STUDIO_ALLOW_DEV_SECRET='sure' is not a boolean"),
    ("ALLOWED_HOSTS", "https://studio.example.com", "ALLOWED_HOSTS entry 'https://studio"),
    ("ALLOWED_HOSTS", "studio.example.com:8000", "ALLOWED_HOSTS entry 'studio.example.com:8000'"),
    ("CSRF_TRUSTED_ORIGINS", "studio.example.com", "CSRF_TRUSTED_ORIGINS entry"),
    ("CSRF_TRUSTED_ORIGINS", "https://studio.example.com/app", "is not an origin"),
    ("DATABASE_URL", "postgres://me:pw@db:abc/studio", "has a port that is not a number"),
    ("DATABASE_URL", "postgres://me@db:70000/studio", "has a port that is not a number"),
    ("DATABASE_URL", "postgres://me@db:0/studio", "has a port that is not a number"),
    ("DATABASE_URL", "postgres://db/studio?conn_max_age=soon", "conn_max_age='soon'"),
    ("DATABASE_URL", "postgres://db/studio?conn_max_age=-1", "conn_max_age='-1'"),
    ("DATABASE_URL", "postgres://db/studio?sslmod=require", "option 'sslmod'"),
    ("DATABASE_URL", "postgres://db/studio?sslmode=", "gives the option 'sslmode' no value"),
    ("DATABASE_URL", "postgres://db/studio?sslmode=a&sslmode=b", "'sslmode' more than once"),
    ("DATABASE_URL", "postgres://db/studio?dbname=other", "'dbname' both in the URL"),
    ("DATABASE_URL", "postgres://db/studio/extra", "a database name has no '/'"),
    ("DATABASE_URL", "postgres://db/", "names no database"),
    ("DATABASE_URL", "postgres://db/studio#main", "part after ';' or '#'"),
    ("DATABASE_URL", "sqlite://data/studio.sqlite3", "has a host part"),
    ("DATABASE_URL", "sqlite:///data/studio.sqlite3?timeout=5", "SQLite URLs take none"),
    ("DATABASE_URL", "sqlite:///", "names no SQLite file"),
    ("DATABASE_URL", "mysql://db/studio", "DATABASE_URL scheme 'mysql' is not supported"),
    ("STUDIO_STATIC_MANIFEST", "maybe", "STUDIO_STATIC_MANIFEST='maybe' is not a boolean"),
    ("STUDIO_GRAPHS_FILE", "/no/such/langgraph.json", "is not an existing file"),
    ("STUDIO_GRAPHS_FILE", str(ROOT), "is not an existing file"),
    ("STUDIO_SYNC_DEFAULT_ASSISTANTS", "2", "STUDIO_SYNC_DEFAULT_ASSISTANTS='2' is not a boolean"),
    ("STUDIO_API_FAST_READS", "fast", "STUDIO_API_FAST_READS='fast' is not a boolean"),
    ("STUDIO_API_FAST_CREATE", "maybe", "STUDIO_API_FAST_CREATE='maybe' is not a boolean"),
    ("STUDIO_MAX_BODY_BYTES", "-1", "STUDIO_MAX_BODY_BYTES='-1' is too small; use at least 1024"),
    ("STUDIO_MAX_BODY_BYTES", "0", "STUDIO_MAX_BODY_BYTES='0' is too small"),
    ("STUDIO_MAX_JSON_DEPTH", "1", "STUDIO_MAX_JSON_DEPTH='1' is too small; use at least 2"),
    ("STUDIO_MAX_FILTER_SIZE", "0", "STUDIO_MAX_FILTER_SIZE='0' is too small; use at least 1"),
    ("STUDIO_QUERY_TIMEOUT_MS", "-5", "STUDIO_QUERY_TIMEOUT_MS='-5' is too small"),
    ("STUDIO_QUERY_TIMEOUT_MS", "5s", "STUDIO_QUERY_TIMEOUT_MS='5s' is not an integer"),
    ("CONN_MAX_AGE", "-1", "CONN_MAX_AGE='-1' is too small; use at least 0"),
    ("CONN_MAX_AGE", "forever", "CONN_MAX_AGE='forever' is not an integer"),
    ("CONN_HEALTH_CHECKS", "sometimes", "CONN_HEALTH_CHECKS='sometimes' is not a boolean"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a Redis URL"),
    ("REDIS_URL", "redis://cache:port/0", "has a port that is not a number"),
    ("STUDIO_STATIC_ROOT", "staticfiles", "is not an absolute path to a folder"),
    ("STUDIO_STATIC_ROOT", str(ROOT / "manage.py"), "is not an absolute path to a folder"),
    ("WHITENOISE_USE_FINDERS", "perhaps", "WHITENOISE_USE_FINDERS='perhaps' is not a boolean"),
    ("STUDIO_TASKS_BACKEND", "celery", "STUDIO_TASKS_BACKEND"),
    ("STUDIO_RUN_TIMEOUT", "0", "STUDIO_RUN_TIMEOUT='0' is too small; use at least 1"),
    ("STUDIO_RUN_MAX_ACTIVE_PER_USER", "0", "STUDIO_RUN_MAX_ACTIVE_PER_USER='0' is too small"),
    ("STUDIO_RUN_LOST_AFTER", "1", "STUDIO_RUN_LOST_AFTER='1' is too small; use at least 2"),
    ("STUDIO_MAX_BODY_BYTES", "2MB", "STUDIO_MAX_BODY_BYTES='2MB' is not an integer"),
    ("STUDIO_LOGIN_FAILURE_LIMIT", "0", "STUDIO_LOGIN_FAILURE_LIMIT='0' is too small"),
    ("STUDIO_LOGIN_FAILURE_LIMIT", "five", "STUDIO_LOGIN_FAILURE_LIMIT='five' is not an integer"),
    ("STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT", "-3", "STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT='-3'"),
    ("STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT", "3", "STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT=3 is below"),
    ("STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT", "4", "STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT=4 is below"),
    ("STUDIO_LOGIN_LOCKOUT_MINUTES", "-1", "STUDIO_LOGIN_LOCKOUT_MINUTES='-1' is too small"),
    ("SESSION_COOKIE_SECURE", "secure", "SESSION_COOKIE_SECURE='secure' is not a boolean"),
    ("CSRF_COOKIE_SECURE", "y", "CSRF_COOKIE_SECURE='y' is not a boolean"),
    ("SECURE_SSL_REDIRECT", "always", "SECURE_SSL_REDIRECT='always' is not a boolean"),
    ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS='-1' is too small"),
    ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS='1y' is not an integer"),
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "all", "SECURE_HSTS_INCLUDE_SUBDOMAINS='all'"),
    ("SECURE_HSTS_PRELOAD", "please", "SECURE_HSTS_PRELOAD='please' is not a boolean"),
    ("STUDIO_BEHIND_PROXY", "nginx", "STUDIO_BEHIND_PROXY='nginx' is not a boolean"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
]

#: Variables whose bad values only matter without a secret key or in production; the table's
#: rows for them run in that situation (DEBUG on would skip the check for a missing key).
NEEDS_PRODUCTION = {"SECRET_KEY"}


def load_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    """Execute studio/settings.py afresh with ``env`` on top of the test environment."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.parametrize(
    ("name", "bad", "message", "debug"),
    [
        (*row, debug)
        for row in BAD_VALUES
        for debug in ("0", "1")
        if debug == "0" or row[0] not in NEEDS_PRODUCTION  # DEBUG=1 brings a development key
    ],
)
def test_a_bad_value_stops_the_settings_naming_the_variable(monkeypatch, name, bad, message, debug):
    if name in NEEDS_PRODUCTION:
        monkeypatch.delenv("STUDIO_ALLOW_DEV_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(monkeypatch, **{"DEBUG": debug, name: bad})
    assert message in str(caught.value)
    assert name in str(caught.value)


def test_every_variable_settings_reads_has_a_bad_value_here():
    source = SETTINGS_FILE.read_text(encoding="utf-8")
    readers = r"(?:env_\w+|allowed_hosts|trusted_origins|os\.environ\.get|getenv)"
    read = set(re.findall(readers + r"\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    assert "DATABASE_URL" in read and "LOG_LEVEL" in read  # the pattern still finds them
    missing = read - {name for name, _, _ in BAD_VALUES}
    assert not missing, f"add a bad value for {sorted(missing)} to BAD_VALUES in this file"


def test_the_defaults_and_good_values_load(monkeypatch, tmp_path):
    graphs = tmp_path / "langgraph.json"
    graphs.write_text('{"graphs": {"x": "./x.py:graph"}}', encoding="utf-8")
    loaded = load_settings(
        monkeypatch,
        DEBUG="0",
        ALLOWED_HOSTS="studio.example.com, .example.org,[::1],127.0.0.1",
        CSRF_TRUSTED_ORIGINS="https://studio.example.com,https://*.example.org,http://localhost:8000",
        DATABASE_URL="postgres://me:s%40cret@db.local:6543/studio?sslmode=require&conn_max_age=60",
        STUDIO_GRAPHS_FILE=str(graphs),
        STUDIO_MAX_BODY_BYTES="1024",
        SECURE_HSTS_SECONDS="31536000",
        LOG_LEVEL="warning",
        STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT="0",
        STUDIO_LOGIN_LOCKOUT_MINUTES="0",
    )
    assert loaded["ALLOWED_HOSTS"] == ["studio.example.com", ".example.org", "[::1]", "127.0.0.1"]
    database = loaded["DATABASES"]["default"]  # type: ignore[index]
    assert (database["PORT"], database["CONN_MAX_AGE"], database["OPTIONS"]) == (
        "6543",
        60,
        {"sslmode": "require"},
    )
    assert loaded["STUDIO_GRAPHS_FILE"] == graphs
    assert loaded["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 1024
    assert loaded["SECURE_HSTS_SECONDS"] == 31536000
    assert loaded["LOGGING"]["root"]["level"] == "WARNING"  # type: ignore[index]
    assert loaded["STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT"] == 0
    assert loaded["AXES_COOLOFF_TIME"] is None


def test_a_unix_socket_host_may_be_given_as_an_option():
    db = studio_settings.database_from_url("postgres:///studio?host=/var/run/postgresql")
    assert (db["HOST"], db["OPTIONS"]) == ("", {"host": "/var/run/postgresql"})


def test_a_database_url_error_never_shows_the_password():
    with pytest.raises(ImproperlyConfigured) as caught:
        studio_settings.database_from_url("postgres://me:hunter2@db:port/studio")
    assert "hunter2" not in str(caught.value)
    assert "postgres://me:***@db:port/studio" in str(caught.value)


def test_env_int_bounds(monkeypatch):
    monkeypatch.setenv("SOME_INT", "7")
    assert studio_settings.env_int("SOME_INT", 3, minimum=7, maximum=7) == 7
    with pytest.raises(ImproperlyConfigured, match="SOME_INT='7' is too large; use at most 6"):
        studio_settings.env_int("SOME_INT", 3, maximum=6)
    monkeypatch.setenv("SOME_INT", " ")
    assert studio_settings.env_int("SOME_INT", 3, minimum=5) == 3  # blank: the default


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("DATABASE_URL", "postgres://me:hunter2@db:abc/studio", "DATABASE_URL="),
        ("STUDIO_MAX_BODY_BYTES", "-1", "STUDIO_MAX_BODY_BYTES='-1' is too small"),
    ],
)
def test_the_server_does_not_start_with_a_bad_value(name, value, shown):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", name: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and shown in result.stderr
    assert "hunter2" not in result.stderr
