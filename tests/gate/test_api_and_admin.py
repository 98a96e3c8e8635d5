"""The gate seen by integrations (API PATCH and POST /latest: 409, nothing written) and by the
admin's publish action; with the gate off the API is unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from assistants import services
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from assistants.services.comparisons import comparison_create
from tests.api.conftest import CheckedClient
from tests.gate.conftest import SYSTEM, add_tide_input, execute_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> CheckedClient:
    _, key = services.api_key_create(actor=SYSTEM, name="integration")
    client = CheckedClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def gated(writer: Assistant) -> Assistant:
    add_tide_input(writer, gate=True)
    return writer


def written() -> tuple[int, int, int]:
    return (
        AssistantVersion.objects.count(),
        Publication.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_patch_on_a_gated_assistant_is_a_409_and_writes_nothing(
    api: CheckedClient, gated: Assistant
) -> None:
    before = written()
    response = api.patch(f"/assistants/{gated.pk}", {"context": {"style": "tweet"}})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "A new version cannot be published: this assistant requires passing checks. "
        "Save it as a draft, compare it with live, and publish it once every check passes."
    }
    assert written() == before
    assert Assistant.objects.get(pk=gated.pk).latest_version_number == 2


def test_set_latest_on_a_gated_assistant_names_the_failing_checks(
    api: CheckedClient, gated: Assistant
) -> None:
    services.version_save(actor=SYSTEM, assistant_id=gated.pk, context={"style": "blog"})
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=gated.pk, version=3))
    before = written()
    response = api.post(f"/assistants/{gated.pk}/latest", {"version": 3})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "v3 cannot be published: this assistant requires passing checks. "
        "0 of 1 checks pass. Failing checks: tide: contains “in one breath”."
    }
    assert written() == before
    assert Assistant.objects.get(pk=gated.pk).version == 1


def test_set_latest_publishes_a_version_whose_checks_pass(
    api: CheckedClient, gated: Assistant
) -> None:
    execute_queued(comparison_create(actor=SYSTEM, assistant_id=gated.pk, version=2))
    response = api.post(f"/assistants/{gated.pk}/latest", {"version": 2})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert "require_passing_checks" not in response.json()


def test_with_the_gate_off_a_patch_publishes_as_in_langgraph(
    api: CheckedClient, writer: Assistant
) -> None:
    response = api.patch(f"/assistants/{writer.pk}", {"context": {"style": "tweet"}})
    assert response.status_code == 200
    assert response.json()["version"] == 3
    assert Assistant.objects.get(pk=writer.pk).version == 3


@pytest.fixture
def admin_client_(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("root", "r@example.com", "pw-for-tests")
    client.force_login(user)
    return client


def test_the_admin_publish_action_respects_the_gate(
    admin_client_: Any, gated: Assistant, make_assistant: Any
) -> None:
    open_one = make_assistant("writer", name="Ungated")
    services.version_save(actor=SYSTEM, assistant_id=open_one.pk, context={"style": "tweet"})
    response = admin_client_.post(
        reverse("admin:assistants_assistant_changelist"),
        {"action": "publish_newest_version", "_selected_action": [gated.pk, open_one.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Writer: v2 cannot be published: this assistant requires passing checks." in text
    assert "Published the newest version of 1 assistant(s)." in text
    assert Assistant.objects.get(pk=gated.pk).version == 1
    assert Assistant.objects.get(pk=open_one.pk).version == 2


def test_the_admin_lists_comparisons_and_test_inputs_read_only(
    admin_client_: Any, gated: Assistant
) -> None:
    comparison = execute_queued(comparison_create(actor=SYSTEM, assistant_id=gated.pk, version=2))
    page = admin_client_.get(reverse("admin:assistants_comparison_changelist"))
    assert page.status_code == 200 and "Writer" in page.content.decode()
    detail = admin_client_.get(reverse("admin:assistants_comparison_change", args=[comparison.pk]))
    assert detail.status_code == 200
    assert "1 of 1" in detail.content.decode()
    inputs = admin_client_.get(reverse("admin:assistants_testinput_changelist"))
    assert inputs.status_code == 200 and "tide" in inputs.content.decode()
