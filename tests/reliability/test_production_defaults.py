"""What plain ``gunicorn studio.wsgi`` and unset variables give: the fast, safe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUNICORN", "WEB_CONCURRENCY", "CONN_", "STUDIO_", "DJANGO_", "PORT"))
        and k not in ("DATABASE_URL", "DEBUG", "WHITENOISE_USE_FINDERS")
    }
    return {**env, "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "studio.settings", **extra}


def _gunicorn_config(**extra: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "studio.wsgi"],
        cwd=ROOT, env=_clean_env(**extra), capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    pairs = (line.split("=", 1) for line in out.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _settings(expression: str, **extra: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=_clean_env(**extra), capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip


def test_plain_gunicorn_uses_threaded_workers_with_keep_alive():
    config = _gunicorn_config()
    # gthread, with keep-alive clients' next requests served by the same thread when one is free
    assert config["worker_class"] == "studio.gunicorn_worker.ThreadWorker"
    assert int(config["threads"]) == 4
    assert int(config["workers"]) >= 2
    assert int(config["keepalive"]) == 5
    assert config["wsgi_app"] == "studio.wsgi:application"


def test_gunicorn_settings_follow_the_environment():
    config = _gunicorn_config(WEB_CONCURRENCY="3", GUNICORN_THREADS="8", GUNICORN_KEEPALIVE="30")
    assert (config["workers"], config["threads"], config["keepalive"]) == ("3", "8", "30")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GUNICORN_THREADS", "many", "GUNICORN_THREADS='many' is not an integer"),
        ("GUNICORN_LINGER_MS", "soon", "GUNICORN_LINGER_MS='soon' is not a number"),
        ("GUNICORN_LINGER_MS", "-1", "GUNICORN_LINGER_MS='-1' must be between 0 and 1000"),
        ("GUNICORN_LINGER_MS", "nan", "GUNICORN_LINGER_MS='nan' must be between 0 and 1000"),
    ],
)
def test_a_bad_gunicorn_variable_stops_the_start_with_its_name(name, value, message):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "studio.wsgi"],
        cwd=ROOT, env=_clean_env(**{name: value}), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_database_connections_persist_with_health_checks_by_default():
    expression = "settings.DATABASES['default']['CONN_MAX_AGE'], settings.DATABASES['default']['CONN_HEALTH_CHECKS']"
    assert _settings(expression) == "60 True"
    assert _settings(expression, CONN_MAX_AGE="0", CONN_HEALTH_CHECKS="off") == "0 False"
    url = "postgres://u@127.0.0.1:5432/db?conn_max_age=600"
    assert _settings(expression, DATABASE_URL=url, CONN_MAX_AGE="5") == "600 True"
    # PostgreSQL's health check needs no round trip (studio/postgresql/base.py)
    engine = "settings.DATABASES['default']['ENGINE']"
    assert _settings(engine, DATABASE_URL=url) == "studio.postgresql"


def test_whitenoise_serves_the_source_folders_when_collectstatic_was_not_run(tmp_path):
    expression = "settings.WHITENOISE_USE_FINDERS, settings.STORAGES['staticfiles']['BACKEND']"
    missing = _settings(expression, STUDIO_STATIC_ROOT=str(tmp_path))
    assert missing == "True studio.staticfiles.FallbackManifestStorage"
    (tmp_path / "staticfiles.json").write_text('{"version": "1.1", "paths": {}}')
    assert _settings(expression, STUDIO_STATIC_ROOT=str(tmp_path)).startswith("False ")


@pytest.fixture
def manifest_storage(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path / "staticfiles")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "studio.staticfiles.FallbackManifestStorage"},
    }
    return tmp_path / "staticfiles"


@pytest.mark.django_db
def test_pages_work_with_plain_file_names_when_collectstatic_was_forgotten(
    manifest_storage, caplog
):
    page = Client().get("/accounts/login/")

    assert page.status_code == 200
    assert 'href="/static/css/studio.css"' in page.text
    assert "Run `python manage.py collectstatic --no-input`" in caplog.text
    css = Client().get("/static/css/studio.css")
    assert css.status_code == 200
    assert b"".join(css.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_pages_use_hashed_names_once_collectstatic_has_run(manifest_storage):
    call_command("collectstatic", "--no-input", verbosity=0)

    page = Client().get("/accounts/login/")

    assert page.status_code == 200
    assert 'href="/static/css/studio.css"' not in page.text
    assert "/static/css/studio." in page.text


def test_the_deploy_check_names_the_missing_manifest(manifest_storage):
    from studio.staticfiles import check_static_manifest

    messages = check_static_manifest()
    assert [m.id for m in messages] == ["studio.W001"]
    assert "collectstatic" in messages[0].msg
    manifest_storage.mkdir()
    (manifest_storage / "staticfiles.json").write_text('{"version": "1.1", "paths": {}}')
    assert check_static_manifest() == []


@pytest.mark.postgres
def test_a_server_side_closed_connection_is_replaced_without_an_error(gunicorn_url):
    """Persistent connections + the cheap health check: a killed backend costs no 500."""
    import httpx
    from django.db import connection as db

    from assistants.actors import Actor
    from assistants.services import api_key_create

    _, key = api_key_create(actor=Actor.system_actor(), name="health")
    clients = [httpx.Client(base_url=gunicorn_url, headers={"X-Api-Key": key}) for _ in range(6)]
    for client in clients * 2:
        assert client.get("/assistants/writer").status_code == 200
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1  # the workers' persistent connections
    time.sleep(0.5)

    statuses = [client.get("/assistants/writer").status_code for client in clients * 3]

    assert statuses == [200] * len(statuses)
