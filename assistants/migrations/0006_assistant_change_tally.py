"""A tally of committed changes to the assistants table, for exact cached search counts.

``studio_assistant_changes`` holds one row per database session that has changed assistants
(PostgreSQL: its backend process id; SQLite, one writer at a time: row 0). Triggers add one to
the writer's row in the writer's own transaction whenever rows are inserted or deleted, the table
is truncated, or a column a list or search filters on is updated (``graph_id``, ``metadata``,
``name``; ``version`` and ``latest_version_number``, which tell published from draft).

The sum of the column therefore grows with every committed change and never otherwise, so two
reads that see the same sum see the same assistants: :mod:`assistants.counts` keeps counts
under it. A row per session (not one shared row) means writers never wait for each other.

Plain SQL, not a model: ``flush`` must not empty it (the sum would start again and meet old keys).
"""

from django.db import migrations

TALLY = "studio_assistant_changes"
TABLE = "assistants_assistant"
FILTERED_COLUMNS = "graph_id, metadata, name, version, latest_version_number"

POSTGRESQL = [
    f"CREATE TABLE IF NOT EXISTS {TALLY} (backend integer PRIMARY KEY, changes bigint NOT NULL)",
    f"INSERT INTO {TALLY} (backend, changes) VALUES (0, 0) ON CONFLICT DO NOTHING",
    f"""
    CREATE OR REPLACE FUNCTION studio_tally_assistant_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TALLY} AS t (backend, changes) VALUES (pg_backend_pid(), 1)
        ON CONFLICT (backend) DO UPDATE SET changes = t.changes + 1;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER studio_assistant_changed
    AFTER INSERT OR DELETE OR UPDATE OF {FILTERED_COLUMNS} ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION studio_tally_assistant_change()
    """,
    f"""
    CREATE TRIGGER studio_assistant_truncated AFTER TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION studio_tally_assistant_change()
    """,
]

SQLITE_BUMP = f"BEGIN UPDATE {TALLY} SET changes = changes + 1 WHERE backend = 0; END"
SQLITE = [
    f"CREATE TABLE IF NOT EXISTS {TALLY} (backend integer PRIMARY KEY, changes bigint NOT NULL)",
    f"INSERT OR IGNORE INTO {TALLY} (backend, changes) VALUES (0, 0)",
    f"CREATE TRIGGER studio_assistant_inserted AFTER INSERT ON {TABLE} {SQLITE_BUMP}",
    f"CREATE TRIGGER studio_assistant_deleted AFTER DELETE ON {TABLE} {SQLITE_BUMP}",
    f"CREATE TRIGGER studio_assistant_updated AFTER UPDATE OF {FILTERED_COLUMNS} ON {TABLE} "
    f"{SQLITE_BUMP}",
]


def add_tally(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_tally(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS studio_assistant_changed ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS studio_assistant_truncated ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS studio_tally_assistant_change()")
    else:
        for name in ("inserted", "deleted", "updated"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS studio_assistant_{name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TALLY}")


class Migration(migrations.Migration):
    dependencies = [("assistants", "0005_test_inputs_comparisons_gate")]

    operations = [migrations.RunPython(add_tally, drop_tally)]
