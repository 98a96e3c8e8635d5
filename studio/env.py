"""Typed readers of environment variables for ``studio/settings.py``.

Each one raises ``ImproperlyConfigured`` naming the variable on a value it cannot understand, so
a typo in a deployment stops the start instead of misbehaving later (or never being noticed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An integer; blank means the default. Outside ``minimum``..``maximum`` is an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is too small; use at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={raw!r} is too large; use at most {maximum}.")
    return value


def env_redis_url(name: str) -> str | None:
    """A Redis URL (``redis://``, ``rediss://`` or ``unix://``), or None when unset or blank."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"{name}={_redacted(raw)!r} is not a Redis URL; use redis://host:6379/0 "
            "(or rediss://, unix://)."
        )
    try:
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={_redacted(raw)!r} has a port that is not a number."
        ) from None
    return raw


def env_dir(name: str, default: Path) -> Path:
    """A folder path (it may not exist yet, but it may not be a file); blank means the default."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    path = Path(raw)
    if not path.is_absolute() or path.is_file():
        raise ImproperlyConfigured(f"{name}={raw!r} is not an absolute path to a folder.")
    return path


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared case-insensitively, returned as spelt in ``choices``)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    for choice in choices:
        if raw.strip().lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")


def env_file(name: str, default: Path) -> Path:
    """A path to an existing file; blank means the default (which is not checked)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ImproperlyConfigured(f"{name}={raw!r} is not an existing file.")
    return path


def allowed_hosts(name: str, default: list[str]) -> list[str]:
    """Host names as Django matches them: no scheme, path or port (``[::1]`` is one host)."""
    hosts = env_list(name, default)
    for host in hosts:
        bracketed = host.startswith("[") and host.endswith("]")
        if "/" in host or any(c.isspace() for c in host) or (":" in host and not bracketed):
            raise ImproperlyConfigured(
                f"{name} entry {host!r} is not a host name; give names like example.com, "
                ".example.com (and subdomains), 127.0.0.1 or [::1], without scheme or port."
            )
    return hosts


def trusted_origins(name: str, default: list[str]) -> list[str]:
    """Origins as Django's CSRF check compares them: ``https://host[:port]``, nothing more."""
    origins = env_list(name, default)
    for origin in origins:
        parts = urlparse(origin)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.netloc
            or parts.path not in {"", "/"}
            or parts.params
            or parts.query
            or parts.fragment
        ):
            raise ImproperlyConfigured(
                f"{name} entry {origin!r} is not an origin; use https://example.com "
                "(scheme and host, an optional port, no path)."
            )
    return origins


def _redacted(url: str) -> str:
    """``url`` without its password, for error messages and logs."""
    parts = urlparse(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _postgres_keywords() -> frozenset[str] | None:
    """The connection options the installed libpq understands (None without psycopg)."""
    try:
        from psycopg import pq
    except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs
        return None
    return frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def database_from_url(url: str, name: str = "DATABASE_URL") -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry.

    Anything the URL says that would be ignored or fail later (a port that is not a number, an
    option libpq does not know, a host on a SQLite URL) is refused now, naming ``name``.
    """
    shown = _redacted(url)

    def bad(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name}={shown!r} {why}")

    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if parsed.fragment or parsed.params:
        raise bad("has a part after ';' or '#' that means nothing here.")
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path; sqlite://:memory: for tests.
        if parsed.netloc not in {"", ":memory:"}:
            raise bad(
                "has a host part; use sqlite:///relative/path or sqlite:////absolute/path "
                "(three or four slashes)."
            )
        if parsed.query:
            raise bad("has options; SQLite URLs take none.")
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if parsed.netloc == ":memory:" or path == ":memory:":
            db_file: str | Path = ":memory:"
        else:
            if not path:
                raise bad("names no SQLite file.")
            db_file = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        # IMMEDIATE: a transaction takes the write lock when it starts, so concurrent writers wait
        # for each other (up to the timeout) instead of failing with "database is locked".
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": db_file,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parsed.path.lstrip("/"))
        if not db_name:
            raise bad("names no database.")
        if "/" in db_name:
            raise bad(f"names the database {db_name!r}; a database name has no '/'.")
        try:
            port = parsed.port
        except ValueError:
            raise bad("has a port that is not a number from 1 to 65535.") from None
        if port == 0:
            raise bad("has a port that is not a number from 1 to 65535.")
        query = parse_qs(parsed.query, keep_blank_values=True, strict_parsing=False)
        options: dict[str, object] = {}
        known = _postgres_keywords()
        in_url = {
            "host": parsed.hostname,
            "port": port,
            "user": parsed.username,
            "password": parsed.password,
        }
        for key, values in query.items():
            if len(values) > 1:
                raise bad(f"gives the option {key!r} more than once.")
            if values[0] == "":
                raise bad(f"gives the option {key!r} no value.")
            if key == "conn_max_age":
                continue
            if key == "dbname" or in_url.get(key):
                raise bad(f"gives {key!r} both in the URL and as an option.")
            if known is not None and key not in known:
                raise bad(f"has the option {key!r}, which PostgreSQL's client does not know.")
            options[key] = values[0]
        # ``?conn_max_age=N`` in the URL wins over the CONN_MAX_AGE variable (see settings).
        raw_age = query.get("conn_max_age", [None])[0]
        if raw_age is None:
            return _postgres(parsed, db_name, port, options)
        try:
            conn_max_age = int(raw_age)
        except ValueError:
            conn_max_age = -1
        if conn_max_age < 0:
            raise bad(
                f"has conn_max_age={raw_age!r}; use a whole number of seconds (0 closes the "
                "connection after each request)."
            )
        return {**_postgres(parsed, db_name, port, options), "CONN_MAX_AGE": conn_max_age}
    raise ImproperlyConfigured(
        f"{name} scheme {scheme!r} is not supported; use sqlite:///path or postgres://..."
    )


def _postgres(
    parsed: Any, db_name: str, port: int | None, options: dict[str, object]
) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        "TEST": {"NAME": f"test_{db_name}"},
    }
