"""Load the demo: the default assistants, a Blog writer and a Tweet writer with some history, and a
demo login. Safe to run again: what exists is left as it is (the demo login gets a new password).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from assistants import services
from assistants.actors import Actor
from assistants.models import Assistant

DEMO_NAMESPACE = uuid.UUID("1f5c7c52-6f0e-4b8e-9a64-3b8a3c6a0d11")

BLOG_PROMPT_V1 = (
    "You are a thoughtful blog writer.\n"
    "Write a {style} post about {topic}.\n"
    "Use short paragraphs and a friendly tone."
)
BLOG_PROMPT_V2 = (
    "You are an expert blog writer for a developer audience.\n"
    "Write a {style} post about {topic}.\n"
    "Open with a concrete example, use short paragraphs and end with a takeaway."
)
BLOG_PROMPT_V3 = BLOG_PROMPT_V2 + "\nAdd a title and three section headings."
TWEET_PROMPT_V1 = "You write tweets. Write one {style} about {topic}. No hashtags."
TWEET_PROMPT_V2 = "You write punchy tweets. Write one {style} about {topic} in under 240 characters. At most one hashtag."


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


class Command(BaseCommand):
    help = "Load the demo assistants and create a demo login (prints how to sign in)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-user", action="store_true", help="Do not create the demo login.")
        parser.add_argument("--username", default="demo", help="Demo login name (default: demo).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system_actor()
        created = services.default_assistants_sync()
        for assistant in created:
            self.stdout.write(f"Created default assistant for graph {assistant.graph_id!r}")
        self._writer(
            actor,
            "Blog writer",
            "blog",
            [
                dict(
                    system_prompt=BLOG_PROMPT_V1,
                    model="anthropic/claude-sonnet-4-5",
                    temperature=0.7,
                    max_length=1500,
                    note="First draft",
                ),
                dict(
                    system_prompt=BLOG_PROMPT_V2,
                    model="anthropic/claude-sonnet-4-5",
                    temperature=0.6,
                    max_length=2000,
                    note="Developer audience",
                    publish=True,
                ),
                dict(
                    system_prompt=BLOG_PROMPT_V3,
                    model="openai/gpt-4o",
                    temperature=0.5,
                    max_length=2500,
                    note="Try GPT-4o with headings",
                ),
            ],
        )
        self._writer(
            actor,
            "Tweet writer",
            "tweet",
            [
                dict(
                    system_prompt=TWEET_PROMPT_V1,
                    model="openai/gpt-4o-mini",
                    temperature=0.9,
                    max_length=280,
                    note="First draft",
                ),
                dict(
                    system_prompt=TWEET_PROMPT_V2,
                    model="openai/gpt-4o-mini",
                    temperature=1.0,
                    max_length=240,
                    note="Punchier",
                    publish=True,
                ),
            ],
        )
        if not options["no_user"]:
            self._demo_user(options["username"])

    def _writer(self, actor: Actor, name: str, style: str, versions: list[dict[str, Any]]) -> None:
        pk = demo_id(name)
        if Assistant.objects.filter(pk=pk).exists():
            self.stdout.write(f"{name}: already there, left unchanged")
            return
        with transaction.atomic():
            first, *rest = versions
            context = {k: v for k, v in first.items() if k not in {"note", "publish"}} | {
                "style": style
            }
            services.assistant_create(
                actor=actor,
                graph_id="writer",
                assistant_id=pk,
                name=name,
                description=f"Writes {style} posts with the writing graph.",
                metadata={"team": "marketing", "channel": style},
                context=context,
                note=first["note"],
            )
            for spec in rest:
                context = {k: v for k, v in spec.items() if k not in {"note", "publish"}} | {
                    "style": style
                }
                services.version_save(
                    actor=actor,
                    assistant_id=pk,
                    context=context,
                    note=spec["note"],
                    publish=spec.get("publish", False),
                )
        assistant = Assistant.objects.get(pk=pk)
        self.stdout.write(
            f"{name}: {assistant.latest_version_number} versions, v{assistant.version} published"
        )

    def _demo_user(self, username: str) -> None:
        password = secrets.token_urlsafe(9)
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=["viewer", "editor", "publisher"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: user {username!r}, password {password!r} (new on every run; superuser, "
                f"so it also opens /admin/)."
            )
        )
