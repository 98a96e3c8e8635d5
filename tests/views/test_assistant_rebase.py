"""An API update published over an editor's draft: the pages say so and offer a rebase (a
three-way merge, conflicts settled field by field) that saves a new draft."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant, AssistantVersion
from tests.views.conftest import HTMX, PROMPT_V3

pytestmark = pytest.mark.django_db

THEIRS = "Their prompt about {topic}."


def url(assistant) -> str:
    return reverse("assistants:assistant-rebase", args=[assistant.pk])


def snapshot(assistant) -> list[dict]:
    return list(AssistantVersion.objects.filter(assistant=assistant).order_by("version").values())


def api_update(assistant, **body) -> None:
    """What an integration does: a PATCH through the API with a write key (a new live version)."""
    _, raw = services.api_key_create(actor=Actor.system_actor(), name="integration")
    response = Client().patch(
        reverse("api:assistant-detail", args=[assistant.pk]),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_API_KEY=raw,
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def passed_over(blog) -> Assistant:
    """v2 live, v3 the editors' draft; the integration publishes v4 over it (based on v2)."""
    api_update(
        blog,
        context={
            "system_prompt": THEIRS,
            "model": "anthropic/claude-sonnet-4-5",
            "temperature": 0.6,
        },
        metadata={"owner": "ops"},
    )
    blog.refresh_from_db()
    assert (blog.version, blog.latest_version_number, blog.has_draft) == (4, 4, False)
    return blog


def choices(assistant, **extra) -> dict:
    return {"draft": 3, "onto": 4, "note": "", **extra}


# -- the notice ------------------------------------------------------------------------------------


def test_the_assistant_page_tells_editors_that_their_draft_was_passed_over(
    editor_client, viewer_client, passed_over
) -> None:
    html = editor_client.get(reverse("assistants:assistant-detail", args=[passed_over.pk]))
    notice = html.content.decode().split('id="passed-over"')[1].split("</div>")[0]
    assert "A newer live version was published over the draft v3." in notice
    assert "api-key:integration" in notice and "published v4" in notice
    assert f'href="{url(passed_over)}"' in notice and "Rebase draft v3 onto v4" in notice
    viewer_page = viewer_client.get(reverse("assistants:assistant-detail", args=[passed_over.pk]))
    assert 'id="passed-over"' not in viewer_page.content.decode()  # viewers cannot rebase


def test_the_edit_page_tells_editors_and_starts_from_the_new_live_version(
    editor_client, passed_over
) -> None:
    html = editor_client.get(reverse("assistants:assistant-edit", args=[passed_over.pk]))
    page = html.content.decode()
    assert 'id="passed-over"' in page and "editing starts from v4" in page
    assert '<input type="hidden" name="base_version" value="4"' in page
    partial = editor_client.get(
        reverse("assistants:assistant-edit", args=[passed_over.pk]), **HTMX
    ).content.decode()
    assert 'id="passed-over"' in partial  # inside the swapped form region


def test_no_notice_without_a_passed_over_draft(editor_client, blog) -> None:
    page = editor_client.get(reverse("assistants:assistant-detail", args=[blog.pk]))
    assert 'id="passed-over"' not in page.content.decode()


# -- the rebase page -------------------------------------------------------------------------------


def test_the_page_shows_each_conflict_with_three_values_and_what_merges_by_itself(
    editor_client, passed_over
) -> None:
    response = editor_client.get(url(passed_over))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rebase draft v3 onto the live v4" in html and "Both started from v2" in html
    conflicts = html.split('id="conflicts"')[1].split('id="merged"')[0]
    assert "1 field changed on both sides" in conflicts
    assert "<legend>System Prompt</legend>" in conflicts
    assert "End with a takeaway." in conflicts  # v2 (the base) and v3 (the draft)
    assert "Add a title." in conflicts and THEIRS in conflicts
    assert 'type="radio" name="pick-0" value="ours"' in conflicts
    merged = html.split('id="merged"')[1]
    assert "Model" in merged and "from draft v3" in merged and "openai/gpt-4o" in merged
    assert "Metadata" not in merged and "metadata.owner" in merged and "from v4" in merged


def test_choosing_saves_a_new_draft_and_leaves_everything_else_alone(
    editor_client, passed_over
) -> None:
    before = snapshot(passed_over)
    response = editor_client.post(url(passed_over), choices(passed_over, **{"pick-0": "ours"}))
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:assistant-detail", args=[passed_over.pk])
    assistant = Assistant.objects.get(pk=passed_over.pk)
    assert (assistant.version, assistant.latest_version_number) == (4, 5)  # a draft, not live
    v5 = assistant.versions.get(version=5)
    assert v5.context == {
        "system_prompt": PROMPT_V3,
        "model": "openai/gpt-4o",
        "temperature": 0.5,
    }
    assert v5.metadata == {"owner": "ops"}
    assert (v5.note, v5.author) == ("Draft v3 rebased onto v4", "user:eddie")
    assert snapshot(passed_over)[:4] == before
    page = editor_client.get(response["Location"]).content.decode()
    assert "Rebased your draft v3 onto v4 as draft v5." in page
    assert 'id="passed-over"' not in page  # settled


