"""Django forms generated from a graph's context JSON Schema.

One mapping from JSON Schema to form fields (:func:`field_kind` decides, :class:`ContextForm`
builds), so every page that edits a configuration offers the same controls:

========================  ===========================================================
schema                    control
========================  ===========================================================
string                    text input
prompt string             large editor listing the ``{variables}`` it uses
model string              select of known ``provider/model`` ids plus "Other"
enum / const              select
integer, number           number input with min / max / step
boolean                   checkbox (a three-way select when it may be null)
array of scalars          rows that can be added, removed and reordered
array of objects          one fieldset per item (``items.0.name``)
object                    fieldset of its properties (``sources.allowed_domains``)
anything else             JSON text area
========================  ===========================================================

The package, by what its parts do:

- :mod:`graphs.forms.fields`: form fields and widgets (text, numbers, lists, model picker, JSON);
- :mod:`graphs.forms.layout`: fieldsets, field nodes and the bound field the template reads;
- :mod:`graphs.forms.context_form`: :class:`ContextForm`, built from the schema and back;
- :mod:`graphs.forms.list_actions`: add, remove and move list rows without saving;
- :mod:`graphs.forms.display`: read-only rows and labels for a stored context.

Reading the schema itself (``$ref``, nullable, kinds, labels) is :mod:`graphs.jsonschema`; prompt
variables are :mod:`graphs.prompts`. Everything other apps use is importable from here.
"""

from __future__ import annotations

from graphs.forms.context_form import ContextForm
from graphs.forms.display import DisplayRow, describe_context, field_labels
from graphs.forms.fields import OTHER_MODEL, known_models, model_groups, split_model_value
from graphs.forms.layout import DROP, PREFIX, FieldNode, GroupNode, SchemaBoundField
from graphs.forms.list_actions import (
    LIST_ACTION,
    ListAction,
    apply_list_action,
    parse_list_action,
)
from graphs.jsonschema import field_kind, field_title, resolve_ref, split_nullable
from graphs.prompts import (
    VariableContract,
    known_prompt_variables,
    prompt_variable_changes,
    prompt_variables,
)

__all__ = [
    "DROP",
    "LIST_ACTION",
    "OTHER_MODEL",
    "PREFIX",
    "ContextForm",
    "DisplayRow",
    "FieldNode",
    "GroupNode",
    "ListAction",
    "SchemaBoundField",
    "VariableContract",
    "apply_list_action",
    "describe_context",
    "field_kind",
    "field_labels",
    "field_title",
    "known_models",
    "known_prompt_variables",
    "model_groups",
    "parse_list_action",
    "prompt_variable_changes",
    "prompt_variables",
    "resolve_ref",
    "split_model_value",
    "split_nullable",
]
