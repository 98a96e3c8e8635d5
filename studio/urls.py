from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from assistants.api.urls import fallback_urlpatterns as api_fallback_urlpatterns

# JSON instead of Django's HTML pages for failures on API paths raised outside the API views
# (e.g. a Host header not in ALLOWED_HOSTS); other paths keep Django's defaults.
handler400 = "assistants.api.errors.bad_request"
handler500 = "assistants.api.errors.server_error"


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers that ask for /favicon.ico without reading the page's <link rel="icon">."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("studio.auth_urls")),
    # --- API (LangGraph-compatible, paths at the root) : owned by the API module ---
    path("", include("assistants.api.urls")),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    # Swagger UI from drf-spectacular-sidecar (served locally); the split view keeps its script
    # out of the page, so the site's CSP (no inline script) holds here too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="openapi"), name="api-docs"),
    # --- pages ---
    path("graphs/", include("graphs.urls")),
    path("", include("assistants.urls")),
    # --- API fallback (keep last): unknown URLs under /assistants answer a JSON 404 ---
    *api_fallback_urlpatterns,
]
