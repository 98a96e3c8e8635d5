from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assistants.models import Assistant
from assistants.transfer import export_assistants


class Command(BaseCommand):
    help = "Export assistants with every version and their publication history as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", default="-", help="File to write (default: standard output)."
        )
        parser.add_argument(
            "--graph",
            action="append",
            default=[],
            help="Only assistants of this graph (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Assistant.objects.all()
        if options["graph"]:
            queryset = queryset.filter(graph_id__in=options["graph"])
        document = export_assistants(queryset)
        text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if options["output"] == "-":
            sys.stdout.write(text)
        else:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            count = len(document["assistants"])
            versions = sum(len(a["versions"]) for a in document["assistants"])
            self.stderr.write(
                f"Exported {count} assistant(s), {versions} version(s) to {options['output']}"
            )
