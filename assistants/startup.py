"""Create the registered graphs' default assistants once the app serves.

Done on the first request of each process rather than in ``AppConfig.ready`` (which also runs for
management commands and must not touch the database). The insert itself is race-safe, so several
server processes starting together create each default assistant exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_done = False


def reset() -> None:
    """Forget that the sync ran (tests that empty the database between cases use this)."""
    global _done
    with _lock:
        _done = False


def ensure_default_assistants(time_limit_ms: int = 0) -> None:
    """Create the default assistants once per process; each statement stops after
    ``time_limit_ms`` (0: no limit), as the request's own statements would."""
    global _done
    if _done or not settings.STUDIO_SYNC_DEFAULT_ASSISTANTS:
        return
    with _lock:
        if _done:
            return
        from assistants.services import default_assistants_sync
        from studio.middleware import statement_time_limit

        try:
            with statement_time_limit(time_limit_ms):
                created = default_assistants_sync()
        except DatabaseError:
            # Not migrated yet, the database down, or a table locked past the time limit: try
            # again on the next request.
            logger.exception("Could not create the default assistants")
            return
        if created:
            logger.info("Created default assistants: %s", ", ".join(a.graph_id for a in created))
        _done = True


class DefaultAssistantsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from assistants.api.errors import is_api_path
        from studio.middleware import query_timeout_ms

        # Under the API's time limit on API paths, like the rest of the request.
        ensure_default_assistants(query_timeout_ms() if is_api_path(request.path) else 0)
        return self.get_response(request)
