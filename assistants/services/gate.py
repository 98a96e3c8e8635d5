"""The publish gate: with ``Assistant.require_passing_checks`` on, only a version whose latest
comparison with live finished and passed every check may become live.

:func:`gate_check` is called by the one function that moves the published pointer
(:func:`assistants.services.rows.publish_version`) and, before anything is written, by the saves
that publish a brand-new version (which cannot have a comparison yet). Callers hold the
assistant's row lock, which :func:`assistants.services.comparisons.comparison_refresh` also takes
to finish a comparison, so a publish sees a comparison either running or finished, never half.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction

from assistants.actors import Actor
from assistants.models import Assistant, Comparison
from assistants.services.audit import audit_record
from assistants.services.errors import ServiceError
from assistants.services.rows import lock_assistant

__all__ = [
    "PublishGateClosed",
    "assistant_gate_set",
    "failing_checks",
    "gate_check",
    "gate_reason",
    "gate_refusal",
]

#: How many failing checks the refusal names (the comparison page lists them all).
NAMED = 10


class PublishGateClosed(ServiceError):
    """The assistant requires passing checks and this version has none (a 409)."""

    def __init__(self, version: int | None, reason: str, failing: list[str] | None = None) -> None:
        self.version = version
        self.failing = failing or []
        label = f"v{version}" if version is not None else "A new version"
        message = f"{label} cannot be published: this assistant requires passing checks. {reason}"
        if self.failing:
            shown = "; ".join(self.failing[:NAMED])
            more = len(self.failing) - NAMED
            message += f" Failing checks: {shown}" + (f" (and {more} more)." if more > 0 else ".")
        super().__init__(message)


def failing_checks(comparison: Comparison, side: str = "candidate") -> list[str]:
    """``"input name: contains “x”"`` for every check of ``side`` that did not pass."""
    return [
        f"{item['name']}: {check['label']}"
        for item in comparison.results
        for check in item.get("checks", [])
        if not check.get(side)
    ]


def gate_check(*, assistant: Assistant, version: int | None) -> None:
    """Raise :class:`PublishGateClosed` unless ``version`` may go live (the caller holds the lock).

    ``version`` None means a version that does not exist yet (a save that also publishes).
    """
    if not assistant.require_passing_checks:
        return
    if version is None:
        raise PublishGateClosed(
            None,
            "Save it as a draft, compare it with live, and publish it once every check passes.",
        )
    from assistants.services.comparisons import comparison_refresh

    comparisons = Comparison.objects.filter(assistant=assistant).of_version(version)
    for active in comparisons.active():
        comparison_refresh(comparison_id=active.pk, locked=True)
    latest = comparisons.newest_first().first()
    reason = gate_reason(latest)
    if reason is not None:
        failing: list[str] = []
        if latest is not None and latest.status == Comparison.SUCCEEDED:
            failing = failing_checks(latest)
        raise PublishGateClosed(version, reason, failing)


def gate_reason(latest: Comparison | None) -> str | None:
    """Why a version whose newest comparison with live is ``latest`` cannot pass the gate (None
    when it can). :func:`gate_check` refuses with it; pages say it before anyone clicks."""
    if latest is None:
        return "It has not been compared with live yet."
    if latest.status in Comparison.ACTIVE:
        return "Its comparison with live is still running."
    if latest.status == Comparison.FAILED:
        return f"Its latest comparison did not complete ({latest.error}). Compare again."
    if not latest.passes:
        return f"{latest.candidate_passed} of {latest.checks_total} checks pass."
    return None


def gate_refusal(*, assistant: Assistant, version: int) -> str | None:
    """Read-only: why publishing ``version`` would be refused now (None if it would not).

    Reads the newest comparison as stored (no lock, no refresh), so a page may show it; the
    publish itself still decides with :func:`gate_check`.
    """
    if not assistant.require_passing_checks:
        return None
    latest = Comparison.objects.filter(assistant=assistant).of_version(version).newest_first()
    return gate_reason(latest.first())


@transaction.atomic
def assistant_gate_set(*, actor: Actor, assistant_id: uuid.UUID | str, required: bool) -> Assistant:
    """Turn the gate on or off (publishers only; audited when it changes)."""
    if not actor.can_publish():
        raise PermissionDenied("Only publishers can change the publish gate.")
    assistant = lock_assistant(assistant_id)
    if assistant.require_passing_checks != required:
        assistant.require_passing_checks = required
        assistant.save(update_fields=["require_passing_checks"])
        audit_record(
            actor=actor,
            action="assistant.gate_changed",
            assistant_id=assistant.pk,
            payload={"require_passing_checks": required},
        )
    return assistant
