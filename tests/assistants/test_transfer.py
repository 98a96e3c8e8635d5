from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assistants import services
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from assistants.transfer import export_assistants

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(blog, system_actor):
    services.version_save(
        actor=system_actor, assistant_id=blog.pk, context={"temperature": 1.1}, publish=True
    )
    services.version_save(
        actor=system_actor, assistant_id=blog.pk, context={"temperature": 1.3}, note="draft"
    )
    services.version_restore(actor=system_actor, assistant_id=blog.pk, version=1)
    services.version_publish(actor=system_actor, assistant_id=blog.pk, version=1)
    return blog


def _without_time(document):
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_export_then_import_into_an_empty_database_round_trips_exactly(history, tmp_path):
    path = tmp_path / "export.json"
    call_command("export_assistants", "--output", str(path))
    first = json.loads(path.read_text())
    assert [len(a["versions"]) for a in first["assistants"]] == [4]
    assert first["assistants"][0]["published_version"] == 1
    assert [p["to_version"] for p in first["assistants"][0]["publications"]] == [1, 2, 1]

    Assistant.objects.all().delete()
    assert AssistantVersion.objects.count() == 0
    call_command("import_assistants", str(path))

    again = export_assistants()
    assert _without_time(again) == _without_time(first)
    restored = Assistant.objects.get(pk=history.pk)
    assert (restored.version, restored.latest_version_number, restored.has_draft) == (1, 4, True)
    assert restored.published_version.version == 1
    assert AssistantVersion.objects.get(assistant=restored, version=4).restored_from == 1


def test_importing_the_same_file_twice_changes_nothing(history, tmp_path, capsys):
    path = tmp_path / "export.json"
    call_command("export_assistants", "--output", str(path))
    before = (
        AssistantVersion.objects.count(),
        Publication.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("import_assistants", str(path))
    call_command("import_assistants", str(path))
    assert "Created 0, updated 0, unchanged 1, skipped 0." in capsys.readouterr().out
    assert (
        AssistantVersion.objects.count(),
        Publication.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_import_appends_the_versions_a_database_lacks(history, system_actor, tmp_path):
    old = export_assistants()
    services.version_save(
        actor=system_actor, assistant_id=history.pk, context={"style": "tweet"}, publish=True
    )
    newer = export_assistants()
    Assistant.objects.all().delete()
    from assistants.services import assistants_import as import_assistants

    assert import_assistants(actor=system_actor, data=old).created == [str(history.pk)]
    assert import_assistants(actor=system_actor, data=newer).updated == [str(history.pk)]
    assert _without_time(export_assistants()) == _without_time(newer)


def test_an_assistant_whose_history_diverged_is_skipped_not_overwritten(history, system_actor):
    from assistants.services import assistants_import as import_assistants

    document = export_assistants()
    document["assistants"][0]["versions"][1]["note"] = "rewritten elsewhere"
    before = list(AssistantVersion.objects.values())
    report = import_assistants(actor=system_actor, data=document)
    assert list(report.skipped) == [str(history.pk)]
    assert list(AssistantVersion.objects.values()) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"format": "other"}', "Not an Assistants Studio export"),
        (
            '{"format": "assistants-studio/v1", "assistants": [{"assistant_id": "x", "versions": []}]}',
            "is not a UUID",
        ),
        (
            '{"format": "assistants-studio/v1", "assistants": [{"assistant_id": "6ba7b821-9dad-11d1-80b4-00c04fd430c8", "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00", "versions": [{"version": 2}]}]}',
            "numbered 1..1",
        ),
    ],
)
def test_a_bad_import_file_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_assistants", str(path))
    assert Assistant.objects.count() == 0


def test_importing_an_older_export_never_moves_what_is_live_back(history, system_actor):
    from assistants.services import assistants_import as import_assistants

    old = export_assistants()  # v1 is live in this file
    services.version_publish(actor=system_actor, assistant_id=history.pk, version=3)
    before = (list(AssistantVersion.objects.values()), Publication.objects.count())
    report = import_assistants(actor=system_actor, data=old)
    assert list(report.skipped) == [str(history.pk)]
    assert "newer than the file's" in report.skipped[str(history.pk)]
    history.refresh_from_db()
    assert history.version == 3
    assert (list(AssistantVersion.objects.values()), Publication.objects.count()) == before


def test_a_file_with_a_bad_date_is_refused_before_anything_is_imported(history, system_actor):
    from assistants.services import assistants_import as import_assistants
    from assistants.transfer import ImportFileError

    document = export_assistants()
    Assistant.objects.all().delete()
    second = json.loads(json.dumps(document["assistants"][0]))
    second["assistant_id"] = "6ba7b821-9dad-11d1-80b4-00c04fd430c8"
    del second["updated_at"]
    document["assistants"].append(second)
    with pytest.raises(ImportFileError, match=r"assistants\[1\].updated_at"):
        import_assistants(actor=system_actor, data=document)
    assert Assistant.objects.count() == 0
