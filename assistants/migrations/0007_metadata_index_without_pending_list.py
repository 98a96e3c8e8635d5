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

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

INDEX = "assistant_metadata_gin"


def without_pending_list(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # Briefly locks the index (and so the queries planned on the table) until the migration
    # commits: the statement itself takes no time.
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = off)")
    schema_editor.execute(
        f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c "
        f"WHERE c.relname = '{INDEX}' AND pg_table_is_visible(c.oid)"
    )


def with_pending_list(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("assistants", "0006_assistant_change_tally")]

    operations = [migrations.RunPython(without_pending_list, with_pending_list, elidable=False)]
