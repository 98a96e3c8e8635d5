from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistants.actors import Actor
from assistants.services import assistants_import
from assistants.transfer import ImportFileError


class Command(BaseCommand):
    help = (
        "Import assistants from a file written by export_assistants (safe to run twice). The "
        "whole file is checked first; any problem refuses it, listing each one, and nothing is "
        "written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The export file, or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from None
        try:
            report = assistants_import(actor=Actor.system_actor(), data=data)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Created {len(report.created)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, skipped {len(report.skipped)}."
        )
        for assistant_id, why in report.skipped.items():
            self.stderr.write(f"Skipped {assistant_id}: {why}")
