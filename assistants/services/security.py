"""Security events in the audit trail: sign-in lockouts and unlocks.

Its own module (imported as ``assistants.services.security``) so the sign-in machinery in
``studio/login_throttle.py`` writes the audit table through a service, like every other writer.
"""

from __future__ import annotations

from django.db import transaction

from assistants.actors import Actor
from assistants.models import AuditEntry

#: A client was stopped from signing in after too many failed attempts.
LOGIN_LOCKED_OUT = "auth.login_locked_out"


def login_lockout_record(
    *,
    username: str | None,
    address: str | None,
    rule: str,
    failures: int,
    limit: int,
    path: str,
    lockout_minutes: int | None,
) -> AuditEntry:
    """Record that signing in was locked, once, when the lock starts.

    Attempts refused while the lock lasts are not recorded, so a flood of them cannot flood the
    trail. ``rule`` says which limit was reached (``account_address``, ``address`` or
    ``account``); ``lockout_minutes`` is None when only an administrator can lift the lock.
    """
    with transaction.atomic():
        return AuditEntry.objects.create(
            action=LOGIN_LOCKED_OUT,
            actor=f"client:{address or 'unknown address'}",
            payload={
                "username": username or "",
                "address": address,
                "rule": rule,
                "failures": failures,
                "limit": limit,
                "path": path,
                "lockout_minutes": lockout_minutes,
            },
        )


#: An administrator removed counted sign-in failures (which lifts any lock they caused).
LOGIN_UNLOCKED = "auth.login_unlocked"


def login_unlock_record(
    *, actor: Actor, clients: list[tuple[str | None, str | None]], how: str
) -> AuditEntry | None:
    """Record that the failures of ``clients`` ((username, address) pairs) were removed.

    ``how`` says where: ``admin`` or ``command`` (the axes_reset commands, run by someone with
    shell access, so the actor is the system). Nothing is recorded when nothing was removed.
    """
    if not clients:
        return None
    with transaction.atomic():
        return AuditEntry.objects.create(
            action=LOGIN_UNLOCKED,
            actor=actor.label,
            actor_user=actor.user_or_none,
            payload={
                "usernames": sorted({username or "" for username, _ in clients}),
                "addresses": sorted({address or "" for _, address in clients}),
                "attempts_removed": len(clients),
                "how": how,
            },
        )
