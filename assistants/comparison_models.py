"""Test inputs of an assistant and comparisons of a version against live over them.

Imported by :mod:`assistants.models` (Django finds the models there). A :class:`Comparison` keeps
the test inputs as they were when it started (``inputs``) and, once finished, never changes again:
saving a finished one raises :class:`ImmutableComparisonError`. Its runs are ordinary
:class:`~assistants.models.Run` rows, linked through :class:`ComparisonRun`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["Comparison", "ComparisonRun", "ImmutableComparisonError", "TestInput"]


class ImmutableComparisonError(Exception):
    """Raised on any attempt to change a finished comparison."""


class TestInput(models.Model):
    """One input an assistant is checked on, with expectations on the output text.

    ``expectations`` is a list of ``{"kind": ..., "value": ...}`` (see
    :mod:`assistants.expectations`). Every change is recorded in the audit trail with the values
    before and after.
    """

    __test__ = False  # not a pytest test class

    assistant = models.ForeignKey(
        "assistants.Assistant", on_delete=models.CASCADE, related_name="test_inputs"
    )
    name = models.CharField(max_length=200)
    input = models.JSONField(default=dict, blank=True)
    expectations = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assistant", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "name": self.name,
            "input": self.input,
            "expectations": list(self.expectations),
        }


class ComparisonQuerySet(models.QuerySet["Comparison"]):
    def finished(self) -> ComparisonQuerySet:
        return self.filter(status__in=(Comparison.SUCCEEDED, Comparison.FAILED))

    def active(self) -> ComparisonQuerySet:
        return self.filter(status__in=(Comparison.QUEUED, Comparison.RUNNING))

    def of_version(self, number: int) -> ComparisonQuerySet:
        return self.filter(candidate_version=number)

    def newest_first(self) -> ComparisonQuerySet:
        return self.order_by("-created_at")


class Comparison(models.Model):
    """Version ``candidate_version`` against the live ``live_version`` on every test input.

    ``status`` goes queued → running → succeeded or failed. Succeeded means every run finished
    (a run whose graph raised still counts: its checks fail); failed means the comparison could
    not be completed (a worker lost, a run cancelled) and can never count as passing.
    """

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (SUCCEEDED, "Finished"),
        (FAILED, "Failed"),
    ]
    ACTIVE = (QUEUED, RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assistant = models.ForeignKey(
        "assistants.Assistant", on_delete=models.CASCADE, related_name="comparisons"
    )
    candidate_version = models.PositiveIntegerField()
    live_version = models.PositiveIntegerField()
    repeats = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Runs to do.")
    done = models.PositiveIntegerField(default=0, help_text="Runs finished.")
    inputs = models.JSONField(default=list, help_text="The test inputs as they were.")
    results = models.JSONField(default=list, blank=True)
    candidate_passed = models.PositiveIntegerField(default=0)
    live_passed = models.PositiveIntegerField(default=0)
    checks_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    actor = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["assistant", "candidate_version", "-created_at"],
                name="comparison_version_time",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.candidate_version} vs live v{self.live_version} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored not in self.ACTIVE:
                raise ImmutableComparisonError(f"Comparison {self.pk} is finished.")
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status not in self.ACTIVE

    @property
    def passes(self) -> bool:
        """Finished, complete, and every check of the candidate passed."""
        return (
            self.status == self.SUCCEEDED
            and self.checks_total > 0
            and self.candidate_passed == self.checks_total
        )

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class ComparisonRun(models.Model):
    """One run of a comparison: which side, which test input (by position) and which repeat."""

    CANDIDATE = "candidate"
    LIVE = "live"
    SIDES = [(CANDIDATE, "Candidate"), (LIVE, "Live")]

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="links")
    run = models.OneToOneField(
        "assistants.Run", on_delete=models.CASCADE, related_name="comparison_link"
    )
    side = models.CharField(max_length=16, choices=SIDES)
    input_index = models.PositiveIntegerField()
    repeat = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["comparison", "input_index", "side", "repeat"]

    def __str__(self) -> str:
        return f"{self.comparison_id} #{self.input_index} {self.side} {self.repeat}"
