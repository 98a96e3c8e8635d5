"""The Try it form's version choice: live, the draft, an older version, or the unsaved edit."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from assistants.models import Assistant

UNSAVED = "unsaved"
#: Older versions offered in the choice, newest first.
MAX_CHOICES = 50


class RunVersionForm(forms.Form):
    version = forms.ChoiceField(label="Version")
    unsaved_context = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        assistant: Assistant,
        unsaved: dict[str, Any] | str | None = None,
        initial_version: str | None = None,
    ) -> None:
        super().__init__(data)
        live, latest = assistant.version, assistant.latest_version_number
        choices: list[tuple[str, str]] = []
        if unsaved is not None:
            choices.append((UNSAVED, "Unsaved edit (the values in the edit form)"))
            self.fields["unsaved_context"].initial = (
                unsaved if isinstance(unsaved, str) else json.dumps(unsaved, sort_keys=True)
            )
        choices.append((str(live), f"Live: v{live}"))
        if latest > live:
            choices.append((str(latest), f"Draft: v{latest}"))
        older = (
            assistant.versions.exclude(version__in=[live, latest])
            .order_by("-version")
            .values_list("version", "note")[:MAX_CHOICES]
        )
        choices += [(str(n), f"v{n}" + (f": {note[:60]}" if note else "")) for n, note in older]
        version_field = self.fields["version"]
        assert isinstance(version_field, forms.ChoiceField)
        version_field.choices = choices
        wanted = "draft" if initial_version == "draft" else initial_version
        if unsaved is not None:
            self.fields["version"].initial = UNSAVED
        elif wanted == "draft" and latest > live:
            self.fields["version"].initial = str(latest)
        elif wanted in {value for value, _ in choices}:
            self.fields["version"].initial = wanted
        else:
            self.fields["version"].initial = str(live)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("version") == UNSAVED:
            try:
                context = json.loads(cleaned.get("unsaved_context") or "")
            except ValueError:
                context = None
            if not isinstance(context, dict):
                self.add_error(
                    "version",
                    "The unsaved values are missing: use Try it on the edit page again.",
                )
            cleaned["context"] = context
        return cleaned

    def run_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``run_create``: a version number or an unsaved context."""
        if self.cleaned_data["version"] == UNSAVED:
            return {"context": self.cleaned_data["context"]}
        return {"version": int(self.cleaned_data["version"])}
