"""Settings for Assistants Studio, driven entirely by environment variables.

Every value is read through a small typed helper that raises ``ImproperlyConfigured`` on a value it
cannot understand, so a typo in a deployment fails at start-up instead of misbehaving later.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from graphs.known_models import DEFAULT_MODELS

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


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path; sqlite://:memory: for tests.
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if parsed.netloc == ":memory:" or path == ":memory:":
            name: str | Path = ":memory:"
        else:
            if not path:
                raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file.")
            name = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        # IMMEDIATE: a transaction takes the write lock when it starts, so concurrent writers wait
        # for each other (up to the timeout) instead of failing with "database is locked".
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parsed.path.lstrip("/"))
        if not db_name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
        options: dict[str, object] = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        conn_max_age = int(str(options.pop("conn_max_age", "0")))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": options,
            "TEST": {"NAME": f"test_{db_name}"},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///path or postgres://..."
    )


DEBUG = env_bool("DEBUG", default=False)

_secret = env_str("SECRET_KEY")
if not _secret:
    if not DEBUG and not env_bool("STUDIO_ALLOW_DEV_SECRET", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or DEBUG=1 for a development key)."
        )
    _secret = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - DEBUG only
SECRET_KEY: str = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "studio.admin.StudioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "graphs",
    "assistants",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "assistants.startup.DefaultAssistantsMiddleware",
]

ROOT_URLCONF = "studio.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "studio.wsgi.application"
ASGI_APPLICATION = "studio.asgi.application"

DATA_DIR = BASE_DIR / "data"
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'studio.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
if (
    str(DATABASES["default"]["ENGINE"]).endswith("sqlite3")
    and DATABASES["default"]["NAME"] != ":memory:"
):
    Path(str(DATABASES["default"]["NAME"])).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files (run collectstatic) in production; plain files in development
        # and tests, which run without collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STUDIO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# The graphs this deployment serves, in LangGraph's langgraph.json format.
STUDIO_GRAPHS_FILE = Path(env_str("STUDIO_GRAPHS_FILE") or BASE_DIR / "langgraph.json")
# Create each graph's default assistant when the app starts serving (off for management commands
# that must not touch the database, and in tests that want an empty table).
STUDIO_SYNC_DEFAULT_ASSISTANTS = env_bool("STUDIO_SYNC_DEFAULT_ASSISTANTS", default=True)
# The model picker's list: {"Group label": ["provider/model-name", ...]} (others: "Other…").
STUDIO_MODELS = DEFAULT_MODELS

# Bodies above this size are refused with 413 (Django checks it when the body is read).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("STUDIO_MAX_BODY_BYTES", 2 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assistants.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["assistants.api.auth.HasApiScope"],
    "DEFAULT_RENDERER_CLASSES": ["assistants.api.renderers.FastJSONRenderer"],
    # Enforces DATA_UPLOAD_MAX_MEMORY_SIZE (DRF's own JSON parser reads past it): 413.
    "DEFAULT_PARSER_CLASSES": ["assistants.api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "assistants.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Assistants Studio API",
    "DESCRIPTION": (
        "LangGraph Platform compatible assistants API: the official `langgraph-sdk` client works "
        "against it unchanged. Authenticate with an `X-Api-Key` header (or a signed-in session). "
        'Every error is JSON `{"detail": ...}`; validation errors (422) also carry `errors`, a '
        "list of `{loc, msg}`. Where a path takes an assistant id, a registered graph id is "
        "accepted too and means that graph's default assistant."
    ),
    "VERSION": "0.1.0",
    # 3.1: nullable fields are JSON Schema type lists, so responses validate with plain jsonschema.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The document and the docs page are public; a stale X-Api-Key must not make them 401.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assistants.api.schema.close_request_objects",
    ],
}

# -- Runs ("Try it"): background tasks and limits ---------------------------------------------------
# Runs execute in a task worker (Procfile ``worker:``), never in a web request. The default queue is
# the database (django-tasks-db; workers: ``manage.py db_worker``, any number, on any machine sharing
# the database). STUDIO_TASKS_BACKEND=rq uses Redis instead (django-tasks-rq; REDIS_URL; workers:
# ``manage.py rqworker default``); "immediate" runs tasks inside the request (tests, debugging).
STUDIO_TASKS_BACKEND = env_str("STUDIO_TASKS_BACKEND", "database") or "database"
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if STUDIO_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"STUDIO_TASKS_BACKEND={STUDIO_TASKS_BACKEND!r} is not one of {sorted(_TASK_BACKENDS)}."
    )
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
if STUDIO_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[STUDIO_TASKS_BACKEND], "QUEUES": ["default"]}}
# A run is stopped (status "timed out") after this many seconds.
STUDIO_RUN_TIMEOUT = env_int("STUDIO_RUN_TIMEOUT", 120)
# How many runs one user may have queued or running at once.
STUDIO_RUN_MAX_ACTIVE_PER_USER = env_int("STUDIO_RUN_MAX_ACTIVE_PER_USER", 3)
# A running run's worker writes a heartbeat every few seconds; a run whose heartbeat is older than
# this is marked failed ("worker lost") the next time anyone looks at it or a worker starts a run.
STUDIO_RUN_LOST_AFTER = env_int("STUDIO_RUN_LOST_AFTER", 30)

SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_COOKIE_HTTPONLY = True  # htmx reads the token from <body hx-headers>, never from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("STUDIO_BEHIND_PROXY", default=False):
        # Only behind a proxy that sets X-Forwarded-Proto itself; otherwise clients could fake it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
