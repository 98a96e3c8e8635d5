"""Property-based fuzzing of the whole API with schemathesis, against a real HTTP server.

Every operation in ``/openapi.json`` gets generated requests (valid and invalid bodies, odd ids,
strange strings). Each response must not be a server error and must match the document: status
code, content type, headers and body schema. ``STUDIO_FUZZ_EXAMPLES`` sets the examples per
operation (default 100, enough to run in CI's time).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("STUDIO_FUZZ_EXAMPLES", "100"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def fuzz_key(transactional_db) -> str:
    from assistants import services
    from assistants.actors import Actor

    _, raw = services.api_key_create(actor=Actor.system_actor(), name="fuzz")
    # Something to find: a few assistants on each graph.
    for graph_id in ("writer", "researcher"):
        services.assistant_create(
            actor=Actor.system_actor(), graph_id=graph_id, name=f"fuzz {graph_id}"
        )
    return raw


def test_every_operation_answers_without_server_errors_and_as_documented(live_server, fuzz_key):
    # Driven by hand (not schemathesis' pytest plugin, which does not support this pytest): one
    # hypothesis run per operation, all failures collected so one report shows them all.
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    failures: dict[str, str] = {}
    calls = 0
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def exercise(case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(
                base_url=live_server.url, headers={"X-Api-Key": fuzz_key}, checks=CHECKS
            )

        try:
            exercise()
        except Exception as exc:  # collected, reported below
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    print(f"fuzz: {len(operations)} operations, {calls} generated requests")
    assert calls >= len(operations) * 10, "hypothesis generated too few requests to mean anything"
    assert failures == {}
