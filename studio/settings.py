"""Settings for Assistants Studio, driven entirely by environment variables.

Every value is read through a small typed helper (``studio/env.py``) that raises
``ImproperlyConfigured`` naming the variable on a value it cannot understand, so a typo in a
deployment fails at start-up instead of misbehaving later.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from graphs.known_models import DEFAULT_MODELS
from studio.env import (  # noqa: F401 - env_list and env_str are for the blocks below too
    BASE_DIR,
    allowed_hosts,
    database_from_url,
    env_bool,
    env_choice,
    env_dir,
    env_file,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    trusted_origins,
)

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

DEBUG = env_bool("DEBUG", default=False)

_secret = (env_str("SECRET_KEY") or "").strip()
_allow_dev_secret = env_bool("STUDIO_ALLOW_DEV_SECRET", default=False)
if not _secret:
    if not DEBUG and not _allow_dev_secret:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or DEBUG=1 for a development key)."
        )
    _secret = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - DEBUG only
SECRET_KEY: str = _secret

ALLOWED_HOSTS = allowed_hosts("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = trusted_origins("CSRF_TRUSTED_ORIGINS", [])

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
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.middleware.ChunkedBodyMiddleware",  # before anything reads a body
    # An API key's get, search, versions and create, each in one round trip (else passed on).
    "assistants.api.fastpath.AssistantFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "assistants.startup.DefaultAssistantsMiddleware",
    # Turns a sign-in refused by the throttle into the lockout page (429).
    "axes.middleware.AxesMiddleware",
    "studio.middleware.QueryTimeoutMiddleware",  # last: times the view's statements only
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
# -- persistent connections (perf) --------------------------------------------------------------
# Connections are kept between requests (opening one costs a few ms on PostgreSQL) and checked
# before reuse, so a restarted database costs one failed ping, not a 500. CONN_MAX_AGE=0 closes
# each connection after its request; ``?conn_max_age=N`` in DATABASE_URL overrides both.
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60, minimum=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, with a health check that needs no round trip and psycopg's compiled
    # timestamp loader (studio/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "studio.postgresql"
# -- end persistent connections ------------------------------------------------------------------

# -- shared cache (perf) -------------------------------------------------------------------------
# With REDIS_URL, API keys and rendered assistants are cached in Redis with exact invalidation
# (assistants/api/cache.py); without it nothing is cached, and every read goes to the database.
# Short socket timeouts: an unreachable Redis costs a request at most this, then the cache is
# skipped for a few seconds (requests are served from the database meanwhile).
_REDIS_URL = env_redis_url("REDIS_URL")
CACHES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if _REDIS_URL:
    CACHES["shared"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
STUDIO_API_CACHE: str | None = "shared" if _REDIS_URL else None
# -- end shared cache ----------------------------------------------------------------------------
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
# -- static files (perf) -------------------------------------------------------------------------
STATIC_ROOT = env_dir("STUDIO_STATIC_ROOT", BASE_DIR / "staticfiles")
_STATIC_MANIFEST = env_bool("STUDIO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files (run collectstatic) in production; plain files in development
        # and tests, which run without collectstatic. Without a manifest (collectstatic forgotten)
        # pages still work: plain names, served by WhiteNoise from the source folders.
        "BACKEND": "studio.staticfiles.FallbackManifestStorage"
        if _STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool(
    "WHITENOISE_USE_FINDERS",
    default=DEBUG or not (STATIC_ROOT / "staticfiles.json").exists(),
)
# -- end static files ----------------------------------------------------------------------------

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# -- Sign-in throttling (django-axes; the policy is in studio/login_throttle.py) ------------------
# Failures of one account from one address, of one address (any account), of one account (any
# address): each limit locks on its own; 0 turns the address or account limit off.
STUDIO_LOGIN_FAILURE_LIMIT = env_int("STUDIO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=0)
STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT", 50, minimum=0)
for _wider in ("STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT", "STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT"):
    if 0 < globals()[_wider] < STUDIO_LOGIN_FAILURE_LIMIT:
        raise ImproperlyConfigured(
            f"{_wider}={globals()[_wider]} is below STUDIO_LOGIN_FAILURE_LIMIT="
            f"{STUDIO_LOGIN_FAILURE_LIMIT}; use 0 (off) or at least that."
        )
# A lock lifts this long after the last failure; 0: only an administrator lifts it.
STUDIO_LOGIN_LOCKOUT_MINUTES = env_int("STUDIO_LOGIN_LOCKOUT_MINUTES", 15, minimum=0)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked client before the password check
    "django.contrib.auth.backends.ModelBackend",
]
# The database handler: counts shared by every worker and host (a local-memory cache is not).
AXES_HANDLER = "studio.login_throttle.StudioAxesHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = STUDIO_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = (
    timedelta(minutes=STUDIO_LOGIN_LOCKOUT_MINUTES) if STUDIO_LOGIN_LOCKOUT_MINUTES else None
)
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that account's count from that address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts are not counted
AXES_CLIENT_IP_CALLABLE = "studio.login_throttle.client_address"
AXES_LOCKOUT_CALLABLE = "studio.login_throttle.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_DISABLE_ACCESS_LOG = True  # the audit trail records lockouts; no table of every sign-in
# Masked in the stored form data of failed attempts (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False  # failures are still logged (warnings), without the start-up banner

# The graphs this deployment serves, in LangGraph's langgraph.json format.
STUDIO_GRAPHS_FILE = env_file("STUDIO_GRAPHS_FILE", BASE_DIR / "langgraph.json")
# Create each graph's default assistant when the app starts serving (off for management commands
# that must not touch the database, and in tests that want an empty table).
STUDIO_SYNC_DEFAULT_ASSISTANTS = env_bool("STUDIO_SYNC_DEFAULT_ASSISTANTS", default=True)
# The model picker's list: {"Group label": ["provider/model-name", ...]} (others: "Other…").
STUDIO_MODELS = DEFAULT_MODELS

# Bodies above this size are refused with 413 (Django checks it when the body is read).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("STUDIO_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)
# JSON in a body nested deeper than this is refused (422); a metadata filter may hold at most
# this many keys and array elements, all levels counted (422); an API statement is stopped after
# this many milliseconds (503; 0: no limit).
STUDIO_MAX_JSON_DEPTH = env_int("STUDIO_MAX_JSON_DEPTH", 64, minimum=2)
STUDIO_MAX_FILTER_SIZE = env_int("STUDIO_MAX_FILTER_SIZE", 256, minimum=1)
STUDIO_QUERY_TIMEOUT_MS = env_int("STUDIO_QUERY_TIMEOUT_MS", 5000, minimum=0)
# Answers ahead of DRF (assistants/api/fastpath/) to the API-key reads (get, search, versions)
# and to a create with a key this process has read.
STUDIO_API_FAST_READS = env_bool("STUDIO_API_FAST_READS", default=True)
STUDIO_API_FAST_CREATE = env_bool("STUDIO_API_FAST_CREATE", default=True)

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
        "assistants.api.schema.describe_accepted_values",
    ],
}

# -- Runs ("Try it"): background tasks and limits ---------------------------------------------------
# Runs execute in a task worker (Procfile ``worker:``), never in a web request. The default queue is
# the database (django-tasks-db; workers: ``manage.py db_worker``, any number, on any machine sharing
# the database). STUDIO_TASKS_BACKEND=rq uses Redis instead (django-tasks-rq; REDIS_URL; workers:
# ``manage.py rqworker default``); "immediate" runs tasks inside the request (tests, debugging).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
STUDIO_TASKS_BACKEND = env_choice("STUDIO_TASKS_BACKEND", "database", tuple(_TASK_BACKENDS))
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
if STUDIO_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": _REDIS_URL or "redis://127.0.0.1:6379/0"}}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[STUDIO_TASKS_BACKEND], "QUEUES": ["default"]}}
# A run is stopped (status "timed out") after this many seconds.
STUDIO_RUN_TIMEOUT = env_int("STUDIO_RUN_TIMEOUT", 120, minimum=1)
# How many runs one user may have queued or running at once.
STUDIO_RUN_MAX_ACTIVE_PER_USER = env_int("STUDIO_RUN_MAX_ACTIVE_PER_USER", 3, minimum=1)
# A running run's worker writes a heartbeat every few seconds; a run whose heartbeat is older than
# this is marked failed ("worker lost") the next time anyone looks at it or a worker starts a run.
STUDIO_RUN_LOST_AFTER = env_int("STUDIO_RUN_LOST_AFTER", 30, minimum=2)

SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_COOKIE_HTTPONLY = True  # htmx reads the token from <body hx-headers>, never from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Read whether or not DEBUG is on, so a typo fails in development too, not first in production.
_session_cookie_secure = env_bool("SESSION_COOKIE_SECURE", default=True)
_csrf_cookie_secure = env_bool("CSRF_COOKIE_SECURE", default=True)
_ssl_redirect = env_bool("SECURE_SSL_REDIRECT", default=False)
_hsts_seconds = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
_hsts_subdomains = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
_hsts_preload = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy that sets X-Forwarded-Proto and appends the client to X-Forwarded-For itself;
# otherwise clients could fake both. Sign-in throttling reads the client address the same way.
STUDIO_BEHIND_PROXY = env_bool("STUDIO_BEHIND_PROXY", default=False)
if not DEBUG:
    SESSION_COOKIE_SECURE = _session_cookie_secure
    CSRF_COOKIE_SECURE = _csrf_cookie_secure
    SECURE_SSL_REDIRECT = _ssl_redirect
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _hsts_subdomains
    SECURE_HSTS_PRELOAD = _hsts_preload
    if STUDIO_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_security": {"()": "studio.logging_filters.OneLineSecurityEvents"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["one_line_security"]},
    },
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", _LOG_LEVELS)},
}
