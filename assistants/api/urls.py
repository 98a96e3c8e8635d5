"""The assistants API at the site root: ``/assistants``, ``/assistants/search``, ...

Paths have no trailing slash (LangGraph's). Anything else under ``/assistants`` is a JSON 404.
"""

from __future__ import annotations

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from assistants.api.errors import json_not_found
from assistants.api.views import AssistantViewSet

app_name = "api"

router = SimpleRouter(trailing_slash=False)
router.register("assistants", AssistantViewSet, basename="assistant")

urlpatterns = [
    *router.urls,
]

#: Mounted last by the root URLconf, so pages may still claim paths before it.
fallback_urlpatterns = [
    re_path(r"^assistants(?:/.*)?$", json_not_found, name="assistant-unknown"),
]
