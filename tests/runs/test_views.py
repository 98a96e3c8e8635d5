"""The Try it pages: form, run page, live region, cancel, run again, recent runs; per role."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import AuditEntry, Run
from assistants.tasks import execute_run
from tests.runs.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(make_assistant: Any) -> Any:
    return make_assistant("writer", style="tweet")


def try_url(assistant: Any) -> str:
    return reverse("assistants:run-create", args=[assistant.pk])


def post_run(client: Any, assistant: Any, **fields: Any) -> Any:
    data = {"version": str(assistant.version), "input-topic": "tide pools", "run": "1", **fields}
    return client.post(try_url(assistant), data)


def test_the_try_it_form_has_a_version_choice_and_the_input_fields(
    client_for: Any, editor: Any, writer: Any
) -> None:
    response = client_for(editor).get(try_url(writer))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_version">Version</label>' in html
    assert 'name="input-topic"' in html and ">Topic" in html
    assert f'<option value="{writer.version}" selected>Live: v{writer.version}</option>' in html
    assert ">Run</button>" in html


def test_running_queues_a_run_of_the_live_version_and_redirects_to_its_page(
    client_for: Any, editor: Any, writer: Any
) -> None:
    response = post_run(client_for(editor), writer)
    run = Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assistants:run-detail", args=[run.pk])
    assert (run.status, run.version, run.input) == (Run.QUEUED, 1, {"topic": "tide pools"})
    assert run.context == {"style": "tweet"}
    assert run.created_by == editor and run.task_id
    entry = AuditEntry.objects.get(action="run.created")
    assert entry.actor_user == editor and entry.payload["run_id"] == str(run.pk)


def test_an_input_that_does_not_fit_the_schema_gets_an_error_and_nothing_is_queued(
    client_for: Any, editor: Any, writer: Any
) -> None:
    response = post_run(client_for(editor), writer, **{"input-topic": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Run.objects.exists()


def test_the_run_page_shows_output_steps_and_model_calls(
    client_for: Any, editor: Any, writer: Any
) -> None:
    post_run(client_for(editor), writer)
    run = Run.objects.get()
    assert execute_run.call(str(run.pk)) == Run.SUCCEEDED
    html = client_for(editor).get(reverse("assistants:run-detail", args=[run.pk])).content.decode()
    run.refresh_from_db()
    assert "Succeeded" in html
    assert run.output_text.split("\n")[0] in html
    assert "<code>write</code>" in html and "<code>polish</code>" in html
    assert "anthropic/claude-sonnet-4-5" in html
    assert "Write a tweet about tide pools." in html  # the rendered prompt that was sent
    assert f"{run.total_tokens} tokens" in html
    assert "Run again" in html
    assert 'hx-trigger="every 700ms"' not in html  # finished: no more polling


def test_a_queued_run_polls_its_live_region_and_htmx_gets_only_the_region(
    client_for: Any, editor: Any, writer: Any
) -> None:
    post_run(client_for(editor), writer)
    run = Run.objects.get()
    url = reverse("assistants:run-detail", args=[run.pk])
    full = client_for(editor).get(url).content.decode()
    assert 'hx-trigger="every 700ms"' in full and "Waiting for a worker" in full
    part = client_for(editor).get(url, **HTMX)
    body = part.content.decode()
    assert body.lstrip().startswith('<section id="run-live"')
    assert "<html" not in body
    assert "HX-Request" in part["Vary"]


def test_htmx_run_answers_the_live_region_in_place(
    client_for: Any, editor: Any, writer: Any
) -> None:
    data = {"version": "1", "input-topic": "maps", "run": "1"}
    response = client_for(editor).post(try_url(writer), data, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="run-live"')


def test_a_failed_run_names_the_node_and_staff_see_the_traceback(
    client_for: Any, editor: Any, make_user: Any, make_assistant: Any
) -> None:
    assistant = make_assistant("failing", name="Failing")
    post_run(client_for(editor), assistant)
    run = Run.objects.get()
    execute_run.call(str(run.pk))
    url = reverse("assistants:run-detail", args=[run.pk])
    html = client_for(editor).get(url).content.decode()
    assert "The step “explode” failed:" in html
    assert "ValueError: the flux capacitor is empty" in html
    assert "Traceback (staff only)" not in html
    staff = make_user("stella", "editor", is_staff=True)
    assert "Traceback (staff only)" in client_for(staff).get(url).content.decode()


def test_a_graph_that_fails_to_import_shows_its_error_instead_of_the_form(
    client_for: Any, editor: Any, make_assistant: Any
) -> None:
    from assistants.models import Assistant

    assistant = Assistant.objects.create(graph_id="broken", name="Broken")
    html = client_for(editor).get(try_url(assistant)).content.decode()
    assert "cannot run" in html and "this_module_does_not_exist" in html
    assert ">Run</button>" not in html


def test_a_chat_graph_gets_one_message_box(
    client_for: Any, editor: Any, make_assistant: Any
) -> None:
    assistant = make_assistant("chat", name="Chat")
    html = client_for(editor).get(try_url(assistant)).content.decode()
    assert html.count("<textarea") == 1 and 'name="input-messages"' in html
    post_run(client_for(editor), assistant, **{"input-messages": "Hello there"})
    run = Run.objects.get()
    assert run.input == {"messages": [{"role": "user", "content": "Hello there"}]}


def test_viewers_see_runs_but_cannot_start_cancel_or_rerun_them(
    client_for: Any, viewer: Any, editor: Any, writer: Any
) -> None:
    post_run(client_for(editor), writer)
    run = Run.objects.get()
    client = client_for(viewer)
    assert client.get(reverse("assistants:run-detail", args=[run.pk])).status_code == 200
    assert client.get(reverse("assistants:run-list", args=[writer.pk])).status_code == 200
    assert client.get(try_url(writer)).status_code == 403
    assert post_run(client, writer).status_code == 403
    assert client.post(reverse("assistants:run-cancel", args=[run.pk])).status_code == 403
    assert client.post(reverse("assistants:run-rerun", args=[run.pk])).status_code == 403
    assert Run.objects.count() == 1


def test_anonymous_users_are_sent_to_sign_in(client_for: Any, writer: Any) -> None:
    response = client_for(None).get(try_url(writer))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_wrong_methods_get_405(client_for: Any, editor: Any, writer: Any) -> None:
    post_run(client_for(editor), writer)
    run = Run.objects.get()
    client = client_for(editor)
    assert client.get(reverse("assistants:run-cancel", args=[run.pk])).status_code == 405
    assert client.get(reverse("assistants:run-rerun", args=[run.pk])).status_code == 405
    assert client.post(reverse("assistants:run-detail", args=[run.pk])).status_code == 405
    assert client.delete(try_url(writer)).status_code == 405


def test_cancel_stops_a_queued_run_and_the_worker_skips_it(
    client_for: Any, editor: Any, writer: Any
) -> None:
    post_run(client_for(editor), writer)
    run = Run.objects.get()
    response = client_for(editor).post(reverse("assistants:run-cancel", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == Run.CANCELLED and run.error == "Cancelled by eddie."
    assert execute_run.call(str(run.pk)) == "skipped"
    assert AuditEntry.objects.filter(action="run.cancelled").count() == 1


def test_run_again_queues_the_same_version_and_input(
    client_for: Any, editor: Any, writer: Any
) -> None:
    post_run(client_for(editor), writer)
    first = Run.objects.get()
    execute_run.call(str(first.pk))
    response = client_for(editor).post(reverse("assistants:run-rerun", args=[first.pk]))
    second = Run.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse("assistants:run-detail", args=[second.pk])
    assert (second.version, second.input, second.rerun_of) == (first.version, first.input, first)


def test_the_per_user_cap_on_active_runs_gives_a_clear_message(
    client_for: Any, editor: Any, writer: Any, settings: Any
) -> None:
    settings.STUDIO_RUN_MAX_ACTIVE_PER_USER = 2
    client = client_for(editor)
    assert [post_run(client, writer).status_code for _ in range(2)] == [302, 302]
    response = post_run(client, writer)
    assert response.status_code == 422
    assert "You already have 2 runs queued or running" in response.content.decode()
    assert Run.objects.count() == 2


def test_the_edit_page_values_can_be_tried_before_saving(
    client_for: Any, editor: Any, writer: Any
) -> None:
    edit = {
        "source": "edit",
        "base_version": "1",
        "ctx-system_prompt": "Be enthusiastic. Write a {style} about {topic}.",
        "ctx-model": "openai/gpt-4o-mini",
        "ctx-temperature": "0",
        "ctx-style": "tweet",
        "ctx-max_length": "1200",
    }
    client = client_for(editor)
    html = client.post(try_url(writer), edit, **HTMX).content.decode()
    assert '<option value="unsaved" selected>' in html
    hidden = json.loads(
        html.split('name="unsaved_context" value="')[1].split('"')[0].replace("&quot;", '"')
    )
    assert hidden["system_prompt"].startswith("Be enthusiastic.")
    response = client.post(
        try_url(writer),
        {
            "version": "unsaved",
            "unsaved_context": json.dumps(hidden),
            "input-topic": "maps",
            "run": "1",
        },
    )
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.version is None and run.context == hidden
    execute_run.call(str(run.pk))
    run.refresh_from_db()
    assert "This is exciting!" in run.output_text and "openai/gpt-4o-mini" in run.output_text
    assert writer.versions.count() == 1  # nothing was saved


def test_an_unsaved_configuration_that_does_not_fit_is_refused(
    client_for: Any, editor: Any, writer: Any
) -> None:
    bad = json.dumps({"temperature": 7})
    data = {"version": "unsaved", "unsaved_context": bad, "input-topic": "x", "run": "1"}
    response = client_for(editor).post(try_url(writer), data)
    assert response.status_code == 422
    assert "temperature" in response.content.decode()
    assert not Run.objects.exists()


def test_the_assistant_page_links_try_it_and_loads_recent_runs(
    client_for: Any, editor: Any, viewer: Any, writer: Any
) -> None:
    url = reverse("assistants:assistant-detail", args=[writer.pk])
    html = client_for(editor).get(url).content.decode()
    assert f'href="{try_url(writer)}">Try it</a>' in html
    assert reverse("assistants:run-list", args=[writer.pk]) in html
    assert ">Try it</a>" not in client_for(viewer).get(url).content.decode()
    post_run(client_for(editor), writer)
    runs = client_for(viewer).get(reverse("assistants:run-list", args=[writer.pk]), **HTMX)
    assert runs.content.decode().lstrip().startswith('<section id="recent-runs"')
    assert "Queued" in runs.content.decode()


def test_a_draft_can_be_chosen_and_runs_with_its_configuration(
    client_for: Any, editor: Any, writer: Any
) -> None:
    services.version_save(
        actor=Actor.system_actor(), assistant_id=writer.pk, context={"style": "blog"}
    )
    detail = reverse("assistants:assistant-detail", args=[writer.pk])
    # with a draft, the assistant page's Try it opens on the draft
    assert f'href="{try_url(writer)}?version=draft">Try it</a>' in (
        client_for(editor).get(detail).content.decode()
    )
    html = client_for(editor).get(try_url(writer) + "?version=draft").content.decode()
    assert '<option value="2" selected>Draft: v2</option>' in html
    post_run(client_for(editor), writer, version="2")
    assert Run.objects.get().context == {"style": "blog"}
