"""Settings for the test suite: production settings (DEBUG off) with test-only conveniences."""

import os

# No real secret is needed in tests, and tests run without collectstatic.
os.environ.setdefault("STUDIO_ALLOW_DEV_SECRET", "1")
os.environ.setdefault("STUDIO_STATIC_MANIFEST", "0")

from studio.settings import *  # noqa: E402,F403

# Fast hashing for the many users tests create; never used outside tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files straight from the finders (no collectstatic in tests).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
