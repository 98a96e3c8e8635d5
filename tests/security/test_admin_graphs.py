"""The admin's graph pages follow the studio's /graphs/ rule: the viewer role reads graphs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def staff_without_role(make_user):
    client = Client()
    client.force_login(make_user("staff-norole", is_staff=True))
    return client


@pytest.fixture
def staff_viewer(make_user):
    client = Client()
    client.force_login(make_user("staff-viewer", "viewer", is_staff=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        reverse("graphs:graph-list"),
        reverse("graphs:graph-detail", args=["writer"]),
        reverse("admin:graphs_graph_list"),
        reverse("admin:graphs_graph_detail", args=["writer"]),
    ],
)
def test_staff_without_a_role_may_read_no_graph_page_studio_or_admin(staff_without_role, url):
    assert staff_without_role.get(url).status_code == 403


def test_an_unknown_graph_is_refused_before_it_is_looked_up(staff_without_role, staff_viewer):
    url = reverse("admin:graphs_graph_detail", args=["no-such-graph"])
    assert staff_without_role.get(url).status_code == 403
    assert staff_viewer.get(url).status_code == 404


def test_a_staff_viewer_reads_the_admin_graph_pages(staff_viewer):
    listing = staff_viewer.get(reverse("admin:graphs_graph_list"))
    assert listing.status_code == 200 and "writer" in listing.content.decode()
    detail = staff_viewer.get(reverse("admin:graphs_graph_detail", args=["writer"]))
    assert detail.status_code == 200 and "Drawing (mermaid)" in detail.content.decode()


def test_the_admin_index_links_to_graphs_only_for_those_who_may_read_them(
    staff_without_role, staff_viewer
):
    link = reverse("admin:graphs_graph_list")
    assert link not in staff_without_role.get(reverse("admin:index")).content.decode()
    assert link in staff_viewer.get(reverse("admin:index")).content.decode()
