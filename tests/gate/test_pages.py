"""The pages: test inputs (add, edit, delete, copy), Compare with live, the comparison page, the
gate setting, the assistant page's section and the publish confirmation; per role."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from assistants import services
from assistants.models import Assistant, AuditEntry, Comparison, TestInput
from assistants.services.comparisons import comparison_create
from assistants.services.gate import assistant_gate_set
from assistants.services.test_inputs import test_input_create as create_input
from tests.gate.conftest import HTMX, SYSTEM, execute_queued

pytestmark = pytest.mark.django_db

TWEET = [{"kind": "contains", "value": "in one breath"}]


def add_input(assistant: Assistant, name: str = "tide") -> TestInput:
    return create_input(
        actor=SYSTEM,
        assistant_id=assistant.pk,
        name=name,
        graph_input={"topic": "tide pools"},
        expectations=TWEET,
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"assistants:{name}", args=args)


# -- test inputs -----------------------------------------------------------------------------------


def test_the_assistant_page_links_test_inputs_and_loads_the_checks_section(
    client_for: Any, viewer: Any, writer: Assistant
) -> None:
    add_input(writer)
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    client = client_for(viewer)
    html = client.get(url("assistant-detail", writer.pk)).content.decode()
    assert f'<a class="strong" href="{url("testinput-list", writer.pk)}">Test inputs</a>' in html
    assert f'hx-get="{url("comparison-panel", writer.pk)}" hx-trigger="load"' in html
    panel = client.get(url("comparison-panel", writer.pk), **HTMX).content.decode()
    assert panel.lstrip().startswith('<section id="checks"')
    assert f'<a class="strong" href="{url("testinput-list", writer.pk)}">Test inputs</a>' in panel
    assert "v2 against live v1</a>" in panel and "1 of 1 checks pass (live 0)" in panel
    assert "Publishing does not require passing checks." in panel
    assert "Compare with live" not in panel and "Require passing checks to publish" not in panel


def test_editors_see_compare_with_live_and_publishers_the_gate_setting(
    client_for: Any, editor: Any, publisher: Any, writer: Assistant
) -> None:
    editor_html = client_for(editor).get(url("comparison-panel", writer.pk)).content.decode()
    assert ">Compare with live</button>" in editor_html
    assert "Require passing checks to publish" not in editor_html
    html = client_for(publisher).get(url("comparison-panel", writer.pk)).content.decode()
    assert '<label for="require-passing-checks">Require passing checks to publish</label>' in html


def test_the_test_input_form_is_the_generated_input_form_with_expectation_fields(
    client_for: Any, editor: Any, writer: Assistant
) -> None:
    response = client_for(editor).get(url("testinput-create", writer.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="input-topic"' in html
    assert ">The output must contain (one phrase per line)</label>" in html
    assert ">The output does not contain (one phrase per line)</label>" in html  # as the docs say
    assert ">Add test input</button>" in html


def test_adding_a_test_input_saves_it_and_redirects_to_the_list(
    client_for: Any, editor: Any, writer: Assistant
) -> None:
    response = client_for(editor).post(
        url("testinput-create", writer.pk),
        {
            "name": "tide",
            "input-topic": "tide pools",
            "contains": "in one breath\n\n#TidePools ",
            "max_chars": "280",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("testinput-list", writer.pk)
    row = TestInput.objects.get()
    assert (row.name, row.input) == ("tide", {"topic": "tide pools"})
    assert row.expectations == [
        {"kind": "contains", "value": "in one breath"},
        {"kind": "contains", "value": "#TidePools"},
        {"kind": "max_chars", "value": 280},
    ]
    assert AuditEntry.objects.get(action="test_input.created").actor_user == editor


def test_an_invalid_regex_comes_back_beside_its_field_with_422(
    client_for: Any, editor: Any, writer: Assistant
) -> None:
    response = client_for(editor).post(
        url("testinput-create", writer.pk),
        {"name": "tide", "input-topic": "tide pools", "regex": "(unclosed"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_regex-errors"' in html
    assert "“(unclosed” is not a valid regular expression" in html
    assert "<html" not in html  # the form partial only
    assert not TestInput.objects.exists()


def test_editing_and_deleting_a_test_input(client_for: Any, editor: Any, writer: Assistant) -> None:
    row = add_input(writer)
    client = client_for(editor)
    page = client.get(url("testinput-edit", writer.pk, row.pk)).content.decode()
    assert 'value="tide pools"' in page and "in one breath</textarea>" in page
    response = client.post(
        url("testinput-edit", writer.pk, row.pk),
        {"name": "tide", "input-topic": "rock pools", "valid_json": "on"},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == url(
        "testinput-list", writer.pk
    )
    assert "test-inputs-changed" in response["HX-Trigger"]
    row.refresh_from_db()
    assert (row.input, row.expectations) == (
        {"topic": "rock pools"},
        [{"kind": "valid_json", "value": True}],
    )
    client.post(url("testinput-delete", writer.pk, row.pk))
    assert not TestInput.objects.exists()


def test_copying_test_inputs_from_another_assistant_of_the_graph(
    client_for: Any, editor: Any, writer: Assistant, make_assistant: Any
) -> None:
    add_input(writer)
    other = make_assistant("writer", name="Second writer")
    client = client_for(editor)
    page = client.get(url("testinput-list", other.pk)).content.decode()
    assert f'<option value="{writer.pk}">Writer</option>' in page
    response = client.post(url("testinput-copy", other.pk), {"source": str(writer.pk)})
    assert response.status_code == 302
    assert list(other.test_inputs.values_list("name", flat=True)) == ["tide"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("testinput-create", "post"),
        ("testinput-copy", "post"),
        ("assistant-gate", "post"),
    ],
)
def test_viewers_cannot_change_anything(
    client_for: Any, viewer: Any, writer: Assistant, name: str, method: str
) -> None:
    response = getattr(client_for(viewer), method)(url(name, writer.pk), {})
    assert response.status_code == 403


def test_wrong_methods_are_405(client_for: Any, editor: Any, writer: Assistant) -> None:
    client = client_for(editor)
    assert client.get(url("testinput-copy", writer.pk)).status_code == 405
    assert client.get(url("comparison-create", writer.pk, 2)).status_code == 405
    assert client.delete(url("testinput-list", writer.pk)).status_code == 405


def test_the_test_input_list_answers_htmx_with_its_partial(
    client_for: Any, viewer: Any, writer: Assistant
) -> None:
    add_input(writer)
    response = client_for(viewer).get(url("testinput-list", writer.pk), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="test-inputs"') and "tide" in html
    assert "Add test input" not in html


# -- comparisons -----------------------------------------------------------------------------------


def test_compare_with_live_queues_a_comparison_and_opens_its_page(
    client_for: Any, editor: Any, writer: Assistant
) -> None:
    add_input(writer)
    response = client_for(editor).post(url("comparison-create", writer.pk, 2), {"repeats": "2"})
    comparison = Comparison.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("comparison-detail", comparison.pk)
    assert (comparison.candidate_version, comparison.repeats, comparison.total) == (2, 2, 4)
    page = client_for(editor).get(url("comparison-detail", comparison.pk))
    html = page.content.decode()
    assert "Progress: 0 of 4 runs done" in html and 'hx-trigger="every 1s"' in html


def test_compare_with_live_without_test_inputs_says_what_to_do(
    client_for: Any, editor: Any, writer: Assistant
) -> None:
    client = client_for(editor)
    response = client.post(url("comparison-create", writer.pk, 2), follow=True)
    assert "Add a test input first" in response.content.decode()
    assert not Comparison.objects.exists()


def test_the_comparison_page_shows_the_results_table(
    client_for: Any, viewer: Any, writer: Assistant
) -> None:
    add_input(writer)
    comparison = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    response = client_for(viewer).get(url("comparison-detail", comparison.pk), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="comparison-live"')
    assert "every 1s" not in html  # finished: no more polling
    assert "v2: 1 of 1 checks pass — passes</p>" in html
    assert "Live v1 for reference: 0 of 1." in html
    assert (
        'contains “in one breath”: live <span class="badge badge--error">fail</span> / draft '
        '<span class="badge badge--live">pass</span>'
    ) in html
    for link in comparison.links.all():
        assert url("run-detail", link.run_id) in html
    assert "<ins>" in html and "<del>" in html and " tokens" in html and " ms" in html


# -- gate and publish confirmation -------------------------------------------------------------------


def test_publishers_turn_the_gate_on_and_it_is_audited(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    client = client_for(publisher)
    response = client.post(url("assistant-gate", writer.pk), {"require_passing_checks": "on"})
    assert response.status_code == 302
    assert Assistant.objects.get(pk=writer.pk).require_passing_checks is True
    assert AuditEntry.objects.get(action="assistant.gate_changed").actor_user == publisher
    client.post(url("assistant-gate", writer.pk), {})
    assert Assistant.objects.get(pk=writer.pk).require_passing_checks is False


def test_the_publish_confirmation_shows_the_latest_comparison_or_not_compared_yet(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    client = client_for(publisher)
    html = client.get(url("version-publish-confirm", writer.pk, 2)).content.decode()
    assert "v2: not compared yet." in html and ">Compare with live</button>" in html
    add_input(writer)
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    html = client.get(url("version-publish-confirm", writer.pk, 2)).content.decode()
    assert "v2: 1 of 1 checks pass; live v1: 0 of 1" in html


def test_a_gated_publish_in_the_studio_is_refused_with_the_failing_checks(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    add_input(writer)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    services.version_save(actor=SYSTEM, assistant_id=writer.pk, context={"style": "blog"})
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=3))
    client = client_for(publisher)
    confirm = client.get(url("version-publish-confirm", writer.pk, 3)).content.decode()
    assert "publishing v3 is refused: 0 of 1 checks pass." in confirm
    response = client.post(url("version-publish", writer.pk, 3), follow=True)
    html = response.content.decode()
    assert "v3 cannot be published: this assistant requires passing checks." in html
    assert "Failing checks: tide: contains “in one breath”." in html
    assert Assistant.objects.get(pk=writer.pk).version == 1
    htmx = client.post(url("version-publish", writer.pk, 3), **HTMX)
    assert htmx.status_code == 200 and "version-publish-refused" in htmx["HX-Trigger"]
    assert "cannot be published" in htmx.content.decode()


def test_the_checks_section_refreshes_after_a_publish_or_a_restore(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    client = client_for(publisher)
    panel = client.get(url("comparison-panel", writer.pk), **HTMX).content.decode()
    assert (
        'hx-trigger="gate-changed from:body, version-published from:body, '
        'version-restored from:body"' in panel
    )
    assert "Run the draft v2 and the live v1 on every test input" in panel
    published = client.post(url("version-publish", writer.pk, 2), **HTMX)
    assert "version-published" in published["HX-Trigger"]
    panel = client.get(url("comparison-panel", writer.pk), **HTMX).content.decode()
    assert "Run the draft" not in panel and "Compare with live" not in panel


def test_a_gated_publish_confirmation_disables_publish_and_says_why(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    add_input(writer)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    client = client_for(publisher)
    html = client.get(url("version-publish-confirm", writer.pk, 2), **HTMX).content.decode()
    assert "publishing v2 is refused: It has not been compared with live yet." in html
    assert (
        '<button type="submit" class="button" disabled aria-describedby="gate-refusal-2">'
        "Publish v2</button>" in html
    )
    assert "autofocus>Cancel</a>" in html and ">Compare with live</button>" in html
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    html = client.get(url("version-publish-confirm", writer.pk, 2), **HTMX).content.decode()
    assert "v2 passes all of them." in html
    assert '<button type="submit" class="button button--primary" autofocus>Publish v2</button>' in (
        html
    )


def test_an_old_version_s_publish_from_the_history_says_it_will_be_refused(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    add_input(writer)
    services.version_publish(actor=SYSTEM, assistant_id=writer.pk, version=2)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=1))
    html = client_for(publisher).get(url("version-publish-confirm", writer.pk, 1)).content.decode()
    assert "publishing v1 is refused: 0 of 1 checks pass." in html
    assert 'disabled aria-describedby="gate-refusal-1">Publish v1</button>' in html


def test_the_draft_card_and_the_edit_page_mention_the_gate(
    client_for: Any, publisher: Any, writer: Assistant
) -> None:
    client = client_for(publisher)
    assert (
        "Publishing requires" not in client.get(url("assistant-detail", writer.pk)).content.decode()
    )
    add_input(writer)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    html = client.get(url("assistant-detail", writer.pk)).content.decode()
    assert "Publishing requires passing checks: not compared yet.</p>" in html
    services.version_save(actor=SYSTEM, assistant_id=writer.pk, context={"style": "blog"})
    comparison = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=3))
    draft = client.get(url("assistant-detail", writer.pk), HTTP_HX_TARGET="draft", **HTMX)
    link = url("comparison-detail", comparison.pk)
    assert (
        f'Publishing requires passing checks: <a href="{link}">0 of 1 checks pass</a>.</p>'
        in draft.content.decode()
    )
    edit = client.get(url("assistant-edit", writer.pk)).content.decode()
    assert "Publishing requires passing checks: compare the saved draft with live first." in edit


def test_the_comparison_page_gives_a_verdict_and_the_next_steps(
    client_for: Any, viewer: Any, publisher: Any, writer: Assistant
) -> None:
    add_input(writer)
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    services.version_save(actor=SYSTEM, assistant_id=writer.pk, context={"style": "blog"})
    failing = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=3))
    passing = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    back = f'<a class="button" href="{url("assistant-detail", writer.pk)}"><span>Back to “<bdi>Writer</bdi>”</span></a>'
    html = client_for(publisher).get(url("comparison-detail", failing.pk)).content.decode()
    assert '<span class="badge badge--error">fails</span>' in html
    assert "v3: 0 of 1 checks pass — fails the gate</p>" in html
    assert back in html and "Publish v3…" not in html
    assert 'data-status="done">Finished</span>' in html  # the verdict, not the status, is coloured
    html = client_for(publisher).get(url("comparison-detail", passing.pk)).content.decode()
    assert "v2: 1 of 1 checks pass — passes the gate</p>" in html
    assert f'href="{url("version-publish-confirm", writer.pk, 2)}"' in html and back in html
    viewer_html = client_for(viewer).get(url("comparison-detail", passing.pk)).content.decode()
    assert "Publish v2…" not in viewer_html and back in viewer_html


def test_a_comparison_s_runs_are_credited_to_who_started_it_and_link_back(
    client_for: Any, editor: Any, writer: Assistant, settings: Any
) -> None:
    from assistants.actors import Actor
    from assistants.models import Run
    from assistants.services.runs import run_create

    settings.STUDIO_RUN_MAX_ACTIVE_PER_USER = 1  # a comparison of 4 runs is not held by the cap
    add_input(writer)
    client = client_for(editor)
    client.post(url("comparison-create", writer.pk, 2), {"repeats": "2"})
    comparison = Comparison.objects.get()
    runs = Run.objects.filter(comparison_link__comparison=comparison)
    assert sorted({(r.actor, r.created_by) for r in runs}) == [("user:eddie", editor)]
    assert runs.count() == 4
    # Nor do the comparison's runs count against the user's own Try it runs.
    run_create(actor=Actor(user=editor), assistant_id=writer.pk, graph_input={}, version=1)
    live_run = runs.filter(comparison_link__side="live").first()
    assert live_run is not None
    html = client.get(url("run-detail", live_run.pk)).content.decode()
    assert "<span>by eddie</span>" in html
    assert (
        f'<span>Part of <a href="{url("comparison-detail", comparison.pk)}">the comparison of v2 '
        "with live v1</a> (live side)</span>"
    ) in html
    recent = client.get(url("run-list", writer.pk)).content.decode()
    assert "eddie" in recent and "system" not in recent


def test_test_inputs_are_shown_with_the_input_schema_s_field_labels(
    client_for: Any, viewer: Any, writer: Assistant
) -> None:
    add_input(writer)
    comparison = execute_queued(comparison_create(actor=SYSTEM, assistant_id=writer.pk, version=2))
    client = client_for(viewer)
    shown = '<dl class="input-rows small"><dt class="depth-0">Topic</dt><dd>tide pools</dd></dl>'
    listing = client.get(url("testinput-list", writer.pk)).content.decode()
    assert shown in listing and "{&#x27;topic&#x27;" not in listing
    assert shown in client.get(url("comparison-detail", comparison.pk)).content.decode()
