"""An import judges the whole file first, as the API judges a write, and writes all or nothing."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assistants import services
from assistants.models import Assistant, AssistantVersion, AuditEntry, Publication
from assistants.transfer import ImportFileError, export_assistants

pytestmark = pytest.mark.django_db

OTHER_ID = "6ba7b821-9dad-11d1-80b4-00c04fd430c8"


@pytest.fixture
def document(blog_v1, system_actor):
    """An export of two assistants (the blog writer with three versions, and a copy), then an
    empty database to import it into."""
    services.version_save(
        actor=system_actor, assistant_id=blog_v1.pk, context={"temperature": 1.1}, publish=True
    )
    services.version_restore(actor=system_actor, assistant_id=blog_v1.pk, version=1)
    services.assistant_duplicate(actor=system_actor, assistant_id=blog_v1.pk)
    exported = export_assistants()
    assert len(exported["assistants"]) == 2
    Assistant.objects.all().delete()
    return exported


def _counts() -> tuple[int, int, int, int]:
    return (
        Assistant.objects.count(),
        AssistantVersion.objects.count(),
        Publication.objects.count(),
        AuditEntry.objects.filter(action="assistant.imported").count(),
    )


def _refused(system_actor, document) -> list[str]:
    before = _counts()
    with pytest.raises(ImportFileError) as caught:
        services.assistants_import(actor=system_actor, data=document)
    assert _counts() == before, "nothing may be written when the file is refused"
    return [str(problem) for problem in caught.value.problems]


def test_a_good_file_imports_every_assistant(document, system_actor):
    report = services.assistants_import(actor=system_actor, data=document)

    assert len(report.created) == 2
    assert _counts() == (2, 4, 3, 2)


def test_a_string_as_metadata_is_refused_naming_its_place(document, system_actor):
    document["assistants"][1]["versions"][0]["metadata"] = "team=marketing"
    assistant_id = document["assistants"][1]["assistant_id"]

    assert _refused(system_actor, document) == [
        f"assistants[1].versions[0].metadata (assistant {assistant_id}): Must be an object."
    ]


def test_a_context_outside_the_graphs_schema_is_refused_like_the_api_refuses_it(
    document, system_actor
):
    version = document["assistants"][0]["versions"][1]
    version["context"] = {"temperature": "hot"}
    version["config"] = {"configurable": {"temperature": "hot"}}

    [problem] = _refused(system_actor, document)
    assert problem.startswith("assistants[0].versions[1].context.temperature (assistant ")


def test_every_problem_of_every_row_is_listed_at_once_and_the_good_rows_are_not_written(
    document, system_actor
):
    first, second = document["assistants"]
    first["versions"][0]["name"] = "x" * 256
    first["versions"][0]["note"] = 7
    first["versions"][2]["context"] = {"temperature": 0.1}  # a "restore" that copies nothing
    first["versions"][2]["config"] = {"configurable": {"temperature": 0.1}}
    first["publications"][0]["to_version"] = 9
    second["versions"][0]["context"] = {"system_prompt": "nul \x00 inside"}
    second["versions"][0]["config"] = {}
    second["versions"][0]["graph_id"] = "retired"
    second["created_at"] = "yesterday"
    document["assistants"].append(copy.deepcopy(second) | {"assistant_id": OTHER_ID})
    document["assistants"][2]["versions"][0]["description"] = "lone \ud83d surrogate"

    problems = _refused(system_actor, document)

    places = [problem.split(" (assistant ")[0] for problem in problems]
    assert places == [
        "assistants[0].versions[0].note",
        "assistants[0].versions[0].name",
        "assistants[0].publications[0].to_version",
        "assistants[1].created_at",
        "assistants[1].versions[0].context",
        "assistants[2].created_at",
        "assistants[2].versions[0].context",
        "assistants[2].versions[0].description",
    ]
    assert "Must not contain NUL" in problems[4]
    assert "no lone UTF-16 surrogates" in problems[7]


def test_graph_checks_judge_each_new_version_as_a_save_of_it(document, system_actor):
    first, second = document["assistants"]
    first["versions"][2]["context"] = {"temperature": 0.1}  # a "restore" that copies nothing
    first["versions"][2]["config"] = {"configurable": {"temperature": 0.1}}
    second["versions"][0]["graph_id"] = "retired"

    problems = _refused(system_actor, document)

    assert [p.split(" (assistant ")[0] for p in problems] == [
        "assistants[0].versions[2].restored_from",
        "assistants[1].versions[0].graph_id",
    ]
    assert "A restore must copy the version it names." in problems[0]
    assert "'retired' not found" in problems[1]


def test_keys_the_api_would_drop_and_a_config_that_contradicts_the_context_are_refused(
    document, system_actor
):
    version = document["assistants"][0]["versions"][0]
    version["metadata"] = {**version["metadata"], "thread_id": "t-1"}
    version["config"] = {**version["config"], "configurable": {"temperature": 0.2}}

    problems = _refused(system_actor, document)

    assert [p.split(": ", 1)[1] for p in problems] == [
        "Holds keys reserved by LangGraph; remove them.",
        "Must equal the version's context (each mirrors the other).",
    ]


def test_the_command_lists_every_problem_and_writes_nothing(document, tmp_path):
    document["assistants"][0]["versions"][0]["metadata"] = "not an object"
    document["assistants"][1]["versions"][0]["metadata"] = ["nor", "this"]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError) as caught:
        call_command("import_assistants", str(path))

    message = str(caught.value)
    assert message.startswith("2 problems; nothing was imported:")
    assert "assistants[0].versions[0].metadata" in message
    assert "assistants[1].versions[0].metadata" in message
    assert Assistant.objects.count() == 0


@pytest.fixture
def failing_insert(django_db_blocker):
    """The database refuses to store a version whose note is ``boom`` (a trigger: a real fault)."""
    from django.db import connection

    table = AssistantVersion._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION studio_boom() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER studio_boom BEFORE INSERT ON {table} FOR EACH ROW "
                "WHEN (NEW.note = 'boom') EXECUTE FUNCTION studio_boom()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER studio_boom BEFORE INSERT ON {table} WHEN NEW.note = 'boom' "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )


def test_a_database_error_halfway_leaves_nothing_behind(document, system_actor, failing_insert):
    # Everything is one transaction: a failure on the second assistant undoes the first.
    from django.db import DatabaseError

    document["assistants"][1]["versions"][0]["note"] = "boom"
    with pytest.raises(DatabaseError, match="disk full"):
        services.assistants_import(actor=system_actor, data=document)
    assert _counts() == (0, 0, 0, 0)
