"""``manage.py create_api_key NAME [--read-only]``: make an API key and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assistants.actors import Actor
from assistants.services import api_key_create


class Command(BaseCommand):
    help = (
        "Create an API key for integrations (sent as the X-Api-Key header). The key is printed "
        "once, as the last line of output; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A label to tell keys apart, e.g. the integration's name.")
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="The key may read (GET, search, count, versions) but not change anything.",
        )

    def handle(self, *args: Any, name: str, read_only: bool, **options: Any) -> None:
        key, raw = api_key_create(actor=Actor.system_actor(), name=name, read_only=read_only)
        scope = "read-only" if read_only else "read-write"
        self.stdout.write(f"Created {scope} API key {key.name!r} (prefix {key.prefix}).")
        self.stdout.write("This key is shown only once; store it now. Revoke it in the admin.")
        self.stdout.write(raw)
