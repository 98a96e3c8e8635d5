"""SQL queries per request of the list and history pages, pinned, at two data sizes.

``tests/views`` checks that the counts do not grow (5 vs 30 assistants, 3 vs 30 versions); this
pins the exact numbers, for the filtered list and page 2 too, so that any extra query shows up.
The numbers are quoted in the README (section "Reliability and scale").
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistants.models import Assistant
from tests.api.conftest import FIXTURES

pytestmark = pytest.mark.django_db

LIST = reverse("assistants:assistant-list")

#: Signed-in user: session, user, user permissions, group permissions (4, on every page).
AUTH_QUERIES = 4
#: The count for the pager, then the page's rows (last change and author from a join). Inside
#: the test transaction counts are not kept (assistants/counts.py), as in any transaction.
LIST_QUERIES = AUTH_QUERIES + 2
#: The assistant, its versions, its draft (for the diff), its publishing log.
HISTORY_QUERIES = AUTH_QUERIES + 4
HISTORY_QUERIES_WITHOUT_DRAFT = AUTH_QUERIES + 3


@pytest.fixture(autouse=True)
def _settings(settings) -> None:
    settings.STUDIO_GRAPHS_FILE = FIXTURES / "langgraph.json"
    settings.STUDIO_SYNC_DEFAULT_ASSISTANTS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def viewer_pages(make_user) -> Client:
    client = Client()
    client.force_login(make_user("vera", "viewer"))
    return client


def seed(count: int, versions: int, drafts: str = "0") -> None:
    call_command(
        "seed_assistants", str(count), "--versions", str(versions), "--drafts", drafts,
        stdout=StringIO(),
    )  # fmt: skip


def queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


LIST_VARIANTS = {
    "page 1": {},
    "page 2": {"page": "2"},
    "search by name": {"q": "assistant 1"},
    "graph filter": {"graph": "tiny"},
    "drafts only": {"status": "draft"},
}


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("variant", list(LIST_VARIANTS))
def test_the_list_page_costs_a_fixed_number_of_queries(viewer_pages, count, variant) -> None:
    seed(count, 2, drafts="0.5")
    # With 5 assistants "page 2" is out of range: the paginator shows the last page.
    assert queries(viewer_pages, LIST, LIST_VARIANTS[variant]) == LIST_QUERIES


@pytest.mark.parametrize("versions", [3, 40])
def test_the_history_page_costs_a_fixed_number_of_queries(viewer_pages, versions) -> None:
    seed(2, versions, drafts="1")
    with_draft = Assistant.objects.get(metadata__index=0)
    assert with_draft.has_draft
    url = reverse("assistants:assistant-detail", args=[with_draft.pk])
    assert queries(viewer_pages, url) == HISTORY_QUERIES

    seed(1, versions, drafts="0")
    published = Assistant.objects.get(metadata__index=2)
    assert not published.has_draft
    url = reverse("assistants:assistant-detail", args=[published.pk])
    assert queries(viewer_pages, url) == HISTORY_QUERIES_WITHOUT_DRAFT
