"""A tally of committed changes to the assistants table, for exact kept counts.

``studio_assistant_changes`` holds one row per database session that has changed assistants
(PostgreSQL: its backend process id; SQLite, one writer at a time: row 0). Triggers add one to
the writer's row, in the writer's own transaction, for every statement that inserts, updates or
deletes assistants or truncates the table.

The sum of the column therefore grows with every committed change and never otherwise, so two
reads that see the same sum see the same assistants: :mod:`assistants.counts` keeps counts
under it. A row per session (not one shared row) means writers never wait for each other. Row 0
starts at a random number, so a table made again (a migration back and forth) does not meet the
sums of the one before.

Plain SQL, not a model: ``flush`` must not empty it (the sum would start again and meet old keys).
On PostgreSQL the trigger function runs with its owner's rights (the role that migrates), so the
application's role needs no rights on the table to write assistants. A later migration that
rebuilds ``assistants_assistant`` on SQLite drops the triggers and must create them again
(``tests/api/test_counts.py`` checks they exist after every migration).
"""

import secrets

from django.db import migrations

TALLY = "studio_assistant_changes"
TABLE = "assistants_assistant"


def _start() -> int:
    return secrets.randbits(60)


def _postgresql(schema: str) -> list[str]:
    tally = f'"{schema}".{TALLY}'
    return [
        f"CREATE TABLE IF NOT EXISTS {tally} (backend integer PRIMARY KEY, changes bigint NOT NULL)",
        f"INSERT INTO {tally} (backend, changes) VALUES (0, {_start()}) ON CONFLICT DO NOTHING",
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".studio_tally_assistant_change() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            INSERT INTO {tally} AS t (backend, changes) VALUES (pg_backend_pid(), 1)
            ON CONFLICT (backend) DO UPDATE SET changes = t.changes + 1;
            RETURN NULL;
        END
        $$
        """,
        f"""
        CREATE TRIGGER studio_assistant_changed AFTER INSERT OR UPDATE OR DELETE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".studio_tally_assistant_change()
        """,
        f"""
        CREATE TRIGGER studio_assistant_truncated AFTER TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".studio_tally_assistant_change()
        """,
    ]


SQLITE_BUMP = f"BEGIN UPDATE {TALLY} SET changes = changes + 1 WHERE backend = 0; END"
SQLITE_TRIGGERS = {
    "studio_assistant_inserted": "AFTER INSERT",
    "studio_assistant_deleted": "AFTER DELETE",
    "studio_assistant_updated": "AFTER UPDATE",
}


def _sqlite() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {TALLY} (backend integer PRIMARY KEY, changes bigint NOT NULL)",
        f"INSERT OR IGNORE INTO {TALLY} (backend, changes) VALUES (0, {_start()})",
        *(
            f"CREATE TRIGGER {name} {event} ON {TABLE} {SQLITE_BUMP}"
            for name, event in SQLITE_TRIGGERS.items()
        ),
    ]


def add_tally(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            statements = _postgresql(cursor.fetchone()[0])
    elif connection.vendor == "sqlite":
        statements = _sqlite()
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


def drop_tally(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS studio_assistant_changed ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS studio_assistant_truncated ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS studio_tally_assistant_change()")
    else:
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TALLY}")


class Migration(migrations.Migration):
    dependencies = [("assistants", "0005_test_inputs_comparisons_gate")]

    operations = [migrations.RunPython(add_tally, drop_tally)]
