"""What the migrations leave in the database beyond the models' own tables."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_metadata_index_takes_new_entries_at_once():
    """GIN's pending list is off (migration 0007): a search never reads unmerged entries."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'assistant_metadata_gin'")
        (options,) = cursor.fetchone()
    assert "fastupdate=off" in options
