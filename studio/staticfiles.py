"""Static files storage that still serves pages when ``collectstatic`` has not been run.

In production the studio serves hashed, compressed files from ``STATIC_ROOT`` (WhiteNoise's
manifest storage). Without the manifest, Django's storage raises on every ``{% static %}``, so
every page would be a 500. Here a missing manifest means plain file names, which WhiteNoise then
serves straight from the apps' and ``static/`` folders (settings turn its finders on when the
manifest is absent at start-up). A warning is logged once, and ``manage.py check --deploy`` says so
too: run ``collectstatic`` for long-lived cache headers and compressed files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)

MISSING_MANIFEST = (
    "No static files manifest in STATIC_ROOT ({root}): serving unhashed files from the source "
    "folders. Run `python manage.py collectstatic --no-input` before starting the server."
)


def manifest_path() -> Path | None:
    root = settings.STATIC_ROOT
    return Path(root) / CompressedManifestStaticFilesStorage.manifest_name if root else None


class FallbackManifestStorage(CompressedManifestStaticFilesStorage):
    """Hashed names from the manifest; plain names (and a warning, once) when there is none."""

    _warned = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            if not FallbackManifestStorage._warned:
                FallbackManifestStorage._warned = True
                logger.warning(MISSING_MANIFEST.format(root=settings.STATIC_ROOT))
            return name
        return str(super().stored_name(name))


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_manifest(**kwargs: Any) -> list[checks.CheckMessage]:
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    path = manifest_path()
    if backend.endswith("FallbackManifestStorage") and path is not None and not path.exists():
        return [
            checks.Warning(
                MISSING_MANIFEST.format(root=settings.STATIC_ROOT),
                hint="python manage.py collectstatic --no-input",
                id="studio.W001",
            )
        ]
    return []