def test_taking_the_live_value(editor_client, passed_over) -> None:
    editor_client.post(url(passed_over), choices(passed_over, **{"pick-0": "theirs"}))
    v5 = Assistant.objects.get(pk=passed_over.pk).versions.get(version=5)
    assert v5.context["system_prompt"] == THEIRS and v5.context["model"] == "openai/gpt-4o"


def test_a_conflict_without_a_choice_answers_422_beside_the_field(
    editor_client, passed_over
) -> None:
    before = snapshot(passed_over)
    response = editor_client.post(url(passed_over), choices(passed_over))
    assert response.status_code == 422
    html = response.content.decode()
    field = html.split("<legend>System Prompt</legend>")[1].split("</fieldset>")[0]
    assert "Choose which value to keep." in field
    assert snapshot(passed_over) == before


def test_a_newer_update_since_the_page_opened_answers_409_and_writes_nothing(
    editor_client, passed_over
) -> None:
    api_update(passed_over, metadata={"again": True})  # v5 live, still over draft v3
    before = snapshot(passed_over)
    response = editor_client.post(url(passed_over), choices(passed_over, **{"pick-0": "ours"}))
    assert response.status_code == 409
    html = response.content.decode()
    assert "The assistant changed while you were choosing; nothing was saved." in html
    assert "Rebase draft v3 onto the live v5" in html  # what is true now
    assert snapshot(passed_over) == before


def test_htmx_gets_the_partial_then_a_client_redirect_and_the_event(
    editor_client, passed_over
) -> None:
    page = editor_client.get(url(passed_over), **HTMX).content.decode().lstrip()
    assert page.startswith('<div id="rebase-form"') and "<html" not in page
    invalid = editor_client.post(url(passed_over), choices(passed_over), **HTMX)
    assert invalid.status_code == 422
    assert invalid.content.decode().lstrip().startswith('<div id="rebase-form"')
    response = editor_client.post(
        url(passed_over), choices(passed_over, **{"pick-0": "ours"}), **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("assistants:assistant-detail", args=[passed_over.pk])
    assert json.loads(response["HX-Trigger"]) == {"version-saved": {}}


def test_without_a_passed_over_draft_the_page_is_a_loud_404(editor_client, blog) -> None:
    assert editor_client.get(url(blog)).status_code == 404
    assert editor_client.post(url(blog), {"draft": 3, "onto": 2}).status_code == 404


def test_viewers_get_403_and_anonymous_users_the_login_page(
    viewer_client, anonymous_client, passed_over
) -> None:
    assert viewer_client.get(url(passed_over)).status_code == 403
    assert viewer_client.post(url(passed_over), choices(passed_over)).status_code == 403
    response = anonymous_client.get(url(passed_over))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Assistant.objects.get(pk=passed_over.pk).latest_version_number == 4


def test_the_wrong_method_gets_405(editor_client, passed_over) -> None:
    for method in ("put", "delete", "patch"):
        assert getattr(editor_client, method)(url(passed_over)).status_code == 405


def test_a_graph_that_fails_to_load_disables_rebasing_as_it_disables_editing(
    editor_client, passed_over, settings, tmp_path
) -> None:
    from graphs.registry import reset_registry
    from tests.views.conftest import FIXTURES

    # The writer graph breaks after the update (a deployment without one of its packages).
    graphs_file = tmp_path / "langgraph.json"
    broken = (FIXTURES / "broken_graph.py").resolve()
    graphs_file.write_text(json.dumps({"graphs": {"writer": f"{broken}:graph"}}))
    settings.STUDIO_GRAPHS_FILE = graphs_file
    reset_registry()
    before = snapshot(passed_over)
    detail = editor_client.get(reverse("assistants:assistant-detail", args=[passed_over.pk]))
    notice = detail.content.decode().split('id="passed-over"')[1].split("</div>")[0]
    assert "published over the draft v3" in notice and url(passed_over) not in notice
    page = editor_client.get(url(passed_over))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rebasing is disabled" in html and "not_installed_yet" in html
    assert "Save as a new draft" not in html
    response = editor_client.post(url(passed_over), choices(passed_over, **{"pick-0": "ours"}))
    assert response.status_code == 409
    assert snapshot(passed_over) == before
