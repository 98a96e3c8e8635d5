"""``manage.py seed_assistants N``: bulk-load N assistants (one published version each) for benchmarks.

This is the one place that writes the assistant tables directly instead of going through
:mod:`assistants.services`. On purpose: the services write one assistant per transaction with its
audit entry and publication (about ten statements each), which makes 100,000 assistants take many
minutes, while the benchmarks only need realistic *rows* to search. The rows written here are
exactly what ``assistant_create`` would leave in ``Assistant`` and ``AssistantVersion`` (version 1,
published), minus the audit trail. Never use it on a database with real data you care about: the
seeded assistants are marked ``metadata.seeded = true`` so they can be found and removed.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assistants.models import Assistant, AssistantVersion
from graphs.registry import get_registry

TEAMS = 100


def seeded_metadata(index: int) -> dict[str, Any]:
    """``team`` takes 100 values, so ``{"team": "team-7"}`` matches 1% of the seeded rows."""
    return {
        "seeded": True,
        "team": f"team-{index % TEAMS}",
        "env": "prod" if index % 2 else "staging",
        "index": index,
    }


class Command(BaseCommand):
    help = (
        "Bulk-load N assistants, each with one published version, for benchmarks. Writes the "
        "tables directly (no audit trail); the rows carry metadata.seeded = true."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="How many assistants to add.")
        parser.add_argument(
            "--graph", default=None, help="Graph id (default: the first registered)."
        )
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(
        self, *args: Any, count: int, graph: str | None, batch_size: int, **options: Any
    ) -> None:
        if count < 0:
            raise CommandError("count must be 0 or more.")
        registry = get_registry()
        graph_id = graph or registry.graph_ids()[0]
        registry.get(graph_id)  # GraphNotFound for a typo
        start = Assistant.objects.filter(metadata__seeded=True).count()
        now = timezone.now()
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            self._batch(graph_id, range(start + done, start + done + size), now)
            done += size
            self.stdout.write(f"{done}/{count}")
        self.stdout.write(self.style.SUCCESS(f"Seeded {count} assistants of graph {graph_id!r}."))

    @transaction.atomic
    def _batch(self, graph_id: str, indexes: range, now: Any) -> None:
        assistants = []
        versions = []
        for index in indexes:
            created = now - timedelta(seconds=index)
            fields = {
                "graph_id": graph_id,
                "name": f"Seeded assistant {index}",
                "description": None,
                "metadata": seeded_metadata(index),
                "config": {"tags": ["seeded"]},
                "context": {},
            }
            assistant = Assistant(
                assistant_id=uuid.uuid4(),
                version=1,
                latest_version_number=1,
                created_at=created,
                updated_at=created,
                **fields,
            )
            assistants.append(assistant)
            versions.append(
                AssistantVersion(
                    assistant=assistant, version=1, created_at=created, author="seed", **fields
                )
            )
        Assistant.objects.bulk_create(assistants)
        AssistantVersion.objects.bulk_create(versions)
        first_version = AssistantVersion.objects.filter(assistant_id=OuterRef("pk"), version=1)
        Assistant.objects.filter(pk__in=[a.pk for a in assistants]).update(
            published_version=Subquery(first_version.values("pk")[:1])
        )
