"""The only code that writes assistants, versions, publications, API keys and the audit trail.

Every service is keyword-only, runs in one transaction and records what it did in the audit
table inside that same transaction. Version numbers are allocated while holding a row lock on the
assistant (``select_for_update``), so concurrent saves are serialised: numbers never collide and
never leave a gap. A save that says which version it was based on is refused with
:class:`VersionConflict` when the assistant has moved on since (optimistic concurrency).

One module per concern; import the services from here (``from assistants import services``):

- ``errors``: the domain errors (each becomes one 4xx answer).
- ``audit``: the audit trail.
- ``context``: the checks a configuration passes (graph registered and loading, context schema).
- ``rows``: the row writes the services share (lock, append a version, move the pointer).
- ``assistants``: create, copy, delete.
- ``versions``: save, publish, restore.
- ``defaults``: each graph's default assistant.
- ``api_keys``: create and revoke API keys.
- ``test_inputs``, ``comparisons``, ``gate``: test inputs, comparisons with live, the gate.
- ``imports``: restore assistants with their history from an export file.
- ``rebase``: carry a draft over onto a newer live version (``services.rebase.draft_rebase``).
"""

from __future__ import annotations

from assistants.services.api_keys import api_key_create, api_key_revoke
from assistants.services.assistants import assistant_create, assistant_delete, assistant_duplicate
from assistants.services.audit import audit_record
from assistants.services.context import (
    check_context,
    check_graph,
    consolidate_config_and_context,
    context_schema,
    graph_spec,
)
from assistants.services.defaults import default_assistants_sync
from assistants.services.errors import (
    CONFIG_CONTEXT_MESSAGE,
    ActorChanged,
    AssistantExists,
    AssistantNotFound,
    ConfigContextConflict,
    GraphUnavailable,
    ServiceError,
    VersionConflict,
    VersionNotFound,
)
from assistants.services.gate import PublishGateClosed
from assistants.services.imports import ImportReport, assistants_import
from assistants.services.rows import (
    copy_to_assistant,
    insert_assistant,
    lock_assistant,
    new_version,
    publish_version,
    version_fields,
)
from assistants.services.versions import KEEP, version_publish, version_restore, version_save
from graphs.registry import GraphNotFound

__all__ = [
    "CONFIG_CONTEXT_MESSAGE",
    "KEEP",
    "ActorChanged",
    "AssistantExists",
    "AssistantNotFound",
    "ConfigContextConflict",
    "GraphNotFound",
    "GraphUnavailable",
    "ImportReport",
    "PublishGateClosed",
    "ServiceError",
    "VersionConflict",
    "VersionNotFound",
    "api_key_create",
    "api_key_revoke",
    "assistant_create",
    "assistant_delete",
    "assistant_duplicate",
    "assistants_import",
    "audit_record",
    "check_context",
    "check_graph",
    "consolidate_config_and_context",
    "context_schema",
    "copy_to_assistant",
    "default_assistants_sync",
    "graph_spec",
    "insert_assistant",
    "lock_assistant",
    "new_version",
    "publish_version",
    "version_fields",
    "version_publish",
    "version_restore",
    "version_save",
]
