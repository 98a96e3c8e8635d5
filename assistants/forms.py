"""The page forms around the generated context form (graphs.forms.ContextForm)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from assistants.merge import FieldMerge
from assistants.selectors import STATUS_CHOICES


class AssistantFilterForm(forms.Form):
    """The list page's search box and filters (GET)."""

    q = forms.CharField(label="Search by name", required=False, max_length=200)
    graph = forms.ChoiceField(label="Graph", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, graph_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        graph = cast(forms.ChoiceField, self.fields["graph"])
        graph.choices = [("", "All graphs"), *((g, g) for g in graph_ids)]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Name contains…"})

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"query": "", "graph_id": "", "status": ""}
        data = self.cleaned_data
        return {"query": data["q"], "graph_id": data["graph"], "status": data["status"]}


class AssistantDetailsForm(forms.Form):
    """Name and description, saved with each version."""

    name = forms.CharField(max_length=255)
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What this assistant is for.",
    )


class VersionNoteForm(forms.Form):
    """The note of a draft and the version the edit started from (optimistic concurrency)."""

    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        help_text="A short note for the history: what changed and why.",
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class DuplicateForm(forms.Form):
    name = forms.CharField(max_length=255, label="Name of the copy")
    version = forms.TypedChoiceField(
        label="Copy from", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, versions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = cast(forms.ChoiceField, self.fields["version"])
        version.choices = [("", "The published version"), *versions]


class RebaseForm(forms.Form):
    """The editor's choice for every field both sides changed, and the state it was made on.

    ``draft`` and ``onto`` say which versions the page showed: if the live version moved since,
    the choices were made on something else and the rebase is refused (409).
    """

    draft = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    onto = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        help_text="A short note for the history (default: “Draft vN rebased onto vM”).",
    )

    def __init__(
        self, *args: Any, conflicts: list[FieldMerge], draft: int, onto: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.conflicts = conflicts
        self.fields["draft"].initial = draft
        self.fields["onto"].initial = onto
        for index, conflict in enumerate(conflicts):
            self.fields[f"pick-{index}"] = forms.ChoiceField(
                label=conflict.display_label,
                choices=[("ours", f"Keep your draft’s (v{draft})"), ("theirs", f"Take v{onto}’s")],
                widget=forms.RadioSelect,
                error_messages={"required": "Choose which value to keep."},
            )

    def picks(self) -> list[tuple[FieldMerge, forms.BoundField]]:
        """Each conflict with its choice, for the template."""
        return [(c, self[f"pick-{i}"]) for i, c in enumerate(self.conflicts)]

    def choices(self) -> dict[str, str]:
        """Dotted path -> "ours" or "theirs" (after ``is_valid()``)."""
        return {c.path: self.cleaned_data[f"pick-{i}"] for i, c in enumerate(self.conflicts)}
