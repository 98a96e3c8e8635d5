from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_script_and_deny_framing(client):
    response = client.get("/admin/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "STUDIO_ALLOW_DEV_SECRET"}},
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "studio.example.com",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "STUDIO_ALLOW_DEV_SECRET"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "studio.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_bad_debug_value_stops_the_start_with_a_message_naming_it():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings", "DEBUG": "perhaps"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_a_forged_host_logs_one_line_without_a_traceback() -> None:
    import logging

    from studio.logging_filters import OneLineSecurityEvents

    try:
        raise ValueError("Invalid HTTP_HOST header: 'evil.example'.")
    except ValueError:
        import sys

        record = logging.getLogger("django.security.DisallowedHost").makeRecord(
            "django.security.DisallowedHost",
            logging.ERROR,
            __file__,
            1,
            "Invalid HTTP_HOST header: %s",
            ("'evil.example'",),
            sys.exc_info(),
        )
    handler = logging.StreamHandler()
    handler.addFilter(OneLineSecurityEvents())
    kept = handler.filter(record)

    assert kept and record.exc_info is None
    assert handler.format(record) == "Invalid HTTP_HOST header: 'evil.example'"
