"""Search's metadata index takes each new entry at once (PostgreSQL's GIN ``fastupdate`` off).

With ``fastupdate`` on (PostgreSQL's default), a GIN index appends new entries to a pending list
that every search through the index reads in full, and that is merged only by a vacuum or once it
outgrows ``gin_pending_list_limit`` (4 MB). Assistants are written a few at a time and searched on
every integration's start, so the list grew between autovacuums: after 2,000 creates a metadata
search read about 7,700 pending entries (0.6 ms of a 0.7 ms statement), and the planner, seeing the
index's cost, often scanned the whole table instead. With the option off, a write puts its two
or three metadata keys in the index directly and a search reads only what matches.

The entries already pending are merged here (``gin_clean_pending_list``). Nothing on SQLite, which
has no such index.
"""

from django.db import migrations

INDEX = "assistant_metadata_gin"


def _set_fastupdate(schema_editor, value: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = {value})")
    if value == "off":
        schema_editor.execute(
            f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c "
            f"WHERE c.relname = '{INDEX}' AND pg_table_is_visible(c.oid)"
        )


def without_pending_list(apps, schema_editor):
    _set_fastupdate(schema_editor, "off")


def with_pending_list(apps, schema_editor):
    _set_fastupdate(schema_editor, "on")


class Migration(migrations.Migration):
    dependencies = [("assistants", "0006_assistant_change_tally")]

    operations = [migrations.RunPython(without_pending_list, with_pending_list, elidable=False)]
