from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # --- API (LangGraph-compatible, paths at the root) : owned by the API module ---
    # --- pages ---
    path("graphs/", include("graphs.urls")),
    path("", include("assistants.urls")),
]
