"""Export and import carry test inputs and the publish-gate setting."""

from __future__ import annotations

import copy

import pytest

from assistants.models import Assistant, TestInput
from assistants.services import assistants_import as import_assistants
from assistants.services.gate import assistant_gate_set
from assistants.services.test_inputs import test_input_create as create_input
from assistants.transfer import ImportFileError, export_assistants
from tests.gate.conftest import SYSTEM

pytestmark = pytest.mark.django_db

TWEET = [{"kind": "contains", "value": "in one breath"}]


def test_test_inputs_and_the_gate_round_trip(writer: Assistant) -> None:
    create_input(
        actor=SYSTEM,
        assistant_id=writer.pk,
        name="tide",
        graph_input={"topic": "tide pools"},
        expectations=TWEET,
    )
    assistant_gate_set(actor=SYSTEM, assistant_id=writer.pk, required=True)
    document = export_assistants()
    item = document["assistants"][0]
    assert item["require_passing_checks"] is True
    assert item["test_inputs"] == [
        {"name": "tide", "input": {"topic": "tide pools"}, "expectations": TWEET}
    ]
    Assistant.objects.all().delete()
    report = import_assistants(actor=SYSTEM, data=document)
    assert report.created == [str(writer.pk)]
    imported = Assistant.objects.get(pk=writer.pk)
    assert imported.require_passing_checks is True
    assert list(imported.test_inputs.values_list("name", "input", "expectations")) == [
        ("tide", {"topic": "tide pools"}, TWEET)
    ]
    again = import_assistants(actor=SYSTEM, data=document)
    assert again.unchanged == [str(writer.pk)] and TestInput.objects.count() == 1
    second = export_assistants()
    assert second["assistants"] == document["assistants"]


def test_a_file_with_a_bad_expectation_is_refused_before_anything_is_imported(
    writer: Assistant,
) -> None:
    document = copy.deepcopy(export_assistants())
    document["assistants"][0]["test_inputs"] = [
        {"name": "x", "input": {}, "expectations": [{"kind": "regex", "value": "("}]}
    ]
    Assistant.objects.all().delete()
    with pytest.raises(ImportFileError, match=r"assistants\[0\]\.test_inputs\[0\]\.expectations"):
        import_assistants(actor=SYSTEM, data=document)
    assert not Assistant.objects.exists()
