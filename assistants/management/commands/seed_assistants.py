"""``manage.py seed_assistants N [--versions M]``: bulk-load N assistants with M versions each.

This is the one place that writes the assistant tables directly instead of going through
:mod:`assistants.services`. On purpose: the services write one assistant per transaction with its
audit entry and publication (about ten statements each, and as many again for every further
version), which makes 100,000 assistants with 10 versions take hours, while the benchmarks only
need realistic *rows* to search, list and page through. The rows written here are what the
services would leave in ``Assistant``, ``AssistantVersion`` and ``Publication`` after creating an
assistant, saving versions 2..M and publishing one of them, minus the audit trail. Never use it
on a database with real data you care about: the seeded assistants are marked
``metadata.seeded = true`` so they can be found and removed.

Each batch is one transaction that writes the versions first, then the assistants already
pointing at their published version (foreign keys are checked at commit, so the order is
allowed), then the publications. On PostgreSQL the rows go in with ``COPY`` (the version ids are
reserved from the table's sequence first), which loads 1,000,000 versions in a few minutes; on
other databases with ``bulk_create`` (whose inserts give the ids back). ``bulk_create`` on
PostgreSQL spends most of its time quoting JSON values on the client: about 2,500 rows/s.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from assistants.models import Assistant, AssistantVersion, Publication
from graphs.registry import get_registry

TEAMS = 100
AUTHOR = "seed"
#: Time between two versions of one assistant.
VERSION_STEP = timedelta(minutes=30)
#: Rows per INSERT statement.
INSERT_BATCH = 2000

MODELS = ("anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini", "anthropic/claude-haiku-4-5")
PROMPT_ENDINGS = (
    "",
    "\nKeep sentences short.",
    "\nEnd with one question for the reader.",
    "\nAvoid jargon; explain any technical term.",
)


def seeded_metadata(index: int) -> dict[str, Any]:
    """``team`` takes 100 values, so ``{"team": "team-7"}`` matches 1% of the seeded rows."""
    return {
        "seeded": True,
        "team": f"team-{index % TEAMS}",
        "env": "prod" if index % 2 else "staging",
        "index": index,
    }


def _candidates(prop: dict[str, Any]) -> list[Any]:
    """A few plausible values for one context field, from its JSON Schema."""
    default = prop.get("default")
    if "enum" in prop:
        return list(prop["enum"])
    kind = prop.get("type")
    if kind == "number":
        low = float(prop.get("minimum", 0))
        high = float(prop.get("maximum", low + 2))
        return [round(low + (high - low) * share, 2) for share in (0.1, 0.35, 0.5, 0.8)]
    if kind == "integer":
        low = int(prop.get("minimum", 1))
        high = int(prop.get("maximum", low + 1000))
        span = max(1, high - low)
        return sorted({low + span * share // 20 for share in (1, 2, 4, 7)})
    if kind == "boolean":
        return [True, False]
    if kind == "string":
        if prop.get("x-template-kind") == "llm":
            return list(MODELS)
        if isinstance(default, str):
            return [default + ending for ending in PROMPT_ENDINGS]
        return []
    if kind == "array" and isinstance(default, list):
        extra = ["seeded example"] if prop.get("items", {}).get("type") == "string" else []
        return [default, default[:1], default + extra]
    return []


def context_maker(graph_id: str) -> Callable[[int, int], dict[str, Any]]:
    """``make(index, version)``: a context for that version, valid for the graph's schema.

    Field i takes a new value every i + 1 versions, so consecutive versions differ in one to a
    few fields, as hand edits do. Every candidate value is checked against the graph's schema
    once here, not per row.
    """
    from assistants.services import check_context
    from graphs.schemas import graph_context_schema

    spec = get_registry().get(graph_id)
    try:
        schema = graph_context_schema(spec) if not spec.error else None
    except Exception:  # a graph that cannot be loaded gets empty contexts
        schema = None
    fields: list[tuple[str, list[Any]]] = []
    for key, prop in ((schema or {}).get("properties") or {}).items():
        valid = []
        for value in _candidates(prop):
            try:
                check_context(graph_id=graph_id, context={key: value})
            except (ValidationError, Exception):  # noqa: BLE001 - any failure: skip the value
                continue
            valid.append(value)
        if valid:
            fields.append((key, valid))

    def make(index: int, version: int) -> dict[str, Any]:
        return {
            key: values[(index + version // (position + 1)) % len(values)]
            for position, (key, values) in enumerate(fields)
        }

    return make


class Command(BaseCommand):
    help = (
        "Bulk-load N assistants with M versions each (--versions, default 1) for benchmarks. "
        "Writes the tables directly (no audit trail); the rows carry metadata.seeded = true."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="How many assistants to add.")
        parser.add_argument(
            "--versions", type=int, default=1, help="Versions per assistant (1..M), default 1."
        )
        parser.add_argument(
            "--graph", default=None, help="Graph id (default: the first registered)."
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Assistants per transaction."
        )
        parser.add_argument(
            "--drafts",
            type=float,
            default=0.3,
            help="Share of assistants (with 2+ versions) whose published version is an earlier "
            "one, leaving newer drafts (default 0.3).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--no-publications", action="store_true", help="Do not write Publication rows."
        )
        parser.add_argument(
            "--orm",
            action="store_true",
            help="Use bulk_create on PostgreSQL too (slower than COPY; for comparison).",
        )

    def handle(
        self,
        *args: Any,
        count: int,
        versions: int,
        graph: str | None,
        batch_size: int,
        drafts: float,
        seed: int,
        no_publications: bool,
        orm: bool,
        **options: Any,
    ) -> None:
        if count < 0:
            raise CommandError("count must be 0 or more.")
        if versions < 1:
            raise CommandError("--versions must be 1 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if not 0 <= drafts <= 1:
            raise CommandError("--drafts must be between 0 and 1.")
        registry = get_registry()
        graph_id = graph or registry.graph_ids()[0]
        registry.get(graph_id)  # GraphNotFound for a typo
        use_copy = connection.vendor == "postgresql" and not orm
        if not use_copy and not connection.features.can_return_rows_from_bulk_insert:
            raise CommandError(f"{connection.vendor} cannot return ids from a bulk insert.")
        self.write_rows = _copy_rows if use_copy else _orm_rows
        self.make_context = context_maker(graph_id)
        start = Assistant.objects.filter(metadata__seeded=True).count()
        now = timezone.now()
        rng = random.Random(seed * 1_000_003 + start)
        started = time.perf_counter()
        done = rows = with_draft = 0
        while done < count:
            size = min(batch_size, count - done)
            batch_started = time.perf_counter()
            written, drafted = self._batch(
                graph_id,
                range(start + done, start + done + size),
                versions=versions,
                now=now,
                rng=rng,
                drafts=drafts,
                publications=not no_publications,
            )
            done += size
            rows += written
            with_draft += drafted
            seconds = time.perf_counter() - batch_started
            self.stdout.write(
                f"{done}/{count} assistants: {written} rows in {seconds:.1f} s "
                f"({written / max(seconds, 1e-9):,.0f} rows/s)"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {count} assistants x {versions} versions of graph {graph_id!r} "
                f"({count * versions} versions, {with_draft} with a draft, {rows} rows in all, "
                f"{'COPY' if use_copy else 'bulk_create'}) in {elapsed:.1f} s "
                f"({rows / max(elapsed, 1e-9):,.0f} rows/s)."
            )
        )

    @transaction.atomic
    def _batch(
        self,
        graph_id: str,
        indexes: range,
        *,
        versions: int,
        now: datetime,
        rng: random.Random,
        drafts: float,
        publications: bool,
    ) -> tuple[int, int]:
        """Write one batch; returns (rows written, assistants left with a draft)."""
        version_rows: list[dict[str, Any]] = []
        assistant_rows: list[dict[str, Any]] = []
        published: list[int] = []
        with_draft = 0
        for index in indexes:
            first = now - VERSION_STEP * (versions - 1) - timedelta(seconds=index)
            metadata = seeded_metadata(index)
            assistant_id = uuid.uuid4()
            for number in range(1, versions + 1):
                context = self.make_context(index, number)
                config: dict[str, Any] = {"tags": ["seeded"]}
                if context:
                    config["configurable"] = context
                version_rows.append(
                    {
                        "assistant_id": assistant_id,
                        "version": number,
                        "graph_id": graph_id,
                        "name": f"Seeded assistant {index}",
                        "description": None,
                        "metadata": metadata,
                        "config": config,
                        "context": context,
                        "note": "" if number == 1 else f"Seeded change {number}",
                        "author": AUTHOR,
                        "author_user_id": None,
                        "restored_from": None,
                        "created_at": first + VERSION_STEP * (number - 1),
                    }
                )
            live = versions
            if versions > 1 and rng.random() < drafts:
                live = rng.randint(1, versions - 1)
                with_draft += 1
            published.append(live)
            assistant_rows.append({"assistant_id": assistant_id})

        self.write_rows(AssistantVersion, version_rows, returning_ids=True)
        publication_rows: list[dict[str, Any]] = []
        for position, assistant in enumerate(assistant_rows):
            rows = version_rows[position * versions : (position + 1) * versions]
            live_row = rows[published[position] - 1]
            assistant.update(
                {field: live_row[field] for field in ASSISTANT_COPIED},
                version=published[position],
                published_version_id=live_row["id"],
                latest_version_number=versions,
                require_passing_checks=False,
                created_at=rows[0]["created_at"],
                updated_at=live_row["created_at"],
            )
            if publications:
                moves: list[tuple[int | None, int, dict[str, Any]]] = [(None, 1, rows[0])]
                if published[position] > 1:
                    moves.append((1, published[position], live_row))
                publication_rows.extend(
                    {
                        "assistant_id": assistant["assistant_id"],
                        "from_version": from_version,
                        "to_version": to_version,
                        "actor": AUTHOR,
                        "actor_user_id": None,
                        "created_at": row["created_at"],
                    }
                    for from_version, to_version, row in moves
                )
        self.write_rows(Assistant, assistant_rows)
        self.write_rows(Publication, publication_rows)
        return len(version_rows) + len(assistant_rows) + len(publication_rows), with_draft


#: Columns of the assistant row copied from its published version.
ASSISTANT_COPIED = ("graph_id", "name", "description", "metadata", "config", "context")


def _orm_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning_ids: bool = False
) -> None:
    """Insert with ``bulk_create``; with ``returning_ids`` each row gets its new ``id``."""
    objects = [model(**row) for row in rows]
    model._default_manager.bulk_create(objects, batch_size=INSERT_BATCH)
    if returning_ids:
        for row, obj in zip(rows, objects, strict=True):
            row["id"] = obj.pk


def _copy_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning_ids: bool = False
) -> None:
    """Insert with PostgreSQL's ``COPY``; with ``returning_ids`` the ids are reserved first."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if returning_ids:
            pk_column = meta.pk.column
            raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk_column, len(rows)],
            )
            for row, (new_id,) in zip(rows, raw.fetchall(), strict=True):
                row["id"] = new_id
        names = list(rows[0])
        # get_field accepts attnames (x_id); every name here is a concrete column.
        fields = [cast(models.Field, meta.get_field(name)) for name in names]
        columns = ", ".join(quote(cast(str, field.column)) for field in fields)
        is_json = [isinstance(field, models.JSONField) for field in fields]
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        orjson.dumps(value).decode() if json_column else value
                        for value, json_column in zip(row.values(), is_json, strict=True)
                    ]
                )
