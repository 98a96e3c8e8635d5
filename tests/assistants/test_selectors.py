"""The pages' reads follow the API's visibility rule: assistants of registered graphs only."""

from __future__ import annotations

import pytest

from assistants import selectors, services
from assistants.models import Assistant

pytestmark = pytest.mark.django_db


def test_the_list_and_get_hide_an_assistant_whose_graph_left_the_registry(blog):
    assert [a.pk for a in selectors.assistant_list()] == [blog.pk]
    assert selectors.assistant_get(blog.pk) == blog

    Assistant.objects.filter(pk=blog.pk).update(graph_id="retired")

    assert list(selectors.assistant_list()) == []
    with pytest.raises(services.AssistantNotFound):
        selectors.assistant_get(blog.pk)
    # Still there for the admin (and back on the pages once the graph is registered again).
    assert Assistant.objects.filter(pk=blog.pk).exists()


def test_get_of_a_malformed_id_is_not_found():
    with pytest.raises(services.AssistantNotFound):
        selectors.assistant_get("not-a-uuid")
